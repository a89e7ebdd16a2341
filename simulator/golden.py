"""Golden files: a whole run, rendered as stable text, committed next to the scenario.

``bxmlsim run --update-golden`` writes the rendering; every later run of that scenario (CLI,
pytest plugin, ``run_scenario``) compares against it when the file exists, and a difference is
a failure whose message is a unified diff.

Naming: next to the scenario file ``<dir>/<name>.yaml`` the golden of scenario "Some Name" is
``<dir>/<name>.some-name.golden.txt`` (``<name>`` is the file name without ``.yaml``/``.yml``,
the middle part is the scenario's slug).

The rendering holds the calls, the timeline, every callback attempt (payload and response) and
a summary of each recording (format, channels, duration, segments, end reason, transcription).
A payload, a timeline entry's detail or a transcription too long for one line (over
:data:`WIDTH` characters) is written one field a line (``digits: "12"``, nested mappings as
dotted keys) and a reply body of several lines line by line, so a long payload's diff names the
field that changed; each hunk of the
diff is headed by the line of the callback, recording or timeline entry it is in (as git heads
hunks with their function). Goldens written in the older one-line form differ once and are
regenerated with ``--update-golden``. A timeline entry of a verb says where the verb is
(``(line 3:5 /Response/Record[1])``: line, column, element path). The rendering is normalised
so that it only changes when behaviour changes: call/recording/transcription ids become
``c1``, ``r1``, ``t1`` in order of first appearance, and recording file paths are left out (the
audio itself is checked through duration and segments).
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
#: Longest line of a mapping written inline; a longer one is written one field a line.
WIDTH = 100
#: A line under a record: its payload/response/segments/transcription, a field, a body line.
_SUB_LINE = re.compile(r" {6}(payload|response|segments|transcription)( |$)"
                       r"| {8}([A-Za-z_][\w.-]*: |\| )")


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


def _flat(value: dict, prefix: str = "") -> list[str]:
    """``key: value`` lines of a mapping, nested mappings as dotted keys, values compact JSON."""
    lines = []
    for key, item in value.items():
        if isinstance(item, dict) and item:
            lines += _flat(item, f"{prefix}{key}.")
        else:
            lines.append(f"{prefix}{key}: {_compact(item)}")
    return lines


def _block(head: str, value) -> list[str]:
    """``head value`` on one line when it fits in :data:`WIDTH` characters (or is no mapping),
    else ``head`` and one field a line below it."""
    inline = f"{head} {_compact(value)}"
    width = len(_ID.sub("id", inline))  # as wide as it will be once ids are c1, r1...
    if not isinstance(value, dict) or not value or width <= WIDTH:
        return [inline]
    return [head] + ["        " + line for line in _flat(value)]


def _text(head: str, value) -> list[str]:
    """A reply body: one line, or ``head`` and ``| line`` for each of its lines."""
    if not isinstance(value, str) or "\n" not in value.strip():
        return [f"{head} {_compact(value)}"]
    return [head] + ["        | " + line for line in value.strip().splitlines()]


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
        head = f"  {ev.get('at', 0):9.3f} {ev.get('callId')} {ev.get('kind')}{verb}{line}"
        out += _block(head, ev["detail"]) if ev.get("detail") else [head]
    out += ["", "callbacks:"]
    for cb in result.get("callbacks") or []:
        flags = " fallback" if cb.get("fallback") else ""
        out.append(f"  {cb.get('at', 0):9.3f} {cb.get('eventType')} {cb.get('method')} "
                   f"{cb.get('url')} attempt {cb.get('attempt')}{flags} -> "
                   f"{cb.get('status')} error={cb.get('error')!r}")
        out += _block("      payload", cb.get("payload"))
        if cb.get("responseBody"):
            out += _text("      response", cb.get("responseBody"))
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
            out += _block("      transcription", rec["transcription"])
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


def unified_diff(expected: list[str], actual: list[str], name: str) -> list[str]:
    """A unified diff (``-`` the golden, ``+`` this run, 2 lines of context) whose hunk headers
    name the record the hunk's first change is in: the nearest line at or above it that is not
    a record's sub-line (a call, timeline entry, callback attempt, recording, section title)."""
    out = [f"--- {name}", "+++ this run"]
    matcher = difflib.SequenceMatcher(None, expected, actual, autojunk=False)
    for group in matcher.get_grouped_opcodes(2):
        first, last = group[0], group[-1]
        changed = next(op for op in group if op[0] != "equal")
        head = _record_above(expected, changed[1])
        out.append(f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},"
                   f"{last[4] - first[3]} @@{' ' + head if head else ''}")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in expected[i1:i2]]
                continue
            out += ["-" + line for line in expected[i1:i2]]
            out += ["+" + line for line in actual[j1:j2]]
    return out


def _record_above(lines: list[str], index: int) -> str:
    for line in reversed(lines[:index + 1]):
        if line.strip() and not _SUB_LINE.match(line):
            return line.strip()
    return ""


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
    diff = unified_diff(expected.splitlines(), actual.splitlines(), str(path))
    if len(diff) > MAX_DIFF_LINES:
        diff = diff[:MAX_DIFF_LINES] + [f"... ({len(diff) - MAX_DIFF_LINES} more diff lines)"]
    message = (f"golden {path.name}: this run differs (rerun with --update-golden if the change "
               f"is intended)\n" + "\n".join("  " + d for d in diff))
    return Failure(message, line, kind="golden")
