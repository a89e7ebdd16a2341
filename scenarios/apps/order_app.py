"""A WSGI voice app (no framework) with a bug, used by ivr-wsgi-app-crashes.scenario.yaml.

An order-status line: the menu offers three orders, but the lookup table only knows two, so a
caller pressing 3 makes the gather handler raise ``KeyError``. The simulator captures the
exception with its traceback (result.json ``callbacks[i].appError``), answers the webhook 500
as a server would, and the call ends ``callback-error``.
"""

import json

ORDERS = {"1": "shipped", "2": "out for delivery"}

MENU = ('<Response><Gather gatherUrl="/gather" maxDigits="1" firstDigitTimeout="5">'
        "<SpeakSentence>Press 1, 2 or 3 for the status of your order.</SpeakSentence>"
        "</Gather></Response>")


def order_status(digits):
    return ORDERS[digits]  # the bug: no entry for 3


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    event = json.loads(environ["wsgi.input"].read(length) or b"{}")
    path = environ["PATH_INFO"]
    if path == "/answer":
        body = MENU
    elif path == "/gather":
        body = (f"<Response><SpeakSentence>Your order is {order_status(event['digits'])}."
                "</SpeakSentence></Response>")
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "application/xml; charset=utf-8")])
    return [body.encode()]
