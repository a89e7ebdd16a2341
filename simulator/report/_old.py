"""The teaching view: one result.json (and its recordings) -> one self-contained HTML page.

Owns the ``bxmlsim report`` page. Public surface:

- ``load_result(path) -> dict``: read and check a result.json (``"format": "bxmlsim-result/1"``);
  raises ``SimulatorError`` naming the file for a missing, unreadable or foreign file.
- ``render_report(result, result_dir) -> str``: the page as a string.
- ``write_report(result, result_dir, out) -> Path``: render and write it (used by
  ``bxmlsim report`` and ``bxmlsim run --html``).

The page works offline: inline CSS/JS only, a Content-Security-Policy that forbids every
network fetch, audio embedded as base64 ``data:`` URIs (capped, see ``EMBED_LIMIT_BYTES``),
waveforms drawn as inline SVG from a min/max envelope computed here with numpy (files are
decoded by ``audio/sink.py``, as 8 kHz mono: a two-channel recording shows its mix). Every text
from the run (payloads, BXML, transcriptions) goes through jinja2 autoescaping. Timeline
records of kinds this module does not know are still shown, generically.
"""

from __future__ import annotations

import base64
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from simulator.audio.sink import read_audio
from simulator.audio.synth import SAMPLE_RATE
from simulator.errors import SimulatorError

RESULT_FORMAT = "bxmlsim-result/1"
#: A recording file larger than this is not embedded (the page says so and names the file).
EMBED_LIMIT_BYTES = 5 * 1024 * 1024
#: All embedded audio of one page together stays under this.
PAGE_EMBED_LIMIT_BYTES = 20 * 1024 * 1024
WAVEFORM_COLUMNS = 600
#: Envelope frames quieter than this RMS (about -40 dBFS) for SILENCE_MIN_SECONDS are "silence".
SILENCE_RMS = 0.01
SILENCE_MIN_SECONDS = 0.25
SILENCE_FRAME_SECONDS = 0.02

#: Webhooks whose reply is BXML that the call executes (spec/callbacks.md §1.8 table).
BXML_EVENTS = frozenset({
    "initiate", "answer", "redirect", "gather", "recordComplete", "transferAnswer",
    "transferComplete", "bridgeComplete", "bridgeTargetComplete", "conferenceCreated",
    "conferenceMemberJoin", "conferenceMemberExit", "conferenceRedirect", "referComplete"})
#: Timeline kinds (simulator/timeline.py) drawn on the "Call" and "Caller" lanes; verb-*,
#: recording-* and webhook records have lanes of their own; any other kind goes to "Other".
CALL_KINDS = frozenset({"call-start", "answer", "remote-hangup", "error", "hangup", "call-end"})
CALLER_KINDS = frozenset({"speech", "silence", "digit", "audio", "play"})
_LIST_KEYS = ("calls", "callbacks", "recordings", "timeline")
_ASSETS = Path(__file__).with_name("report_assets")


