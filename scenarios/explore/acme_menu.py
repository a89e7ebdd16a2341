"""Acme's phone menu: a Flask app written like Bandwidth's samples (BXML from the SDK's builders).

It has two deliberate defects for ``bxmlsim explore`` to find (docs/explore.md):

* pressing 3 (billing) crashes the app (a ZeroDivisionError in ``average_bill``), so the
  gather webhook gets a 500 and the call ends with ``callback-error``;
* ``/survey`` is unreachable: only ``digits == "42"`` leads there, and the main menu's Gather
  takes one key (``maxDigits="1"``);

and a common slip: the verbs after the menu's Gather never run (its gatherUrl's reply replaces
the rest of the document), which coverage shows.
"""

from bandwidth.models.bxml import (Gather, Hangup, PhoneNumber, Record, Redirect, Response,
                                   SpeakSentence, Transfer)
from flask import Flask, request

app = Flask(__name__)

SALES = "+15555550123"
BILLS = {}  # callId -> past bills (a new caller has none)


def bxml(*verbs) -> tuple[str, int, dict]:
    return Response(list(verbs)).to_bxml(), 200, {"Content-Type": "application/xml"}


@app.post("/answer")
def answer():
    menu = Gather(gather_url="/main-menu", max_digits=1, first_digit_timeout=3, repeat_count=2,
                  audio_verbs=[SpeakSentence("Welcome to Acme. For sales, press 1. For support, "
                                             "press 2. For billing, press 3.")])
    # never run: with a gatherUrl, the gather webhook's reply replaces the rest of the document
    return bxml(menu, SpeakSentence("Goodbye."), Hangup())


@app.post("/main-menu")
def main_menu():
    digits = request.get_json()["digits"]
    if digits == "":  # the menu timed out (twice): gatherUrl gets the empty digits
        return bxml(SpeakSentence("We did not hear from you. Goodbye."), Hangup())
    if digits == "1":
        return bxml(SpeakSentence("Connecting you to sales."),
                    Transfer(transfer_complete_url="/transfer-complete", call_timeout=20,
                             transfer_to=[PhoneNumber(SALES)]))
    if digits == "2":
        return bxml(Gather(gather_url="/support", max_digits=1, first_digit_timeout=3,
                           audio_verbs=[SpeakSentence("For internet, press 1. To leave a "
                                                      "message, press 2.")]),
                    Redirect(redirect_url="/answer"))
    if digits == "3":
        return bxml(SpeakSentence(f"Your average bill is {average_bill(request.get_json())} "
                                  "dollars."), Hangup())
    if digits == "42":  # never: the menu takes one key
        return bxml(Redirect(redirect_url="/survey"))
    return bxml(SpeakSentence("Sorry, that is not a choice."), Redirect(redirect_url="/answer"))


def average_bill(event) -> float:
    bills = BILLS.get(event["callId"], [])
    return sum(bills) / len(bills)  # a new caller has no bills: ZeroDivisionError


@app.post("/support")
def support():
    digits = request.get_json()["digits"]
    if digits == "1":
        return bxml(SpeakSentence("Please restart your router. Goodbye."), Hangup())
    if digits == "2":
        return bxml(SpeakSentence("Leave your message after the tone, then press pound."),
                    Record(record_complete_url="/message-done", max_duration=30,
                           silence_timeout=5))
    return bxml(Redirect(redirect_url="/answer"))


@app.post("/message-done")
def message_done():
    return bxml(SpeakSentence("Thank you, we will call you back."), Hangup())


@app.post("/transfer-complete")
def transfer_complete():
    return bxml(SpeakSentence("Sales is not available. Goodbye."), Hangup())


@app.post("/survey")
def survey():
    return bxml(SpeakSentence("Please rate your call."), Hangup())
