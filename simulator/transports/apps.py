"""In-process apps as the scenario names them: import strings, app objects and factories.

``load_app(spec, base_dir, kind=...)`` imports ``"module:attr"`` along the search path of
``simulator.project.import_folders`` (the scenario's folder, the project root, the current
folder, then installed modules). ``make_app(target, kind=...)`` turns what was named or given --
a WSGI app, an ASGI app, or a *factory* (a callable taking no arguments that returns one) --
into ``(kind, app)``: a factory is called on every call, so each scenario gets a fresh app and
no state leaks from one run to the next. How a callable is told apart:

* ASGI: a coroutine function, or an object whose ``__call__`` is one (FastAPI, Starlette), or a
  callable of three required arguments ``(scope, receive, send)``;
* WSGI: a callable of two required arguments ``(environ, start_response)`` (Flask, Django);
* factory: a function or class with no required argument (``create_app``).

Setup problems raise ``TransportError`` saying what was expected and what was found.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import traceback
from pathlib import Path
from typing import Any

from simulator.errors import TransportError, install_extra
from simulator.project import import_folders

KINDS = ("wsgi", "asgi")
#: The packages the bundled sample apps import that the simulator itself does not need: the
#: ``samples`` extra of pyproject.toml (import name -> distribution). An app failing to import
#: one is told to install that extra.
SAMPLE_PACKAGES = {"flask": "flask", "bandwidth": "bandwidth-sdk"}
SAMPLES_EXTRA = install_extra("samples")


def _missing_package(module_name: str, missing: str) -> tuple[str, str]:
    """(message, expected) of an app module that imports the absent package ``missing``."""
    top = missing.split(".")[0]
    if top in SAMPLE_PACKAGES:
        return (f"module {module_name!r} needs the package {SAMPLE_PACKAGES[top]!r}, which is "
                f"not installed",
                f"the samples extra, which the bundled sample apps use: {SAMPLES_EXTRA}")
    return (f"module {module_name!r} needs the package {top!r}, which is not installed",
            f"{top!r} installed in this environment (e.g. pip install {top})")


def _local_module_file(module_name: str, folder: Path) -> Path | None:
    """The file under ``folder`` that ``module_name`` names, if there is one (not resolved)."""
    stem = folder.joinpath(*module_name.split("."))
    for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _another_file(loaded_file: str, local: Path) -> bool:
    """Whether the module loaded from ``loaded_file`` is not the one of ``local``. The very
    path is the same file without resolving either (a module imported from the folder on
    ``sys.path`` has that path: resolving both, symlinks followed, costs a dozen lstats)."""
    if loaded_file == str(local):
        return False
    resolved = local.resolve()
    return loaded_file != str(resolved) and Path(loaded_file).resolve() != resolved


def _where(exc: BaseException, folders: list[Path]) -> str | None:
    """file:line of an import failure: the innermost frame in a searched folder, if any."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    frames = traceback.extract_tb(exc.__traceback__)
    bases = [str(folder) for folder in folders]
    local = [frame for frame in frames if any(frame.filename.startswith(b) for b in bases)]
    frame = (local or frames or [None])[-1]
    return f"{frame.filename}:{frame.lineno}" if frame is not None else None


def _import_local(module_name: str, folders: list[Path]) -> None:
    """Make ``module_name`` import from the first searched folder that has it: that folder goes
    first on ``sys.path``, and a module of that name loaded from another file (another
    scenario's ``app.py``) is dropped so that it is imported afresh."""
    top = module_name.split(".")[0]
    for folder in folders:
        local = _local_module_file(module_name, folder)
        if local is None:
            continue
        local_top = local if top == module_name else _local_module_file(top, folder)
        loaded = sys.modules.get(top)
        loaded_file = getattr(loaded, "__file__", None)
        if loaded is not None and (not loaded_file or local_top is None
                                   or _another_file(loaded_file, local_top)):
            inside = top + "."
            for name in [n for n in sys.modules if n.startswith(inside) or n == top]:
                del sys.modules[name]
        if str(folder) in sys.path:
            sys.path.remove(str(folder))
        sys.path.insert(0, str(folder))
        return