def load_result(path: str | Path) -> dict:
    """Read a result.json and check that it is a ``bxmlsim-result/1`` object.

    Raises:
        SimulatorError: the file is missing, unreadable, not JSON or not a bxmlsim result;
            ``where`` is the path (with the line for a JSON syntax error).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SimulatorError("result file not found", where=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SimulatorError(f"cannot read the result file ({exc})", where=str(path)) from None
    try:
        result = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SimulatorError(f"not valid JSON: {exc.msg}",
                             where=f"{path}:{exc.lineno}:{exc.colno}") from None
    check_result(result, where=str(path))
    return result


def check_result(result: Any, *, where: str = "<result>") -> None:
    """Raise ``SimulatorError`` unless ``result`` has the shape of a result.json object."""
    if not isinstance(result, dict):
        raise SimulatorError("not a bxmlsim result", where=where,
                             expected="a JSON object", got=type(result).__name__)
    if result.get("format") != RESULT_FORMAT:
        raise SimulatorError("not a bxmlsim result", where=where,
                             expected=f'"format": "{RESULT_FORMAT}"',
                             got=json.dumps(result.get("format")))
    for key in _LIST_KEYS:
        items = result.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise SimulatorError(f'"{key}" must be a list of objects', where=where)


def write_report(result: dict, result_dir: Path, out: Path, *,
                 embed_limit: int = EMBED_LIMIT_BYTES,
                 page_embed_limit: int = PAGE_EMBED_LIMIT_BYTES) -> Path:
    """Write the HTML page of ``result`` to ``out`` (parents created); return ``out``.

    ``result_dir`` is the folder of result.json: recording ``file`` paths are relative to it.
    """
    html = render_report(result, Path(result_dir), embed_limit=embed_limit,
                         page_embed_limit=page_embed_limit)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


def render_report(result: dict, result_dir: Path, *, embed_limit: int = EMBED_LIMIT_BYTES,
                  page_embed_limit: int = PAGE_EMBED_LIMIT_BYTES) -> str:
    """The self-contained HTML page of one run (see docs/report.md for how to read it)."""
    check_result(result)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_ASSETS), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["secs"] = _secs
    env.filters["value"] = _value
    view = _build_view(result, Path(result_dir), embed_limit, page_embed_limit)
    return env.get_template("report.html.j2").render(
        **view, css=(_ASSETS / "report.css").read_text(encoding="utf-8"),
        js=(_ASSETS / "report.js").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- view model

def _build_view(result: dict, result_dir: Path, embed_limit: int, page_limit: int) -> dict:
    calls = result.get("calls", [])
    callbacks = result.get("callbacks", [])
    timeline = sorted(result.get("timeline", []), key=lambda r: _num(r.get("at")))
    recordings = result.get("recordings", [])
    call_ids = [c.get("callId") for c in calls]
    for rec in timeline + recordings:  # calls seen only in the timeline still get a row
        if rec.get("callId") and rec["callId"] not in call_ids:
            call_ids.append(rec["callId"])
    labels = {cid: f"Call {i}" for i, cid in enumerate(call_ids, 1)}

    documents = _documents(callbacks, timeline, call_ids)
    steps = _steps(timeline, documents, labels)
    end = max([_num(r.get("at")) + (_duration(r) if r.get("kind") in CALLER_KINDS else 0.0)
               for r in timeline]
              + [_num(c.get("at")) for c in callbacks]
              + [_num(r.get("endAt")) for r in recordings] + [0.0]) or 1.0
    budget = [page_limit]
    recording_views = [_recording_view(i, r, result_dir, labels, embed_limit, budget)
                       for i, r in enumerate(recordings)]
    silences = [v["wave"]["silences"] if v["wave"] else [] for v in recording_views]
    legs = [_leg(cid, labels[cid], next((c for c in calls if c.get("callId") == cid), {}),
                 steps, callbacks, recordings, silences, end) for cid in call_ids]
    loose = [i for i, cb in enumerate(callbacks) if _callback_call(cb) not in labels]
    if loose:
        legs.append({"label": "Not tied to a call", "call": {}, "lanes": [_lane(
            "Webhooks", [_callback_item(i, callbacks[i], end) for i in loose])]})
    return {
        "title": (result.get("scenario") or {}).get("name") or "bxmlsim run",
        "result": result, "labels": labels, "legs": legs, "steps": steps,
        "axis": _ticks(end), "end": end, "documents": documents,
        "callbacks": [_callback_view(i, cb, documents) for i, cb in enumerate(callbacks)],
        "recordings": recording_views,
        "embed_limit_mb": embed_limit / 2**20, "page_limit_mb": page_limit / 2**20,
    }


def _documents(callbacks: list[dict], timeline: list[dict], call_ids: list) -> list[dict]:
    """Every BXML document the run executed: sync webhook replies and timeline ``bxml`` texts."""
    docs = []
    for i, cb in enumerate(callbacks):
        body = cb.get("responseBody")
        status = cb.get("status")
        if (cb.get("eventType") in BXML_EVENTS and isinstance(body, str) and body.strip()
                and isinstance(status, int) and 200 <= status < 300):
            docs.append({"at": _num(cb.get("at")), "callId": _callback_call(cb), "text": body,
                         "origin": f"reply to {cb.get('eventType')} "
                                   f"({cb.get('method', 'POST')} {cb.get('url', '')})",
                         "callback": i})
    for rec in timeline:
        text = (rec.get("detail") or {}).get("bxml")
        if isinstance(text, str) and text.strip():
            docs.append({"at": _num(rec.get("at")), "callId": rec.get("callId"), "text": text,
                         "origin": f"{rec.get('kind')} record", "callback": None})
    docs.sort(key=lambda d: d["at"])
    if len(call_ids) == 1:  # a single call owns every document, even one without a callId
        for d in docs:
            d["callId"] = d["callId"] or call_ids[0]
    for n, d in enumerate(docs, 1):
        d["number"] = n
        d["lines"] = d["text"].splitlines()
    return docs


def _document_at(documents: list[dict], call_id: Any, at: float) -> dict | None:
    """The document a verb belongs to: the call's latest document fetched at or before ``at``."""
    found = None
    for d in documents:
        if d["callId"] == call_id and d["at"] <= at + 1e-9:
            found = d
    return found


