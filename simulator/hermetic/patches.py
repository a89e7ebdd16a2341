"""Where the app's HTTP requests are caught: the lowest layer each client library shares, patched
only while a run is active (:func:`installed`; nested and concurrent runs count, the last one
out restores everything).

* **urllib3** (``HTTPConnectionPool.urlopen``): every pool of every ``PoolManager``, so the
  official SDK (bandwidth-sdk 23.x: ``bandwidth/rest.py`` and the OAuth2 token request's
  ``urllib3.request``), **requests** (its ``HTTPAdapter`` sends through a pool: the legacy 6.x
  SDK ``bandwidth.voice``, and apps using requests directly) and anything else on urllib3;
* **httpx** and **httpx2** (``HTTPTransport.handle_request``,
  ``AsyncHTTPTransport.handle_async_request``): clients built without a transport of their own;
* **http.client** (``HTTPConnection.connect``, ``HTTPSConnection.connect``), the net under the
  rest (``urllib.request``, code using http.client itself): a connection to a Bandwidth host
  gets a socket that answers from the run instead of the network (no TLS);
* **threads** (``threading.Thread.start``, ``ThreadPoolExecutor.submit``): code started from
  the app's code keeps its run and app marks (binding.py), so a request from a thread the
  app started goes to the same run and the network guard covers it.

Each patch asks exchange.py ``answer`` first and calls the original when it says None (not a
Bandwidth host): other requests are untouched (the guard, guard.py, decides about their
sockets). A library is patched when it is imported (already, or during the run): one the app
never imports is neither imported nor patched. That holds for the standard library's
http.client and thread pools too: http.client brings ssl and email (~20 ms of start-up), which
a run whose app sends no request (or none through them) never pays.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib
import inspect
import io
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from simulator.hermetic import binding, exchange

_lock = threading.Lock()
_users = 0
_undo: list[Callable[[], None]] = []


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """The patches are in place inside (refcounted across threads)."""
    global _users
    with _lock:
        if _users == 0:
            _install()
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                while _undo:
                    _undo.pop()()


#: The replacement made for each patch point (owner, name), with the original it wraps: a run
#: installs the patches and the last one out undoes them, so they are made once and reused by
#: every later run (a replacement holds no state of its own: it asks binding.py which run it
#: works for). One entry a patch point: when something else has replaced the original
#: between runs (another library's wrapper, a test's mock), a new replacement is made for it
#: and the old one dropped, so the table never grows with them.
_made: dict[tuple[Any, str], tuple[Any, Any]] = {}


def _replace(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
    original = owner.__dict__[name]
    made = _made.get((owner, name))
    if made is None or made[0] is not original:
        made = _made[(owner, name)] = (original, make(original))
    setattr(owner, name, made[1])
    _undo.append(lambda: setattr(owner, name, original))


def _install() -> None:
    """Patch threads, and each library of :data:`_CLIENTS` already imported; one imported
    while a run is active is patched as it loads (:class:`_PatchOnImport`), so a run never
    imports a library the app does not use (nor its start-up cost)."""
    _patch_threads()
    for name, patch in _CLIENTS.items():
        module = sys.modules.get(name)
        if module is not None:
            patch(module)
    finder = _PatchOnImport()
    sys.meta_path.insert(0, finder)
    _undo.append(lambda: sys.meta_path.remove(finder))


class _PatchOnImport:
    """Patches a library of :data:`_CLIENTS` right after it is imported (a meta path finder:
    ``find_spec`` is all the import system asks of one; not an ``importlib.abc`` subclass,
    whose module imports importlib.resources, tempfile and more: ~5 ms)."""

    def find_spec(self, name, path, target=None):
        if name not in _CLIENTS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _PatchingLoader(spec.loader, name)
        return spec


class _PatchingLoader:
    """The loader of one client library's spec: the finder's own loader, with the library
    patched once it has run. A wrapper, not an ``exec_module`` set on that loader: a loader
    may be shared by many modules (a ``zipimporter`` loads a whole zipped stdlib: the Windows
    embeddable Python, frozen apps), which must not all get this library's patch. Anything
    else asked of it (``get_source``, ``get_resource_reader``, ...) is the original's."""

    def __init__(self, loader: Any, name: str) -> None:
        self._loader = loader
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        if attribute in ("_loader", "_name") or attribute.startswith("__"):
            raise AttributeError(attribute)   # not set yet (a copy being made): not the loader's
        return getattr(self._loader, attribute)

    def create_module(self, spec):
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        with _lock:
            if _users:
                _CLIENTS[self._name](module)


# -- urllib3 (the SDK, requests) ------------------------------------------------------------------

