"""The HTTP face of ``bxmlsim serve``: the Voice REST API v2 (voice_api/routes.py) as an ASGI
app, served by uvicorn (server/run.py), over the emulator's Store (server/state.py).

Starlette only carries requests: every path is one catch-all route handing an
:class:`~simulator.voice_api.http.ApiRequest` to ``voice_api.routes.handle`` and sending its
answer back (a recording's media as a file response). The routes, body checks, state rules and
errors are the ones an API served inside a run uses (docs/hermetic.md). A created call's
simulation starts in a worker thread once the 201 has been sent (a starlette background task),
so the app gets the answer webhook after its createCall returned.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from simulator.server.state import Store
from simulator.voice_api import routes
from simulator.voice_api.auth import Authority, Credentials
from simulator.voice_api.bodies import CreateCall
from simulator.voice_api.http import ApiRequest, ApiResponse

API_PREFIX = routes.API_PREFIX
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def make_app(store: Store, *, username: str | None = None,
             password: str | None = None, warn=None) -> Starlette:
    """The emulator as an ASGI app. With ``username``/``password`` every request needs that
    HTTP Basic auth, or a Bearer token of the emulator's ``/api/v1/oauth2/token`` (401
    otherwise); without, any credentials or none are accepted. ``warn(text)`` is told about
    accepted createCall fields the emulator does not simulate."""
    fixed = store.credentials if username is None else Credentials(
        username, password or "", where="the emulator's --username/--password")
    store.authority = Authority(fixed)

    async def endpoint(request: Request) -> Response:
        api_request = ApiRequest(request.method, str(request.url),
                                 {k.lower(): v for k, v in request.headers.items()},
                                 await request.body())
        outcome = routes.handle(store, api_request)
        answer = outcome.response
        if outcome.action == "create_call" and answer.status == 201 and warn is not None:
            _warn_not_simulated(api_request, answer, warn)
        return _starlette_response(answer)

    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)])
    app.state.store = store
    return app


def _starlette_response(answer: ApiResponse) -> Response:
    background = BackgroundTask(answer.after) if answer.after is not None else None
    if answer.file is not None:
        return FileResponse(answer.file, status_code=answer.status,
                            media_type=answer.headers.get("content-type"),
                            background=background)
    return Response(answer.body, status_code=answer.status, headers=answer.headers,
                    background=background)


def _warn_not_simulated(request: ApiRequest, answer: ApiResponse, warn) -> None:
    body = json.loads(request.body)
    ignored = [key for key in CreateCall.NOT_SIMULATED if body.get(key) is not None]
    if ignored:
        call_id = json.loads(answer.body)["callId"]
        warn(f"call {call_id}: {', '.join(ignored)} accepted but not simulated")