def _steps(timeline: list[dict], documents: list[dict], labels: dict) -> list[dict]:
    """Timeline rows; a verb-end is paired with its verb-start (same call, verb, line)."""
    steps, open_verbs = [], defaultdict(list)
    for n, rec in enumerate(timeline):
        at, kind = _num(rec.get("at")), str(rec.get("kind", "?"))
        detail = rec.get("detail") if isinstance(rec.get("detail"), dict) else {}
        step = {"id": f"step-{n}", "at": at, "kind": kind, "callId": rec.get("callId"),
                "call": labels.get(rec.get("callId"), "-"), "verb": rec.get("verb"),
                "line": rec.get("line"), "detail": detail, "reason": detail.get("reason"),
                "doc": None, "start": None, "line_source": ""}
        key = (rec.get("callId"), rec.get("verb"), rec.get("line"))
        if kind == "verb-end" and open_verbs[key]:
            start = open_verbs[key].pop()
            start["end"], step["start"] = step, start
            step["doc"] = start["doc"]
        elif rec.get("line") is not None and rec.get("verb"):
            step["doc"] = _document_at(documents, rec.get("callId"), at)
        if rec.get("line") is not None and not rec.get("verb") and kind in CALLER_KINDS:
            step["line_source"] = "scenario"  # a caller step's line is in the scenario file
        if kind == "verb-start":
            open_verbs[key].append(step)
        steps.append(step)
    return steps


def _leg(call_id: Any, label: str, call: dict, steps: list[dict], callbacks: list[dict],
         recordings: list[dict], silences: list[list], end: float) -> dict:
    mine = [s for s in steps if s["callId"] == call_id]
    call_items, verbs, caller, other = [], [], [], []
    for s in mine:
        if s["kind"] == "verb-start":
            stop = s.get("end")
            finish = stop["at"] if stop else max([m["at"] for m in mine] + [s["at"]])
            reason = stop["reason"] if stop else "no verb-end recorded"
            where = f", line {s['line']}" if s["line"] is not None else ""
            at_line = f" L{s['line']}" if s["line"] is not None else ""
            text = f"{s['verb']}{at_line}" + (f" · {reason}" if finish > s["at"] else "")
            verbs.append(_item(s["at"], finish if finish > s["at"] else None, text,
                               end, "verb", f"#{s['id']}",
                               f"{s['verb']}{where}: {s['at']:.3f}-{finish:.3f} s, "
                               f"ended: {reason}"))
        elif s["kind"] in CALL_KINDS:
            call_items.append(_item(s["at"], None, s["kind"], end, "call", f"#{s['id']}"))
        elif s["kind"] in CALLER_KINDS:
            d = s["detail"]
            text = d.get("digit") or d.get("text") or d.get("file") or s["kind"]
            caller.append(_item(s["at"], s["at"] + _duration(d) if _duration(d) else None,
                                text, end, s["kind"], f"#{s['id']}", f"{s['kind']}: {text}"))
        elif s["kind"] not in {"verb-end", "webhook"} and not s["kind"].startswith("recording-"):
            other.append(_item(s["at"], None, s["kind"], end, "other", f"#{s['id']}"))
    recorder = []
    for n, rec in enumerate(recordings):
        if rec.get("callId") == call_id:
            recorder += _recorder_items(n, rec, silences[n], end)
    hooks = [_callback_item(i, cb, end) for i, cb in enumerate(callbacks)
             if _callback_call(cb) == call_id]
    lanes = [_lane("Call", call_items), _lane("BXML verbs", verbs), _lane("Recorder", recorder),
             _lane("Caller", caller), _lane("Webhooks", hooks), _lane("Other", other)]
    return {"label": label, "call": call, "lanes": [ln for ln in lanes if ln["items"]]}


