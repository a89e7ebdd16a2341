"""A tiny WSGI voice app (no framework) used by ivr-wsgi-app.scenario.yaml.

It answers with a menu, counts the attempts itself and gives up after three empty gathers,
the way a real application keeps state between webhooks.
"""

import json

ATTEMPTS = {}

MENU = ('<Response><Gather gatherUrl="/gather" maxDigits="1" firstDigitTimeout="3">'
        '<SpeakSentence>Press 1 for your balance.</SpeakSentence></Gather></Response>')


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    event = json.loads(environ["wsgi.input"].read(length) or b"{}")
    path = environ["PATH_INFO"]
    if path == "/answer":
        ATTEMPTS[event["callId"]] = 0  # a new call (ids repeat across runs with the same seed)
        body = MENU
    elif path == "/gather":
        call = event["callId"]
        if event["digits"] == "1":
            body = "<Response><SpeakSentence>Your balance is 12 dollars.</SpeakSentence></Response>"
        else:
            ATTEMPTS[call] = ATTEMPTS.get(call, 0) + 1
            body = MENU if ATTEMPTS[call] < 3 else (
                "<Response><SpeakSentence>Goodbye.</SpeakSentence><Hangup/></Response>")
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "application/xml; charset=utf-8")])
    return [body.encode()]
