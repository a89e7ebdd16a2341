"""Webhook apps with bugs, written like Bandwidth's samples, for the app-error tests.

Each framework's `/gather` handler raises (a `ZeroDivisionError` from an average of nothing);
`/answer` returns a menu whose Gather posts there (FastAPI's `/answer-async` one that posts to
its async `/gather-async`, which raises `KeyError`), `/garbage` a reply that is not BXML.
`/logged` catches a failure, logs it with its traceback and still answers, the way an app falls
back when its CRM is down.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response as FastResponse
from flask import Flask, Response
from starlette.applications import Starlette
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

BXML = "application/xml; charset=utf-8"
MENU = ('<Response><Gather gatherUrl="/gather" maxDigits="1">'
        "<SpeakSentence>Rate us from 1 to 5.</SpeakSentence></Gather></Response>")
THANKS = "<Response><SpeakSentence>Thanks.</SpeakSentence></Response>"
log = logging.getLogger("broken_apps")


def average(scores: list[int]) -> float:
    return sum(scores) / len(scores)


def crm_lookup(number: str) -> str:
    raise ConnectionError(f"CRM unreachable for {number}")


flask_app = Flask("broken_flask")   # default config: Flask answers 500 and logs the exception


@flask_app.post("/answer")
def flask_answer():
    return Response(MENU, content_type=BXML)


@flask_app.post("/gather")
def flask_gather():
    return Response(f"<Response><SpeakSentence>{average([])}</SpeakSentence></Response>",
                    content_type=BXML)


@flask_app.post("/garbage")
def flask_garbage():   # a reply that is not BXML: the template engine was never called
    return Response("{{ menu }}", content_type=BXML)


@flask_app.post("/logged")
def flask_logged():
    try:
        crm_lookup("+15555550100")
    except ConnectionError:
        log.exception("CRM lookup failed; answering without it")
    return Response(THANKS, content_type=BXML)


fastapi_app = FastAPI()


@fastapi_app.post("/answer")
def fastapi_answer():
    return FastResponse(MENU, media_type=BXML)


@fastapi_app.post("/gather")
def fastapi_gather():                      # a sync endpoint: runs in the thread pool
    return FastResponse(f"<Response><SpeakSentence>{average([])}</SpeakSentence></Response>",
                        media_type=BXML)


@fastapi_app.post("/answer-async")
def fastapi_answer_async():
    return FastResponse(MENU.replace('"/gather"', '"/gather-async"'), media_type=BXML)


@fastapi_app.post("/gather-async")
async def fastapi_gather_async(request: Request):
    event = await request.json()
    return FastResponse(f"<Response>{event['missing']}</Response>", media_type=BXML)


async def starlette_gather(request):
    return StarletteResponse(f"<Response>{average([])}</Response>", media_type=BXML)


starlette_app = Starlette(routes=[Route("/gather", starlette_gather, methods=["POST"])])


def raw_wsgi(environ, start_response):   # no framework: the exception escapes the app
    raise KeyError(environ["PATH_INFO"])


async def raw_asgi(scope, receive, send):
    if scope["type"] == "http":
        raise LookupError(scope["path"])