def _recorder_items(n: int, rec: dict, silences: list, end: float) -> list[dict]:
    """Recording segments as bars, the paused gaps between them hatched, the silences heard in
    the file (mapped back from file time to call time), then the stop."""
    items, href = [], f"#rec-{n}"
    segments = [s for s in rec.get("segments") or [] if isinstance(s, dict)]
    previous, offset = None, 0.0  # offset: where this segment starts in the file
    for seg in segments:
        a, b = _num(seg.get("startAt")), _num(seg.get("endAt"))
        if previous is not None and a > previous:
            items.append(_item(previous, a, "paused", end, "paused", href,
                               f"recording paused {previous:.3f}-{a:.3f} s"))
        items.append(_item(a, b, "recording", end, "recording", href,
                           f"recording {a:.3f}-{b:.3f} s"))
        for quiet_from, quiet_to in silences:
            lo, hi = max(quiet_from, offset), min(quiet_to, offset + b - a)
            if hi > lo:
                items.append(_item(a + lo - offset, a + hi - offset, "silence", end, "silence",
                                   href, f"silence recorded {a + lo - offset:.3f}-"
                                         f"{a + hi - offset:.3f} s"))
        offset += b - a
        previous = b
    stop = _num(rec.get("endAt"))
    items.append(_item(stop, None, "stopped", end, "stopped", href,
                       f"recording stopped at {stop:.3f} s: {rec.get('endReason')}"))
    return items


def _callback_item(i: int, cb: dict, end: float) -> dict:
    """A webhook mark; a failed delivery says ``✘`` and its status in the label itself."""
    status = cb.get("status")
    failed = not (isinstance(status, int) and 200 <= status < 300)
    label = str(cb.get("eventType"))
    if cb.get("fallback"):
        label += " (fallback)"
    if failed:
        label += f" ✘ {status if status is not None else 'no reply'}"
    reply = status if status is not None else cb.get("error") or "no reply"
    return _item(_num(cb.get("at")), None, label, end, "webhook", f"#cb-{i}",
                 f"webhook {cb.get('eventType')}, attempt {cb.get('attempt', 1)}: {reply}")


def _item(start: float, stop: float | None, label: str, end: float, css: str, href: str,
          title: str | None = None) -> dict:
    """A bar (``stop`` given) or a point marker, positioned in percent of the time axis.

    A marker's label reads rightwards, except near the right edge where it is flipped to read
    leftwards (``flip``); ``span`` is the stretch of the row it covers, for packing.
    """
    left = 100.0 * start / end
    width = None if stop is None else max(100.0 * (stop - start) / end, 0.0)
    title = title or f"{label} at {start:.3f} s"
    label_room = 0.6 * len(label) + 1.5  # about 0.6 % of the axis a character on a laptop
    flip = width is None and left > 80.0
    span = ((left - label_room, left) if flip else
            (left, left + max(width if width is not None else label_room, 0.4)))
    return {"left": round(left, 3), "width": None if width is None else round(width, 3),
            "right": round(100.0 - left, 3), "flip": flip, "label": label, "css": css,
            "href": href, "title": title, "span": span}


def _lane(name: str, items: list[dict]) -> dict:
    """Pack items into as few rows as possible so that no two overlap."""
    rows: list[float] = []
    for item in sorted(items, key=lambda i: i["span"][0]):
        first, last = item["span"]
        row = next((r for r, edge in enumerate(rows) if edge <= first), len(rows))
        if row == len(rows):
            rows.append(-math.inf)
        rows[row] = last
        item["row"] = row
    return {"name": name, "items": items, "rows": max(len(rows), 1)}


