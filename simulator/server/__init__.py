"""``bxmlsim serve``: a local emulator of Bandwidth's Voice REST API v2 (docs/server.md).

An app that places calls with the official SDK points it at the emulator; each created call
is simulated in virtual time against the app's real webhook URLs, its callee following a
script, and the app reads call state and downloads recordings through the same REST API.

* ``requests.py``: the request bodies and their checks (``ApiError`` = ``VoiceApiError``);
* ``callee.py``: the far end's script (``--callee``), read by the scenario loader;
* ``state.py``: ``Store`` of created calls, the worker thread that simulates each one;
* ``views.py``: the JSON answers (CallState, CreateCallResponse, recording metadata);
* ``app.py``: the starlette routes (``make_app``); ``run.py``: uvicorn (``Emulator``).

starlette and uvicorn are the ``server`` extra: they are imported only here, so the core
install does not need them; :func:`require_extra` says how to get them.
"""

from __future__ import annotations

from simulator.errors import install_extra

EXTRA_HINT = f"bxmlsim serve needs the server extra: {install_extra('server')}"


def require_extra() -> None:
    """Raise ``SimulatorError`` naming the missing package when the extra is not installed."""
    from simulator.errors import SimulatorError

    for module in ("starlette", "uvicorn"):
        try:
            __import__(module)
        except ImportError:
            raise SimulatorError(f"{module} is not installed", expected=EXTRA_HINT,
                                 got="no module named " + module) from None
