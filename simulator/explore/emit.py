"""``explore --emit DIR``: one scenario file per explored path, expectations filled in.

Each file is the starting scenario as its author wrote it (read back from the file, comments
kept; for a bare FLOW.xml, the document as the answer route plus its folder), with ``name``,
``seed``, ``caller`` and ``expect`` replaced and the party / created-call statuses (and a
created call's far-end steps) the path chose. Relative paths (route files, ``static``,
``play``) are rewritten for DIR. The expectations are what the run did, so the file passes
when re-run, and fails as soon as the app behaves otherwise: every callback in order
(``exact``, with its URL, status, attempt, fallback, the type of an exception the app raised
(C2 ``appError``), and a Gather's digits, and what it recognised when it takes speech), the
digits, each call's end cause, the recordings (end
reason, duration within 10 ms), how each Gather, Record and Transfer ended, and each
answering-machine detection's verdict.

A bare document has no app behind it: the requests its "no app" answered with an empty reply
become empty canned routes, so the file replays the same replies.

An app module is looked for from the emitted file's folder (simulator/project.py: its folder,
the project root, the current folder): emitting where another file (or none) would be found
than the starting scenario imports is an :class:`EmitError` naming the folder to use, raised
before anything is written.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from simulator.coverage.trace import speech_sent
from simulator.errors import SimulatorError
from simulator.explore.search import ExploredPath
from simulator.golden import slugify
from simulator.project import import_folders
from simulator.scenario import model
from simulator.transports import NO_APP_NOTE

#: verb-end reasons recorded in the expectations, per verb
_INPUT_VERBS = ("Gather", "Record", "Transfer")


class EmitError(SimulatorError):
    """The emitted scenarios could not run from the folder asked for."""


def file_name(base: model.Scenario, path: ExploredPath) -> str:
    return f"{slugify(base.name)}.path-{path.number:03d}.scenario.yaml"


def check_folder(base: model.Scenario, folder: Path) -> None:
    """EmitError when a scenario in ``folder`` would import another app module than
    ``base`` does (app modules are looked for from the scenario's folder: simulator/project.py)."""
    spec = base.app.wsgi or base.app.asgi
    if not spec:
        return
    module = spec.partition(":")[0].strip()
    used = _module_file(module, Path(base.base_dir))
    if used is None or _module_file(module, Path(folder)) == used:
        return  # an installed module, or the same file found from there
    raise EmitError(f"the app {spec!r} is imported from {used}, which scenarios in this "
                    "folder would not find", where=str(folder),
                    expected=f"--emit {os.path.relpath(base.base_dir)} or a folder that finds it "
                             f"(files are named {slugify(base.name)}.path-NNN.scenario.yaml)",
                    got=str(folder))


def _module_file(module: str, scenario_folder: Path) -> Path | None:
    """The file a scenario in ``scenario_folder`` imports ``module`` from (None: installed)."""
    for place in import_folders(scenario_folder):
        stem = place.joinpath(*module.split("."))
        for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
            if candidate.is_file():
                return candidate.resolve()
    return None


def emit(paths: list[ExploredPath], base: model.Scenario, folder: Path, *,
         index: int = 0, source: str | None = None) -> list[Path]:
    """Write one file per path into ``folder``; ``index``: which scenario of its file ``base``
    is. Returns the files written, in path order."""
    folder = Path(folder)
    check_folder(base, folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        target = folder / file_name(base, path)
        target.write_text(render(path, base, folder, index=index, source=source),
                          encoding="utf-8")
        written.append(target)
    return written


def _one_line(text: object) -> str:
    """``text`` for a comment line: what is not printable (a line break, ``\\u2028``, a control
    code, which YAML would read as the end of the comment) written as its escape."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def render(path: ExploredPath, base: model.Scenario, folder: Path, *, index: int = 0,
           source: str | None = None) -> str:
    """The YAML text of one emitted scenario."""
    data = _starting_point(base, folder, index, path)
    data["name"] = f"{base.name}: path {path.number}"
    data["seed"] = path.scenario.seed
    for key in ("caller", "expect"):
        data.pop(key, None)
    _set_parties(data, path, folder, base)
    _set_calls(data, path, folder, base)
    data["caller"] = _steps(path.scenario.caller, folder, base)
    data["expect"] = expectations(path.result)
    origin = _one_line(source or base.file or base.name)
    lines = [f"# Generated by bxmlsim explore from {origin}, path {path.number}:",
             *(f"#   {_one_line(step)}"
               for step in path.branch.description or ["the caller stays silent"]),
             f"# Ended: {_one_line(path.ended)}"]
    failed = sorted({f.kind for f in path.findings})
    if failed:
        lines.append(f"# This path finds a problem ({', '.join(failed)}): the expectations "
                     "record what the app does today.")
    out = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.dump(data, out)
    return "\n".join(lines) + "\n" + out.getvalue()


def _starting_point(base: model.Scenario, folder: Path, index: int,
                    path: ExploredPath) -> CommentedMap:
    """The starting scenario's own mapping (comments kept), paths rewritten for ``folder``."""
    if base.file is None:
        raise EmitError("a scenario given as a mapping has no file to start from",
                        expected="a scenario file or a FLOW.xml")
    file = Path(base.file)
    if file.suffix.lower() == ".xml":
        return _bare(base, folder, path)
    document = YAML(typ="rt").load(file.read_text(encoding="utf-8"))
    if isinstance(document, dict) and "scenarios" in document:
        document = document["scenarios"][index]
    data = CommentedMap(document)
    app = data.get("app")
    if isinstance(app, dict):
        for route in (app.get("routes") or {}).values():
            if isinstance(route, dict) and "file" in route:
                route["file"] = _relative(route["file"], base, folder)
        if "static" in app:
            app["static"] = _relative(app["static"], base, folder)
    for group in ("parties", "calls"):
        for party in (data.get(group) or {}).values():
            for step in (party or {}).get("caller") or []:
                if isinstance(step, dict) and "play" in step:
                    step["play"] = _relative(step["play"], base, folder)
    return data


def _bare(base: model.Scenario, folder: Path, path: ExploredPath) -> CommentedMap:
    """A bare FLOW.xml as a scenario: the document, its folder, the empty "no app" replies."""
    routes = CommentedMap()
    routes[base.call.answer_url] = CommentedMap(file=_relative(base.file, base, folder))
    for attempt in path.result.get("callbacks") or []:
        url = attempt.get("url")
        if url and url not in routes and attempt.get("note") == NO_APP_NOTE:
            routes[url] = ""
    for entry in path.result.get("timeline") or []:
        detail = entry.get("detail") or {}
        if entry.get("kind") == "webhook" and detail.get("note") == NO_APP_NOTE:
            routes.setdefault(detail.get("url"), "")
    app = CommentedMap(routes=routes)
    app["static"] = _relative(base.app.static or base.base_dir, base, folder)
    data = CommentedMap(name=base.name)
    data["app"] = app
    return data


def _relative(value: Any, base: model.Scenario, folder: Path) -> str:
    """A path of the starting scenario, as the emitted file in ``folder`` must write it."""
    target = Path(value)
    if not target.is_absolute():
        target = Path(base.base_dir) / target
    return Path(os.path.relpath(target.resolve(), Path(folder).resolve())).as_posix()


def _set_parties(data: CommentedMap, path: ExploredPath, folder: Path,
                 base: model.Scenario) -> None:
    if not path.branch.parties:
        return
    parties = data.get("parties")
    if not isinstance(parties, dict):
        parties = data["parties"] = CommentedMap()
    for number, party in path.branch.parties:
        entry = CommentedMap(status=party.status)
        if party.status == "answer":
            entry["answer_after"] = float(party.answer_after)
            if party.caller:
                entry["caller"] = _steps(party.caller, folder, base)
        parties[number] = entry


def _set_calls(data: CommentedMap, path: ExploredPath, folder: Path,
               base: model.Scenario) -> None:
    for name, status in path.branch.calls:
        data["calls"][name]["status"] = status
    for name, steps in path.branch.call_callers:   # a created call's far end (its detection)
        data["calls"][name]["caller"] = _steps(steps, folder, base)


def _steps(steps, folder: Path, base: model.Scenario) -> CommentedSeq:
    out = CommentedSeq()
    for step in steps:
        item = CommentedMap()
        if isinstance(step, model.Press):
            item["press"] = str(step.digits)
        elif isinstance(step, model.Say):
            item["say"] = step.text
            if step.seconds is not None:
                item["seconds"] = step.seconds
        elif isinstance(step, model.Silence):
            item["silence"] = step.seconds
        elif isinstance(step, model.Hangup):
            item["hangup"] = True
        elif isinstance(step, model.WaitFor):
            item["wait_for"] = step.verb
        elif isinstance(step, model.Play):
            item["play"] = _relative(step.path, base, folder)
        if step.at is not None:
            item["at"] = float(step.at)
        out.append(item)
    return out


# ---- expectations ------------------------------------------------------------------------

def expectations(result: dict[str, Any]) -> CommentedMap:
    """What the run did, as an ``expect`` block it meets exactly."""
    expect = CommentedMap()
    calls = result.get("calls") or []
    if calls:
        expect["disconnect_cause"] = calls[0].get("disconnectCause")
    expect["calls"] = [CommentedMap(direction=c.get("direction"),
                                    disconnectCause=c.get("disconnectCause")) for c in calls]
    events = []
    for attempt in result.get("callbacks") or []:
        item = CommentedMap(event=attempt.get("eventType"), url=attempt.get("url"))
        if attempt.get("attempt", 1) != 1:
            item["attempt"] = attempt["attempt"]
        if attempt.get("fallback"):
            item["fallback"] = True
        item["status"] = attempt.get("status")
        if attempt.get("appError"):  # C2: the exception the app raised, accepted by its type
            item["appError"] = attempt["appError"].get("type")
        payload = attempt.get("payload") or {}
        if attempt.get("eventType") == "gather":
            item["payload"] = CommentedMap(digits=payload.get("digits", ""),
                                           terminatingDigit=payload.get("terminatingDigit", ""))
            speech = speech_sent(payload)
            if speech is not None:  # a Gather taking speech
                item["payload"]["speechResult"] = CommentedMap(text=speech)
        events.append(item)
    expect["callbacks"] = CommentedMap(exact=True, events=events)
    digits = [a.get("payload", {}).get("digits", "") for a in result.get("callbacks") or []
              if a.get("eventType") == "gather" and a.get("attempt", 1) == 1]
    if digits:
        expect["digits"] = digits
    recordings = result.get("recordings") or []
    expect["recordings"] = [
        CommentedMap(verb=r.get("verb"), endReason=r.get("endReason"),
                     duration=CommentedMap(approx=float(r.get("duration") or 0.0),
                                           tolerance=0.01))
        for r in recordings] if recordings else 0
    ends = []
    for entry in result.get("timeline") or []:
        detail = entry.get("detail") or {}
        if entry.get("kind") == "verb-end" and entry.get("verb") in _INPUT_VERBS \
                and not detail.get("nested"):
            ends.append(CommentedMap(kind="verb-end", verb=entry["verb"], line=entry.get("line"),
                                     detail=CommentedMap(reason=detail.get("reason"))))
        elif entry.get("kind") == "machine-detection":  # the verdict, or why there was none
            verdict = CommentedMap(mode=detail.get("mode"))
            if detail.get("value") is not None:
                verdict["value"] = detail["value"]
            else:
                verdict["reason"] = detail.get("reason")
            ends.append(CommentedMap(kind="machine-detection", detail=verdict))
    if ends:
        expect["timeline"] = ends
    return expect
