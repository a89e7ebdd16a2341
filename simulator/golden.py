"""Golden files: a whole run, rendered as stable text, committed next to the scenario.

``bxmlsim run --update-golden`` writes the rendering; every later run of that scenario (CLI,
pytest plugin, ``run_scenario``) compares against it when the file exists, and a difference is
a failure whose message is a unified diff.

Naming: next to the scenario file ``<dir>/<name>.yaml`` the golden of scenario "Some Name" is
``<dir>/<name>.some-name.golden.txt`` (``<name>`` is the file name without ``.yaml``/``.yml``,
the middle part is the scenario's slug).

The rendering holds the calls, the timeline, every callback attempt (payload and response) and
a summary of each recording (format, channels, duration, segments, end reason, transcription).
A timeline entry of a verb says where the verb is (``(line 3:5 /Response/Record[1])``: line,
column, element path; goldens written before these keys existed show the line only and are
regenerated with ``--update-golden``). It is normalised so that it only changes when behaviour
changes: call/recording/transcription
ids become ``c1``, ``r1``, ``t1`` in order of first appearance, and recording file paths are left
out (the audio itself is checked through duration and segments).
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from simulator.errors import SimulatorError
from simulator.scenario.expect import Failure
from simulator.scenario.narrate import position

GOLDEN_SUFFIX = ".golden.txt"
_ID = re.compile(r"\b(c|r|t|conf|s|e)-[0-9a-f]{8}(?:-[0-9a-f]{4,12}){1,5}\b")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
MAX_DIFF_LINES = 120


def slugify(name: str) -> str:
    """``"Caller leaves a voicemail #2"`` -> ``caller-leaves-a-voicemail-2`` (max 60 chars)."""
    slug = _SLUG_DROP.sub("-", name.lower()).strip("-")[:60].strip("-")
    return slug or "scenario"


def golden_path(scenario_file: Path, scenario_name: str) -> Path:
    """Where the golden file of one scenario of ``scenario_file`` lives."""
    stem = scenario_file.name
    for suffix in (".yaml", ".yml"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    return scenario_file.with_name(f"{stem}.{slugify(scenario_name)}{GOLDEN_SUFFIX}")


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def render_golden(result: dict) -> str:
    """The stable text rendering of a result.json object."""
    scenario = result.get("scenario") or {}
    out = [f"# bxmlsim golden of {scenario.get('name')!r} (seed {result.get('seed')})",
           "# regenerate with: bxmlsim run SCENARIO --update-golden", "", "calls:"]
    for call in result.get("calls") or []:
        out.append(f"  {call.get('callId')} {call.get('direction')} {call.get('from')} -> "
                   f"{call.get('to')} parent={call.get('parentCallId')} "
                   f"answered={call.get('answerTime') is not None} "
                   f"cause={call.get('disconnectCause')} error={call.get('errorMessage')!r}")
    out += ["", "timeline:"]
    for ev in result.get("timeline") or []:
        verb = f" {ev['verb']}" if ev.get("verb") else ""
        line = position(ev)
        detail = f" {_compact(ev['detail'])}" if ev.get("detail") else ""
        out.append(f"  {ev.get('at', 0):9.3f} {ev.get('callId')} {ev.get('kind')}{verb}{line}"
                   f"{detail}")
    out += ["", "callbacks:"]
    for cb in result.get("callbacks") or []:
        flags = " fallback" if cb.get("fallback") else ""
        out.append(f"  {cb.get('at', 0):9.3f} {cb.get('eventType')} {cb.get('method')} "
                   f"{cb.get('url')} attempt {cb.get('attempt')}{flags} -> "
                   f"{cb.get('status')} error={cb.get('error')!r}")
        out.append(f"      payload {_compact(cb.get('payload'))}")
        if cb.get("responseBody"):
            out.append(f"      response {_compact(cb.get('responseBody'))}")
    out += ["", "recordings:"]
    for rec in result.get("recordings") or []:
        out.append(f"  {rec.get('recordingId')} {rec.get('callId')} {rec.get('verb')} "
                   f"{rec.get('fileFormat')} {rec.get('channels')}ch {rec.get('sampleRate')}Hz "
                   f"duration={rec.get('duration')} {rec.get('startAt')}-{rec.get('endAt')} "
                   f"end={rec.get('endReason')} name={rec.get('recordingName')!r}")
        segments = " ".join(f"{s.get('startAt')}-{s.get('endAt')}"
                            for s in rec.get("segments") or [])
        out.append(f"      segments {segments or 'none'}")
        if rec.get("transcription") is not None:
            out.append(f"      transcription {_compact(rec['transcription'])}")
    return _normalise_ids("\n".join(out) + "\n")


def _normalise_ids(text: str) -> str:
    names: dict[str, str] = {}
    counters: dict[str, int] = {}

    def replace(match: re.Match) -> str:
        original = match.group(0)
        if original not in names:
            prefix = match.group(1)
            counters[prefix] = counters.get(prefix, 0) + 1
            names[original] = f"{prefix}{counters[prefix]}"
        return names[original]

    return _ID.sub(replace, text)


def write_golden(path: Path, result: dict) -> None:
    """Write the golden file; one that cannot be written is a SimulatorError naming it."""
    try:
        path.write_text(render_golden(result), encoding="utf-8")
    except OSError as exc:
        raise SimulatorError("cannot write the golden file", where=str(path),
                             expected="a writable file next to the scenario",
                             got=exc.strerror or str(exc)) from None


def check_golden(path: Path, result: dict, line: int = 0) -> Failure | None:
    """A failure with a unified diff when ``path`` exists and differs from this run (or
    cannot be read as the text ``--update-golden`` writes)."""
    if not path.exists():
        return None
    try:
        expected = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 text ({exc.reason})"
        return Failure(f"golden {path}: cannot be read: {reason}; expected the UTF-8 text file "
                       f"--update-golden writes", line, kind="golden")
    actual = render_golden(result)
    if expected == actual:
        return None
    diff = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                     fromfile=str(path), tofile="this run", lineterm="", n=2))
    if len(diff) > MAX_DIFF_LINES:
        diff = diff[:MAX_DIFF_LINES] + [f"... ({len(diff) - MAX_DIFF_LINES} more diff lines)"]
    message = (f"golden {path.name}: this run differs (rerun with --update-golden if the change "
               f"is intended)\n" + "\n".join("  " + d for d in diff))
    return Failure(message, line, kind="golden")
