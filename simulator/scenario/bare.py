"""A bare BXML document as a scenario: ``bxmlsim run FLOW.xml --say ... --press ...``.

The document is the reply to the call's answer URL (``app.bxml``); the caller steps come from
the command line, in the order given there. So that ``--say`` is heard by the flow rather than
talked over the greeting, the caller first waits for the document's first ``<Gather>`` or
``<Record>`` (``--wait-for VERB`` as the first step overrides this; with neither verb in the
document the steps start at answer). The document is parsed first, so an invalid one is a
``BxmlError`` with file:line:col before anything runs.

The "bare app" behind the document (``AppSettings(static=<the document's folder>,
unmatched="no-app")``, served by ``transports/static.py``): requests under ``base_url`` are
answered by the files next to the document (``/media/beep.wav`` -> ``media/beep.wav``, ``/next``
-> ``next.xml``), and anything else like an app with nothing to say: an empty 200 (a sync
webhook reads ``<Response/>``: hang up), a 404 for audio files. ``app_url`` (``--app-url``)
sends every request but the document's own to a real server at that address instead;
``wsgi``/``asgi`` (``--wsgi``/``--asgi``) to an in-process app, looked for like a scenario's
(simulator/project.py: beside the document, in the project root, in the current folder).
"""

from __future__ import annotations

from pathlib import Path

import attrs

from simulator.bxml.nodes import roots_for
from simulator.bxml.parse import parse_bxml
from simulator.errors import ScenarioError
from simulator.scenario import model
from simulator.scenario.load import _MODULE_SPEC, _URL, DTMF_DIGITS, _url_problem

#: command-line option -> caller step kind (in the order they were given)
STEP_OPTIONS = ("--say", "--press", "--silence", "--wait-for", "--hangup")
_INPUT_VERBS = ("Gather", "Record")


def steps_from_args(args: list[str]) -> list[tuple[str, str | None]]:
    """``["--say", "hi", "--press=#", "--hangup"]`` -> ``[("say", "hi"), ("press", "#"), ("hangup", None)]``.

    Scans the raw command line because click groups values per option and loses the
    interleaving (``--say a --press 1 --say b`` must stay in that order).
    """
    steps, i = [], 0
    while i < len(args):
        token = args[i]
        if token == "--":
            break
        name, _, inline = token.partition("=")
        if name in STEP_OPTIONS:
            kind = name[2:].replace("-", "_")
            if kind == "hangup":
                steps.append((kind, None))
            elif inline or "=" in token:
                steps.append((kind, inline))
            elif i + 1 < len(args):
                steps.append((kind, args[i + 1]))
                i += 1
        i += 1
    return steps


def bare_scenario(path: Path, steps: list[tuple[str, str | None]], *,
                  app_url: str | None = None, wsgi: str | None = None,
                  asgi: str | None = None) -> model.Scenario:
    """A Scenario running the BXML file ``path`` with the given caller steps, in front of the
    bare app (its folder), or of ``app_url`` / the ``wsgi`` / ``asgi`` app when given."""
    path = Path(path)
    app, base_dir = _app(path, app_url=app_url, wsgi=wsgi, asgi=asgi)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError("cannot read BXML document", where=str(path),
                            got=exc.strerror or str(exc)) from None
    # The answer webhook's reply, so <Response> only, as run has it; bad bytes are BX005 at
    # their line:col.
    tree = parse_bxml(data, source=str(path), roots=roots_for("call", "reply"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:  # well-formed in another declared encoding
        line = data.count(b"\n", 0, exc.start) + 1
        raise ScenarioError("not UTF-8 text", where=f"{path}:{line}",
                            expected="a UTF-8 encoded BXML document",
                            got=f"byte {data[exc.start]:#04x} at offset {exc.start}") from None
    caller: list[model.Step] = []
    if steps and steps[0][0] != "wait_for":
        first_input = next((type(v).__name__ for v in tree.verbs
                            if type(v).__name__ in _INPUT_VERBS), None)
        if first_input is not None:
            caller.append(model.WaitFor(verb=first_input))
    for kind, value in steps:
        caller.append(_step(kind, value))
    return model.Scenario(name=path.stem, app=attrs.evolve(app, bxml=text), caller=tuple(caller),
                          file=path, line=1, base_dir=base_dir)


def _app(path: Path, *, app_url: str | None, wsgi: str | None,
         asgi: str | None) -> tuple[model.AppSettings, Path]:
    """The app behind the document (without its ``bxml``) and the folder for imports."""
    given = [f"--{name}" for name, value in (("app-url", app_url), ("wsgi", wsgi),
                                             ("asgi", asgi)) if value is not None]
    if len(given) > 1:
        raise ScenarioError("conflicting options", expected="at most one of --app-url, --wsgi, "
                            "--asgi", got=", ".join(given))
    if app_url is not None:
        if not _URL.match(app_url) or _url_problem(app_url):
            raise ScenarioError("--app-url: bad URL", expected="an http:// or https:// URL such "
                                "as http://localhost:5000", got=repr(app_url))
        return model.AppSettings(base_url=app_url, unmatched="http"), path.parent.resolve()
    for option, spec in (("wsgi", wsgi), ("asgi", asgi)):
        if spec is not None:
            if not _MODULE_SPEC.match(spec):
                raise ScenarioError(f"--{option}: bad value", got=repr(spec),
                                    expected='"module:attribute", e.g. "app:app"')
            return model.AppSettings(**{option: spec}), path.parent.resolve()
    folder = path.parent.resolve()
    return model.AppSettings(static=folder, unmatched="no-app"), folder


def _step(kind: str, value: str | None) -> model.Step:
    if kind == "say":
        if not value or not value.strip():
            raise ScenarioError("--say needs some words", expected='--say "hello"', got=repr(value))
        return model.Say(text=value)
    if kind == "press":
        if not value or not DTMF_DIGITS.match(value):
            raise ScenarioError("--press: bad DTMF digits", expected="characters from 0-9 * # A-D",
                                got=repr(value))
        return model.Press(digits=value)
    if kind == "silence":
        try:
            seconds = float(value or "")
        except ValueError:
            seconds = -1.0
        if seconds < 0:
            raise ScenarioError("--silence: bad value", expected="seconds >= 0", got=repr(value))
        return model.Silence(seconds=seconds)
    if kind == "wait_for":
        return model.WaitFor(verb=str(value))
    return model.Hangup()
