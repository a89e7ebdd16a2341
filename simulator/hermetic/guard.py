"""The network guard: the app's code opens no connection beyond this machine during a run.

A Python audit hook (``sys.addaudithook``, installed once, on the first run; a no-op while no
run is active) sees every ``socket.connect``, ``sendto``, ``sendmsg`` and every name lookup
(``getaddrinfo``, ``gethostbyname``, ``gethostbyname_ex``, ``gethostbyaddr``) of every thread,
whatever library opens it. In the app's code (binding.py ``IN_APP``: a webhook being handled
in process, or a thread started from one), one whose address is not loopback (127.0.0.0/8,
::1, ``localhost``) or a local socket is refused before it happens: the app gets
``ConnectionRefusedError`` (a lookup: ``socket.gaierror``) with a message naming the guard, and
the run's timeline a ``network-blocked`` entry (host, port, what). The requests of
patches.py never get this far: Bandwidth hosts are answered in process first.

The simulator's own transports (a real-HTTP app of ``app.base_url``, its media) are not the
app's code and are not guarded. A scenario may turn the guard off (``api.network: allow``).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import sys
import threading

from simulator.hermetic import binding

_installed = False
_lock = threading.Lock()
_EVENTS = {"socket.connect": "connect", "socket.sendto": "send", "socket.sendmsg": "send",
           "socket.getaddrinfo": "resolve", "socket.gethostbyname": "resolve",
           "socket.gethostbyname_ex": "resolve", "socket.gethostbyaddr": "resolve"}


def install() -> None:
    """Add the audit hook (once per process: a hook cannot be removed)."""
    global _installed
    with _lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True


def is_local(host) -> bool:
    """A loopback or unspecified address, ``localhost``, or no host at all (a passive bind)."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    text = str(host).strip("[]").split("%", 1)[0].lower().rstrip(".")
    if text in ("", "localhost") or text.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _target(event: str, args: tuple) -> tuple[object, int | None] | None:
    """(host, port) the event reaches, None for a local socket (AF_UNIX) or nothing to check."""
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        address = args[1] if len(args) > 1 else None
        if isinstance(address, tuple) and address and isinstance(address[0], (str, bytes)):
            port = address[1] if len(address) > 1 and isinstance(address[1], int) else None
            return address[0], port
        return None  # AF_UNIX paths, netlink, or no address (sendmsg on a connected socket)
    if _numeric(args[0]):  # an address literal: resolving it asks no name server
        return None
    if event == "socket.getaddrinfo":
        port = args[1] if isinstance(args[1], int) else None
        return args[0], port
    return args[0], None


def _numeric(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _hook(event: str, args: tuple) -> None:
    if not event.startswith("socket."):  # the fast path: most events are not ours
        return
    what = _EVENTS.get(event)
    if what is None or not binding.IN_APP.get():
        return
    run = binding.current()
    if run is None or getattr(run, "network", "block") == "allow":
        return
    target = _target(event, args)
    if target is None or is_local(target[0]):
        return
    host, port = target
    host = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
    run.blocked(host, port, what)
    place = f"{host}:{port}" if port is not None else host
    text = (f"bxmlsim: hermetic run: {what} {place} refused (the app may reach only this "
            f"machine while a simulation runs; Bandwidth's hosts are answered by the "
            f"simulation; docs/hermetic.md)")
    if what == "resolve":
        raise socket.gaierror(socket.EAI_NONAME, text)
    raise ConnectionRefusedError(errno.ECONNREFUSED, text)
