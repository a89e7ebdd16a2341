"""The far end of the calls the emulator places: ``bxmlsim serve --callee FILE.yaml``.

The file is a piece of a scenario, read by the scenario loader (same step kinds, same checks,
same ``file:line: $.path`` errors)::

    caller:                 # what anyone the app calls does once answered (default: nothing)
      - wait_for: Record
      - say: "hi, it's Sam"
      - press: "#"
    parties:                # numbers that behave differently, as in a scenario's `parties`
      "+15555550123": {status: busy}
      "+15555550124": {answer_after: 8, caller: [{say: "hello?"}, {hangup: true}]}
    recording_processing:   # the platform's processing time, as in a scenario (default 0)
      recording_available: 2
      transcription_available: 10

A bare list of steps is the ``caller:`` list alone. Without a file the callee answers at once
and stays silent until the app's BXML ends the call.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from simulator.errors import ScenarioError
from simulator.scenario import model
from simulator.scenario.load import load_mapping
from simulator.scenario.reader import read_file

KEYS = ("caller", "parties", "recording_processing")


@attrs.frozen
class Callee:
    """Who answers: ``caller`` for any number, ``parties`` by number (status, answer_after,
    their own steps); and how long the platform processes recordings."""

    caller: tuple[model.Step, ...] = ()
    parties: dict[str, model.Party] = attrs.Factory(dict)
    recording_processing: model.RecordingProcessing = attrs.Factory(model.RecordingProcessing)

    def party(self, number: str) -> model.Party:
        """The behaviour of ``number``: its own party, else answer at once with ``caller``."""
        return self.parties.get(number) or model.Party(caller=self.caller)


def load_callee(path: str | Path) -> Callee:
    """Read a callee file; raises ScenarioError (file:line) for anything the loader refuses."""
    path = Path(path)
    data = read_file(path, "the callee file")
    return _build(data, str(path), file=path, base_dir=path.parent.resolve())


def callee_from_mapping(data: dict | list, *, base_dir: Path | None = None) -> Callee:
    """A callee from plain data (``{"caller": [...], "parties": {...}}`` or a step list)."""
    return _build(data, "<callee>", file=None, base_dir=base_dir)


def _build(data, label: str, *, file: Path | None, base_dir: Path | None) -> Callee:
    """Check the top level here; the rest is a scenario with only caller/parties, so the
    loader checks steps and parties (the YAML tree keeps the lines of everything below)."""
    if data is None:
        return Callee()
    if isinstance(data, list):
        data = {"caller": data}
    if not isinstance(data, dict):
        raise ScenarioError("wrong type", where=f"{label}:1", expected="a mapping with "
                            "caller: and/or parties:, or a list of caller steps",
                            got=type(data).__name__)
    unknown = [str(key) for key in data if key not in KEYS]
    if unknown:
        line = _line_of(data, unknown[0])
        raise ScenarioError("unknown key in the callee file", where=f"{label}:{line}",
                            expected="caller:, parties: and/or recording_processing:",
                            got=", ".join(unknown))
    (scenario,) = load_mapping({"name": "callee", **data}, file=file, base_dir=base_dir)
    return Callee(caller=scenario.caller, parties=dict(scenario.parties),
                  recording_processing=scenario.recording_processing)


def _line_of(data, key) -> int:
    return getattr(data, "key_lines", {}).get(key, 1)