def _ticks(end: float) -> list[dict]:
    """About ten round ticks (1, 2 or 5 times a power of ten seconds) across the axis."""
    raw = end / 10
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [{"at": t * step, "left": round(100.0 * t * step / end, 3)}
            for t in range(int(end // step) + 1)]


def _callback_view(i: int, cb: dict, documents: list[dict]) -> dict:
    doc = next((d for d in documents if d["callback"] == i), None)
    status = cb.get("status")
    cb = {**cb, "status": status if isinstance(status, int) else None}
    return {"id": f"cb-{i}", "cb": cb, "doc": doc,
            "payload": json.dumps(cb.get("payload"), indent=2, ensure_ascii=False)}


# --------------------------------------------------------------------------- recordings

def _recording_view(n: int, rec: dict, result_dir: Path, labels: dict, embed_limit: int,
                    budget: list[int]) -> dict:
    view = {"id": f"rec-{n}", "rec": rec, "call": labels.get(rec.get("callId"), "-"),
            "problem": None, "wave": None, "audio": None, "note": None}
    file = rec.get("file")
    path = result_dir / file if isinstance(file, str) else None
    if path is None or not path.is_file():
        view["problem"] = f"recording file missing: {file} (looked in {result_dir})"
        return view
    try:
        view["wave"] = waveform(read_audio(path), SAMPLE_RATE, rec.get("segments") or [])
    except SimulatorError as exc:  # an undecodable file is shown as such, never fatal
        view["problem"] = f"cannot decode {file}: {exc}"
    size = path.stat().st_size
    if size > embed_limit:
        view["note"] = (f"audio not embedded: {size / 2**20:.1f} MB is over the "
                        f"{embed_limit / 2**20:.1f} MB limit; open {file} beside result.json")
    elif size > budget[0]:
        view["note"] = (f"audio not embedded: the page already holds its limit of embedded "
                        f"audio; open {file} beside result.json")
    else:
        budget[0] -= size
        mime = "audio/mpeg" if path.suffix.lower() == ".mp3" else "audio/wav"
        view["audio"] = f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()
    return view


def waveform(samples: np.ndarray, rate: int, segments: list[dict],
             columns: int = WAVEFORM_COLUMNS) -> dict:
    """Min/max envelope of mono audio, its silent stretches and where paused gaps were cut.

    Returns ``{"seconds", "columns", "points": svg polygon points (x 0..columns, y 0..100),
    "silences": [(a, b) seconds into the audio], "joins": [seconds into the audio]}``.
    """
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    seconds = len(samples) / rate
    joins, elapsed = [], 0.0
    for seg in segments[:-1]:  # the file is the segments back to back: a join per pause
        elapsed += _num(seg.get("endAt")) - _num(seg.get("startAt"))
        joins.append(round(elapsed, 3))
    view = {"seconds": seconds, "columns": columns, "points": "", "silences": [],
            "joins": joins}
    if not len(samples):
        return view
    cols = min(columns, len(samples))
    edges = np.linspace(0, len(samples), cols + 1).astype(int)
    high = np.maximum.reduceat(samples, edges[:-1])
    low = np.minimum.reduceat(samples, edges[:-1])
    xs = np.arange(cols) * columns / cols
    top = [f"{x:.1f},{50 - 48 * y:.1f}" for x, y in zip(xs, np.clip(high, -1, 1))]
    bottom = [f"{x:.1f},{50 - 48 * y:.1f}" for x, y in zip(xs[::-1], np.clip(low, -1, 1)[::-1])]
    view["points"] = " ".join(top + bottom)
    frame = max(int(rate * SILENCE_FRAME_SECONDS), 1)
    usable = len(samples) // frame * frame
    rms = np.sqrt(np.mean(samples[:usable].reshape(-1, frame) ** 2, axis=1)) if usable else []
    view["silences"] = _silences(np.asarray(rms) < SILENCE_RMS, frame / rate)
    return view


def _silences(quiet: np.ndarray, frame_seconds: float) -> list[tuple[float, float]]:
    spans, start = [], None
    for i, q in enumerate(list(quiet) + [False]):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if (i - start) * frame_seconds >= SILENCE_MIN_SECONDS:
                spans.append((round(start * frame_seconds, 3), round(i * frame_seconds, 3)))
            start = None
    return spans


# --------------------------------------------------------------------------- small helpers

def _num(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _duration(record: dict) -> float:
    """Seconds a record lasts when it says so (``seconds``/``duration`` in it or its detail)."""
    detail = record.get("detail") if isinstance(record.get("detail"), dict) else record
    for key in ("seconds", "duration"):
        if isinstance(detail.get(key), (int, float)) and not isinstance(detail.get(key), bool):
            return float(detail[key])
    return 0.0


def _callback_call(cb: dict) -> Any:
    payload = cb.get("payload")
    return payload.get("callId") if isinstance(payload, dict) else None


def _secs(value: Any) -> str:
    return f"{_num(value):.3f}"


def _value(value: Any) -> str:
    """A detail value as text: floats to the millisecond, other non-strings as JSON."""
    if isinstance(value, float):
        return f"{round(value, 3):g}"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