def _patch_urllib3(connectionpool) -> None:
    pool = connectionpool.HTTPConnectionPool

    def make(original):
        from http.client import responses   # loaded: urllib3 imports it

        response_class = importlib.import_module("urllib3.response").HTTPResponse
        signature = inspect.signature(original)

        @functools.wraps(original)
        def urlopen(self, *args, **kwargs):
            asked = signature.bind(self, *args, **kwargs)
            asked.apply_defaults()
            given = asked.arguments
            url = given["url"]
            if not url.startswith(("http://", "https://")):
                default = {"http": 80, "https": 443}.get(self.scheme)
                port = f":{self.port}" if self.port and self.port != default else ""
                url = f"{self.scheme}://{self.host}{port}{url}"
            headers = {**dict(self.headers or {}), **dict(given["headers"] or {})}
            found = exchange.answer(given["method"], url, headers, given["body"])
            if found is None:
                return original(self, *args, **kwargs)
            return response_class(
                body=io.BytesIO(found.content()), headers=_with_length(found),
                status=found.status, reason=responses.get(found.status, ""),
                version=11, version_string="HTTP/1.1",
                preload_content=given["preload_content"],
                decode_content=given["decode_content"], request_method=given["method"],
                request_url=url)

        return urlopen

    _replace(pool, "urlopen", make)


def _with_length(found) -> dict[str, str]:
    content = found.content()
    return {**found.headers, "content-length": str(len(content))}


# -- httpx and httpx2 -----------------------------------------------------------------------------

def _patch_httpx(module) -> None:
    def sync(original):
        @functools.wraps(original)
        def handle_request(self, request):
            if not binding.is_bandwidth(request.url.host):
                return original(self, request)
            found = exchange.answer(request.method, str(request.url), request.headers.raw,
                                    request.read())
            if found is None:
                return original(self, request)
            return module.Response(found.status, headers=_with_length(found),
                                   content=found.content(), request=request)

        return handle_request

    def asynchronous(original):
        @functools.wraps(original)
        async def handle_async_request(self, request):
            if not binding.is_bandwidth(request.url.host):
                return await original(self, request)
            found = exchange.answer(request.method, str(request.url), request.headers.raw,
                                    await request.aread())
            if found is None:
                return await original(self, request)
            return module.Response(found.status, headers=_with_length(found),
                                   content=found.content(), request=request)

        return handle_async_request

    _replace(module.HTTPTransport, "handle_request", sync)
    _replace(module.AsyncHTTPTransport, "handle_async_request", asynchronous)


# -- http.client (urllib.request and the rest) ----------------------------------------------------

def _patch_http_client(client) -> None:
    from simulator.hermetic.fakesock import ApiSocket   # http.client's: imported with it

    def make(original, scheme: str):
        @functools.wraps(original)
        def connect(self):
            if binding.is_bandwidth(self.host) and binding.active() \
                    and getattr(self, "_tunnel_host", None) is None:
                self.sock = ApiSocket(scheme, self.host, self.port)
                return None
            return original(self)

        return connect

    _replace(client.HTTPConnection, "connect", lambda o: make(o, "http"))
    _replace(client.HTTPSConnection, "connect", lambda o: make(o, "https"))


# -- threads ---------------------------------------------------------------------------------------

def _patch_threads() -> None:
    """``threading.Thread.start``: a thread started from a run's code keeps its marks."""

    def start_made(original):
        @functools.wraps(original)
        def start(self):
            run, in_app = binding.RUN.get(), binding.IN_APP.get()
            if run is not None:
                body = self.run

                def bound_run():
                    binding.RUN.set(run)
                    binding.IN_APP.set(in_app)
                    body()

                self.run = bound_run
            return original(self)

        return start

    _replace(threading.Thread, "start", start_made)


def _patch_thread_pool(thread) -> None:
    """``ThreadPoolExecutor.submit`` (``concurrent.futures.thread``): a job submitted from a
    run's code runs in a copy of its context."""

    def submit_made(original):
        @functools.wraps(original)
        def submit(self, fn, /, *args, **kwargs):
            if binding.RUN.get() is not None:
                context = contextvars.copy_context()
                return original(self, context.run, fn, *args, **kwargs)
            return original(self, fn, *args, **kwargs)

        return submit

    _replace(thread.ThreadPoolExecutor, "submit", submit_made)


#: The libraries caught, by the module patched: urllib3's pools (the SDK, requests), httpx and
#: httpx2, http.client's connections and the standard thread pool.
_CLIENTS: dict[str, Callable[[Any], None]] = {"urllib3.connectionpool": _patch_urllib3,
                                              "httpx": _patch_httpx, "httpx2": _patch_httpx,
                                              "http.client": _patch_http_client,
                                              "concurrent.futures.thread": _patch_thread_pool}
