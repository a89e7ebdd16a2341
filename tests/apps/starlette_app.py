"""A small Starlette webhook app: driven in-process (through a2wsgi) and served by uvicorn.

Its lifespan sets ``STATE["started"]``/``STATE["stopped"]`` so tests can see it ran.
/slow?seconds=S answers after S wall seconds (real-server timeout tests).
"""

import asyncio
import contextlib

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

STATE = {"started": 0, "stopped": 0}
BXML = "application/xml; charset=utf-8"


@contextlib.asynccontextmanager
async def lifespan(app):
    STATE["started"] += 1
    yield
    STATE["stopped"] += 1


async def answer(request: Request) -> Response:
    return Response("<Response><SpeakSentence>Hello from Starlette.</SpeakSentence></Response>",
                    media_type=BXML)


async def echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse({"method": request.method, "path": request.url.path,
                         "args": dict(request.query_params),
                         "json": await request.json() if body else None,
                         "authorization": request.headers.get("authorization"),
                         "user_agent": request.headers.get("user-agent"),
                         "content_type": request.headers.get("content-type"),
                         "client_port": request.client.port if request.client else None})


async def status(request: Request) -> Response:
    code = int(request.path_params["code"])
    return PlainTextResponse(f"status {code}", status_code=code)


async def slow(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params.get("seconds", "1")))
    return PlainTextResponse("finally")


async def accept(request: Request) -> Response:
    await request.body()
    return Response(status_code=204)


async def boom(request: Request) -> Response:
    raise RuntimeError("the ASGI app broke")


app = Starlette(lifespan=lifespan, routes=[
    Route("/answer", answer, methods=["POST"]),
    Route("/echo", echo, methods=["GET", "POST"]),
    Route("/status/{code:int}", status, methods=["GET", "POST"]),
    Route("/slow", slow, methods=["GET", "POST"]),
    Route("/accept", accept, methods=["POST"]),
    Route("/boom", boom, methods=["GET", "POST"]),
])
