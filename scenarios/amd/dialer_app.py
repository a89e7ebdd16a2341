"""A tiny outbound dialer (WSGI, no framework) used by the scenarios in this folder.

It places reminder calls with synchronous answering-machine detection, so its answer webhook
carries ``machineDetectionResult`` and it picks the first BXML from it: a person hears the
reminder and may press 1 to be connected; a machine gets a short voicemail message (left after
the greeting and its beep: the scenarios use ``delay_result``); silence or no decision in time
ends the call. Asynchronous results (``machineDetectionComplete``) are only acknowledged.
"""

import json

CALLBACK = ("Hi, this is Acme Pharmacy. Your prescription is ready for pickup. "
            "Please call us back at 555 0100.")


def answer(result):
    value = (result or {}).get("value")
    if value == "human":
        return ('<Response><Gather gatherUrl="/menu" maxDigits="1" firstDigitTimeout="4">'
                '<SpeakSentence>Hi, this is Acme Pharmacy: your prescription is ready. '
                'Press 1 to talk to a pharmacist.</SpeakSentence></Gather></Response>')
    if value == "answering-machine":
        return f"<Response><SpeakSentence>{CALLBACK}</SpeakSentence><Hangup/></Response>"
    return "<Response><Hangup/></Response>"  # silence, timeout: try again later


def menu(event):
    if event.get("digits") == "1":
        return ('<Response><SpeakSentence>Connecting you now.</SpeakSentence>'
                '<Transfer><PhoneNumber>+15555550150</PhoneNumber></Transfer></Response>')
    return "<Response><SpeakSentence>Goodbye.</SpeakSentence></Response>"


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    event = json.loads(environ["wsgi.input"].read(length) or b"{}")
    path = environ["PATH_INFO"]
    if path == "/answer":
        body = answer(event.get("machineDetectionResult"))
    elif path == "/menu":
        body = menu(event)
    elif path in ("/amd", "/disconnect"):
        start_response("204 No Content", [])
        return [b""]
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "application/xml; charset=utf-8")])
    return [body.encode()]
