"""The report's timeline view model: legs, lanes, steps, BXML documents and webhook entries.

``build_view(result, result_dir, ...)`` turns a checked result.json object into the plain dicts
the template draws: one leg per call with its lanes (Call, BXML verbs, Recorder, Caller,
Webhooks, Other) whose bars and marks are placed in percent of the run, the Steps table (a
verb-end paired with its verb-start), the BXML documents the run executed (a verb links to the
line of the latest document its call fetched), and the webhook attempts. Recordings (waveforms,
embedded audio) come from ``recordings.py``. Timeline kinds this module does not know are kept
on an "Other" lane, never dropped.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from simulator.scenario.narrate import describe

from .recordings import recording_view
from .values import callback_call, duration, num

#: Webhooks whose reply is BXML that the call executes (spec/callbacks.md §1.8 table).
BXML_EVENTS = frozenset({
    "initiate", "answer", "redirect", "gather", "recordComplete", "transferAnswer",
    "transferComplete", "bridgeComplete", "bridgeTargetComplete", "conferenceCreated",
    "conferenceMemberJoin", "conferenceMemberExit", "conferenceRedirect", "referComplete"})
#: Timeline kinds (simulator/timeline.py) drawn on the "Call" and "Caller" lanes; verb-*,
#: recording-* and webhook records have lanes of their own; any other kind goes to "Other".
CALL_KINDS = frozenset({"call-start", "answer", "remote-hangup", "error", "hangup", "call-end"})
CALLER_KINDS = frozenset({"speech", "silence", "digit", "audio", "play"})


def build_view(result: dict, result_dir: Path, embed_limit: int, page_limit: int) -> dict:
    """Everything the template draws, from a checked result.json object.

    ``result_dir`` is where recording files are; ``embed_limit`` caps one embedded file and
    ``page_limit`` all embedded audio of the page (bytes).
    """
    calls = result.get("calls", [])
    callbacks = result.get("callbacks", [])
    timeline = sorted(result.get("timeline", []), key=lambda r: num(r.get("at")))
    recordings = result.get("recordings", [])
    call_ids = [c.get("callId") for c in calls]
    for rec in timeline + recordings:  # calls seen only in the timeline still get a row
        if rec.get("callId") and rec["callId"] not in call_ids:
            call_ids.append(rec["callId"])
    labels = {cid: f"Call {i}" for i, cid in enumerate(call_ids, 1)}

    documents = _documents(callbacks, timeline, call_ids)
    steps = _steps(timeline, documents, labels)
    end = max([num(r.get("at")) + (duration(r) if r.get("kind") in CALLER_KINDS else 0.0)
               for r in timeline]
              + [num(c.get("at")) for c in callbacks]
              + [num(r.get("endAt")) for r in recordings] + [0.0]) or 1.0
    budget = [page_limit]
    recording_views = [recording_view(i, r, result_dir, labels, embed_limit, budget)
                       for i, r in enumerate(recordings)]
    silences = [v["wave"]["silences"] if v["wave"] else [] for v in recording_views]
    legs = [_leg(cid, labels[cid], next((c for c in calls if c.get("callId") == cid), {}),
                 steps, callbacks, recordings, silences, end) for cid in call_ids]
    loose = [i for i, cb in enumerate(callbacks) if callback_call(cb) not in labels]
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
                and isinstance(status, int) and 200 <= status < 300 and not _unread(cb)):
            docs.append({"at": num(cb.get("at")), "callId": callback_call(cb), "text": body,
                         "origin": f"reply to {cb.get('eventType')} "
                                   f"({cb.get('method', 'POST')} {cb.get('url', '')})",
                         "callback": i})
    for rec in timeline:
        text = (rec.get("detail") or {}).get("bxml")
        if isinstance(text, str) and text.strip():
            docs.append({"at": num(rec.get("at")), "callId": rec.get("callId"), "text": text,
                         "origin": f"{rec.get('kind')} record", "callback": None})
    docs.sort(key=lambda d: d["at"])
    if len(call_ids) == 1:  # a single call owns every document, even one without a callId
        for d in docs:
            d["callId"] = d["callId"] or call_ids[0]
    for n, d in enumerate(docs, 1):
        d["number"] = n
        d["lines"] = d["text"].splitlines()
    return docs


def _unread(cb: dict) -> bool:
    """A reply the call never ran: referComplete after a successful Refer (call gone)."""
    payload = cb.get("payload")
    return (cb.get("eventType") == "referComplete" and isinstance(payload, dict)
            and payload.get("referCallStatus") == "success")


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
        at, kind = num(rec.get("at")), str(rec.get("kind", "?"))
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
            caller.append(_item(s["at"], s["at"] + duration(d) if duration(d) else None,
                                text, end, s["kind"], f"#{s['id']}", f"{s['kind']}: {text}"))
        elif s["kind"] not in {"verb-end", "webhook"} and not s["kind"].startswith("recording-"):
            other.append(_item(s["at"], None, s["kind"], end, "other", f"#{s['id']}",
                               f"{describe(s)} at {s['at']:.3f} s"))
    recorder = []
    for n, rec in enumerate(recordings):
        if rec.get("callId") == call_id:
            recorder += _recorder_items(n, rec, silences[n], end)
    hooks = [_callback_item(i, cb, end) for i, cb in enumerate(callbacks)
             if callback_call(cb) == call_id]
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
        a, b = num(seg.get("startAt")), num(seg.get("endAt"))
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
    stop = num(rec.get("endAt"))
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
    return _item(num(cb.get("at")), None, label, end, "webhook", f"#cb-{i}",
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
