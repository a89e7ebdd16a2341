"""A WSGI voice app with a "say sales or press 1" menu (no framework), used by
ivr-speech-menu.scenario.yaml.

Its Gather takes speech or keys (input="dtmf_speech") with hints for the department names;
the gather webhook carries the keys in `digits` and what the caller said in
`speechResult.text` (the simulator's speech result, docs/callbacks.md). Speech or keys pick a
department; anything else gets the menu again, twice at most.
"""

import json

MENU = ('<Response><Gather gatherUrl="/menu" input="dtmf_speech" hints="sales, support" '
        'language="en-US" maxDigits="1" firstDigitTimeout="4" speechTimeout="1.5">'
        '<SpeakSentence>Say sales or press 1. Say support or press 2.</SpeakSentence>'
        '</Gather></Response>')
DEPARTMENTS = {"1": "sales", "2": "support"}
TRIES = {}


def choice(event):
    """The department the caller chose by key or by voice, or None."""
    if event.get("digits") in DEPARTMENTS:
        return DEPARTMENTS[event["digits"]]
    said = (event.get("speechResult") or {}).get("text", "").lower().split()
    return next((name for name in DEPARTMENTS.values() if name in said), None)


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    event = json.loads(environ["wsgi.input"].read(length) or b"{}")
    path = environ["PATH_INFO"]
    if path == "/answer":
        TRIES[event["callId"]] = 0  # a new call (ids repeat across runs with the same seed)
        body = MENU
    elif path == "/menu":
        department = choice(event)
        if department is not None:
            body = (f"<Response><SpeakSentence>Connecting you to {department}."
                    f"</SpeakSentence><Redirect redirectUrl='/{department}'/></Response>")
        else:
            TRIES[event["callId"]] = TRIES.get(event["callId"], 0) + 1
            body = MENU if TRIES[event["callId"]] < 2 else (
                "<Response><SpeakSentence>Sorry, goodbye.</SpeakSentence></Response>")
    elif path in ("/sales", "/support"):
        body = f"<Response><SpeakSentence>This is {path[1:]}.</SpeakSentence></Response>"
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "application/xml; charset=utf-8")])
    return [body.encode()]
