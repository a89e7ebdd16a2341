"""The runs' Voice API over real HTTP on 127.0.0.1, for an app in another process.

``bxmlsim run --api-port N`` and the pytest plugin (``--bxmlsim-api-port N``, the
``bxmlsim_api_url`` fixture) start one :class:`ServedApi` for the whole session; it puts its
base URL in the environment variable :data:`ENV_VAR` (``BXMLSIM_API_URL``,
``http://127.0.0.1:PORT/api/v2``) so an app started afterwards from this process inherits it
and points its SDK there (``Configuration(host=..., ignore_operation_servers=True)``).

Each request goes to the run it is for, among the runs active in this process
(binding.py): the run that has the call or conference its path names, else the only run
active. With several runs active (``-j`` does not share a process: this happens with
threads), a request naming neither is answered 409 saying so; with none, 503. The HTTP server
is the standard library's (no ``server`` extra): one thread per connection, bound to
127.0.0.1 only.
"""

from __future__ import annotations

import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from simulator.hermetic import binding
from simulator.voice_api.http import ApiError, ApiRequest, ApiResponse

ENV_VAR = "BXMLSIM_API_URL"
_NAMED = re.compile(r"/accounts/[^/]+/(calls|conferences)/([^/?]+)")


def run_for(path: str):
    """The active run a request for ``path`` belongs to, or the ApiError saying why none."""
    runs = binding.active()
    if not runs:
        return ApiError(503, "bxmlsim: no simulation is running now (the API answers while a "
                             "scenario runs)", kind="error")
    found = _NAMED.search(path)
    if found is not None:
        kind, ident = found.groups()
        for run in runs:
            if run.owns(kind, ident):
                return run
    if len(runs) == 1:
        return runs[0]
    return ApiError(409, f"bxmlsim: {len(runs)} simulations are running and this request names "
                         f"no call or conference of one of them: cannot tell which one it is "
                         f"for (run the scenarios one at a time)")


class ServedApi:
    """The HTTP server (module docstring); ``with ServedApi(port) as url: ...``."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}/api/v2"
        self._thread: threading.Thread | None = None
        self._previous: str | None = None

    def start(self) -> str:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="bxmlsim-voice-api", daemon=True)
        self._thread.start()
        self._previous = os.environ.get(ENV_VAR)
        os.environ[ENV_VAR] = self.url
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._previous is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = self._previous

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        host, port = self.server.server_address[:2]
        request = ApiRequest(self.command, f"http://{host}:{port}{self.path}",
                             {k.lower(): v for k, v in self.headers.items()}, body)
        run = run_for(request.path)
        answer = ApiResponse.of_error(run) if isinstance(run, ApiError) else run.serve(request)
        content = answer.content()
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _answer

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet: the timeline logs it
        pass
