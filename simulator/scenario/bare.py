"""A bare BXML document as a scenario: ``bxmlsim run FLOW.xml --say ... --press ...``.

The document is the reply to the call's answer URL (``app.bxml``); the caller steps come from
the command line, in the order given there. So that ``--say`` is heard by the flow rather than
talked over the greeting, the caller first waits for the document's first ``<Gather>`` or
``<Record>`` (``--wait-for VERB`` as the first step overrides this; with neither verb in the
document the steps start at answer). The document is parsed first, so an invalid one is a
``BxmlError`` with file:line:col before anything runs.
"""

from __future__ import annotations

from pathlib import Path

from simulator.bxml.parse import parse_bxml
from simulator.errors import ScenarioError
from simulator.scenario import model
from simulator.scenario.load import DTMF_DIGITS

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


def bare_scenario(path: Path, steps: list[tuple[str, str | None]]) -> model.Scenario:
    """A Scenario running the BXML file ``path`` with the given caller steps."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError("cannot read BXML document", where=str(path),
                            got=exc.strerror or str(exc)) from None
    tree = parse_bxml(data, source=str(path))  # bad bytes are BX005 at their line:col
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
    return model.Scenario(name=path.stem, app=model.AppSettings(bxml=text), caller=tuple(caller),
                          file=path, line=1, base_dir=path.parent.resolve())


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
