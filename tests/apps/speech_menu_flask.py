"""A "say sales or press 1" menu the way Bandwidth's Python samples write one: Flask, and the
official SDK's BXML builders (bandwidth.models.bxml) for a Gather with speech input.

/answer asks; /menu reads the gather event (``digits``, and ``speechResult.text``, the
simulator's speech result) and connects the caller; /partial accepts partial results.
"""

from bandwidth.models.bxml import Gather, Hangup, Redirect, Response, SpeakSentence
from flask import Flask, request

app = Flask(__name__)
CHOICES = {"1": "sales", "2": "support"}


@app.post("/answer")
def answer():
    gather = Gather(
        audio_verbs=[SpeakSentence("Say sales or press 1. Say support or press 2.")],
        gather_url="/menu", input="dtmf_speech", hints="sales, support", language="en-US",
        speech_timeout=1, max_digits=1, partial_result_callback="/partial")
    return Response([gather]).to_bxml(), 200, {"Content-Type": "application/xml"}


@app.post("/menu")
def menu():
    event = request.get_json()
    said = (event.get("speechResult") or {}).get("text", "").lower()
    choice = CHOICES.get(event["digits"]) or next(
        (name for name in CHOICES.values() if name in said.split()), None)
    verbs = [Redirect(redirect_url=f"/{choice}")] if choice else [
        SpeakSentence("Sorry."), Hangup()]
    return Response(verbs).to_bxml(), 200, {"Content-Type": "application/xml"}


@app.post("/<department>")
def department(department):
    return Response([SpeakSentence(f"This is {department}.")]).to_bxml()


@app.post("/partial")
def partial():
    request.get_json()["speechResult"]["text"]  # what a live caption would show
    return "", 204