def load_app(spec: str, base_dir: Path, *, kind: str) -> Any:
    """The object named by ``"module:attr"`` (attr may be dotted): an app or a factory.

    ``kind`` ("wsgi", "asgi", or "app" when the caller did not say) only words the errors;
    ``make_app`` checks what the object is. Raises TransportError saying what was expected and
    what was found."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name.strip() or not attr.strip():
        raise TransportError(f"app.{kind}: {spec!r} does not name an app", got=repr(spec),
                             expected='"module:attr", e.g. "app:app" for an app.py defining app')
    module_name, attr = module_name.strip(), attr.strip()
    folders = import_folders(base_dir)
    _import_local(module_name, folders)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name + ".").startswith(exc.name + "."):  # the module itself
            places = ", ".join(str(f) for f in folders)
            raise TransportError(f"app.{kind}: cannot import module {module_name!r}",
                                 got="no such module",
                                 expected=f"{module_name.replace('.', '/')}.py in {places} "
                                          "(the scenario's folder, the project root, the "
                                          "current folder) or an installed module") from None
        message, expected = _missing_package(module_name, exc.name or "")
        raise TransportError(f"app.{kind}: {message}", where=_where(exc, folders),
                             got=str(exc), expected=expected) from None
    except Exception as exc:  # noqa: BLE001 - the user's module raised while importing
        raise TransportError(f"app.{kind}: module {module_name!r} failed to import",
                             where=_where(exc, folders), expected="a module that imports cleanly",
                             got=f"{exc.__class__.__name__}: {exc}") from None
    except (SystemExit, KeyboardInterrupt) as exc:   # the module tried to end the process
        raise TransportError(f"app.{kind}: module {module_name!r} exited while importing",
                             where=_where(exc, folders), got=repr(exc),
                             expected="a module that imports without calling sys.exit()") from None
    target: Any = module
    for part in attr.split("."):
        if not hasattr(target, part):
            names = sorted(n for n, v in vars(module).items()
                           if callable(v) and not n.startswith("_"))
            raise TransportError(f"app.{kind}: module {module_name!r} has no attribute {attr!r}",
                                 where=getattr(module, "__file__", None),
                                 expected=f"an app (or app factory) named {attr!r}",
                                 got="callables: " + (", ".join(names) or "none"))
        target = getattr(target, part)
    if not callable(target):
        raise TransportError(f"app.{kind}: {spec!r} is not an app", got=type(target).__name__,
                             where=getattr(module, "__file__", None),
                             expected=f"a callable {kind.upper()} application" if kind in KINDS
                             else "a WSGI or ASGI application, or a factory returning one")
    return target


def _required_positional(target: Any) -> int | None:
    """How many positional arguments calling ``target`` needs; None if it cannot be told."""
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    return sum(1 for p in signature.parameters.values()
               if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               and p.default is p.empty)


def app_kind(target: Any) -> str | None:
    """``"asgi"``, ``"wsgi"``, or None when ``target`` is not recognisably an app (a factory,
    or something else)."""
    if inspect.iscoroutinefunction(target) or (
            not inspect.isclass(target)
            and inspect.iscoroutinefunction(getattr(target, "__call__", None))):
        return "asgi"
    if inspect.isclass(target):  # a class is called to make an app: a factory
        return None
    required = _required_positional(target)
    return {2: "wsgi", 3: "asgi"}.get(required) if required is not None else None


def _describe(target: Any) -> str:
    """``create_app()``, ``FastAPI(scope, receive, send)``: a callable and its parameters."""
    name = getattr(target, "__name__", None) or type(target).__name__
    try:
        return f"{name}({', '.join(inspect.signature(target).parameters)})"
    except (TypeError, ValueError):
        return str(name)


def make_app(target: Any, *, kind: str | None = None, name: str = "app") -> tuple[str, Any]:
    """``(kind, app)`` of an app object or factory; a factory is called (a fresh app each time).

    ``kind`` is what the scenario said (``wsgi:``/``asgi:``), None to tell from the object;
    ``name`` words the errors (``app.wsgi``)."""
    found = app_kind(target)
    if found is None and _required_positional(target) == 0:
        factory = target
        try:
            target = factory()
        except (Exception, SystemExit, KeyboardInterrupt) as exc:  # the user's factory raised
            frame = (traceback.extract_tb(exc.__traceback__) or [None])[-1]
            raise TransportError(f"{name}: the app factory {_describe(factory)} raised",
                                 where=f"{frame.filename}:{frame.lineno}" if frame else None,
                                 expected="a factory that returns a WSGI or ASGI app",
                                 got=f"{exc.__class__.__name__}: {exc}") from None
        found = app_kind(target)
        if found is None:
            raise TransportError(f"{name}: the app factory {_describe(factory)} did not return "
                                 "an app", expected="a WSGI app (environ, start_response) or "
                                 "an ASGI app (scope, receive, send)",
                                 got=_describe(target) if callable(target)
                                 else type(target).__name__)
    if found is None:
        if kind is not None and callable(target) and _required_positional(target) is None:
            return kind, target  # a callable whose signature cannot be read: trust the key
        raise TransportError(f"{name}: not an app", got=_describe(target) if callable(target)
                             else type(target).__name__,
                             expected="a WSGI app (environ, start_response), an ASGI app "
                                      "(scope, receive, send), or a factory taking no "
                                      "arguments that returns one")
    if kind is not None and found != kind:
        other = "asgi" if kind == "wsgi" else "wsgi"
        raise TransportError(f"{name}: this is an {found.upper()} app",
                             expected=f"a {kind.upper()} app, or the key {other}: for this one",
                             got=_describe(target))
    return found, target
