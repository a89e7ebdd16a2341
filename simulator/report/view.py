"""The report's view model: legs, lanes, steps, failures and webhook entries, as plain dicts.

``build_view(result, result_dir, ...)`` turns a checked result.json object into what the
template draws: one leg per call with its lanes (Call, BXML verbs, Recorder, Caller, Webhooks,
Other) of items (bars and marks), the Steps table (a verb-end paired with its verb-start), the
BXML documents (``documents.py``: each verb tied to its element by a key shared by its bars,
its steps and its line in the BXML pane), the failures with the bar and line they concern, and
the data the player needs. Each item says in a few words what is going on while it is under
the cursor (``say``); the player's narration line is those phrases. Positions come from
``layout.py``, recordings from ``recordings.py``. Timeline kinds this module does not know are
kept on an "Other" lane, never dropped; unknown keys are ignored.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from simulator.scenario.narrate import describe

from . import layout
from .documents import Resolver, collect_documents, verb_key
from .recordings import recording_view
from .values import CALLER_KINDS, callback_call, duration, num, run_length

#: Timeline kinds (simulator/timeline.py) drawn on the "Call" and "Caller" lanes; verb-*,
#: recording-* and webhook records have lanes of their own; any other kind goes to "Other".
CALL_KINDS = frozenset({"call-start", "answer", "remote-hangup", "error", "hangup", "call-end"})
#: A mark (an instant) counts as "under the cursor" this long after it, or until the next mark
#: of its lane: long enough to be read while the call plays.
RECENT_SECONDS = 1.0
_CALL_SAY = {"call-start": "call starts", "answer": "call answered",
             "remote-hangup": "caller hangs up", "hangup": "the call is hung up"}


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

    documents = collect_documents(callbacks, timeline, call_ids)
    steps = _steps(timeline, documents, labels)
    length = run_length(result)
    end = length or 1.0  # the axis of a run that took no time still spans a second
    budget = [page_limit]
    recording_views = [recording_view(i, r, result_dir, labels, embed_limit, budget)
                       for i, r in enumerate(recordings)]
    silences = [v["wave"]["silences"] if v["wave"] else [] for v in recording_views]
    pausers = _pausers(steps)
    legs = [_leg(cid, labels[cid], next((c for c in calls if c.get("callId") == cid), {}),
                 [s for s in steps if s["callId"] == cid],
                 [(i, cb) for i, cb in enumerate(callbacks) if callback_call(cb) == cid],
                 [(i, r) for i, r in enumerate(recordings) if r.get("callId") == cid],
                 silences, pausers) for cid in call_ids]
    loose = _leg(None, "Not tied to a call", {}, [s for s in steps if s["callId"] not in labels],
                 [(i, cb) for i, cb in enumerate(callbacks) if callback_call(cb) not in labels],
                 [], silences, pausers)
    if loose["lanes"]:
        legs.append(loose)
    _lay_out(legs, end)
    linked = {s["vkey"]: s for s in reversed(steps) if s["vkey"]}  # a verb's first step
    player, sound = _player_data(end, recording_views, legs)
    return {
        "title": (result.get("scenario") or {}).get("name") or "bxmlsim run",
        "result": result, "labels": labels, "legs": legs, "steps": steps,
        "axis": layout.ticks(0.0, end), "end": end, "length": length,
        "documents": documents, "linked": linked,
        "failures": _failures(result.get("failures"), legs, labels, linked),
        "callbacks": [_callback_view(i, cb, documents) for i, cb in enumerate(callbacks)],
        "recordings": recording_views, "minimap": layout.minimap(legs, end),
        "player": player, "player_sound": sound,
        "embed_limit_mb": embed_limit / 2**20, "page_limit_mb": page_limit / 2**20,
    }


def _steps(timeline: list[dict], documents: list[dict], labels: dict) -> list[dict]:
    """Timeline rows; a verb-end is paired with its verb-start (same call, verb, line, path),
    and every record naming a verb shares that verb-start's document and element."""
    steps, open_verbs, last_start = [], defaultdict(list), {}
    resolver = Resolver(documents, timeline)
    for n, rec in enumerate(timeline):
        resolver.see(rec)
        at, kind = num(rec.get("at")), str(rec.get("kind", "?"))
        detail = rec.get("detail") if isinstance(rec.get("detail"), dict) else {}
        step = {"id": f"step-{n}", "at": at, "kind": kind, "callId": rec.get("callId"),
                "call": labels.get(rec.get("callId"), "-"), "verb": rec.get("verb"),
                "line": rec.get("line"), "detail": detail, "reason": detail.get("reason"),
                "doc": None, "element": None, "vkey": None, "start": None, "line_source": "",
                "record": rec}
        key = (rec.get("callId"), rec.get("verb"), rec.get("line"), rec.get("path"))
        if kind == "verb-start" and rec.get("verb"):
            step["doc"], step["element"] = resolver.locate(rec)
            open_verbs[key].append(step)
            last_start[key] = step
        elif kind == "verb-end" and open_verbs[key]:
            start = open_verbs[key].pop()
            start["end"], step["start"] = step, start
            step["doc"], step["element"] = start["doc"], start["element"]
        elif key in last_start:
            step["doc"], step["element"] = last_start[key]["doc"], last_start[key]["element"]
        elif rec.get("line") is not None and (rec.get("verb")
                                              or isinstance(rec.get("document"), str)):
            step["doc"], step["element"] = resolver.element_of(rec)
            if kind == "bxml-warning" and step["element"] is not None:
                step["doc"]["warnings"][step["element"].index].append(step)
        if step["doc"] is not None and step["element"] is not None:
            step["vkey"] = verb_key(step["doc"], step["element"])
        if rec.get("line") is not None and not rec.get("verb") and kind in CALLER_KINDS:
            step["line_source"] = "scenario"  # a caller step's line is in the scenario file
        step["said_line"] = _said_line(step, len(documents) > 1)
        steps.append(step)
    return steps


def _said_line(step: dict, several: bool) -> str | None:
    """Where a step's verb is, as narrated: ``line 6``, or ``doc 2, line 6`` when the run has
    several documents (a line number alone would read as one of the first)."""
    line = step["element"].line if step["element"] is not None else step["line"]
    if line is None or step["line_source"]:
        return None
    if several and step["doc"] is not None:
        return f"doc {step['doc']['number']}, line {line}"
    return f"line {line}"


def _pausers(steps: list[dict]) -> dict:
    """(recordingId, at) of each recording-pause -> who paused it, in words."""
    found = {}
    for s in steps:
        if s["kind"] == "recording-pause":
            if s["detail"].get("via") == "rest":
                who = "a REST request"
            elif s["verb"]:
                who = s["verb"] + (f" ({s['said_line']})" if s["said_line"] else "")
            else:
                who = "the app"
            found[(s["detail"].get("recordingId"), round(s["at"], 3))] = who
    return found


def _leg(call_id: Any, label: str, call: dict, mine: list[dict], callbacks: list[tuple],
         recordings: list[tuple], silences: list[list], pausers: dict) -> dict:
    """One leg's lanes from its steps, its (index, callback) and (index, recording) pairs."""
    last = max([m["at"] for m in mine] + [0.0])
    call_items, verbs, caller, other = [], [], [], []
    for s in mine:
        if s["kind"] == "verb-start":
            verbs.append(_verb_item(s, last))
        elif s["kind"] in CALL_KINDS:
            say = _CALL_SAY.get(s["kind"]) or _call_say(s)
            call_items.append(_item(s["at"], None, s["kind"], "call", f"#{s['id']}",
                                    f"{s['kind']} at {s['at']:.3f} s", say, s["vkey"]))
        elif s["kind"] in CALLER_KINDS:
            caller.append(_caller_item(s))
        elif s["kind"] not in {"verb-end", "webhook"} and not s["kind"].startswith("recording-"):
            text = describe(s["record"])
            other.append(_item(s["at"], None, s["kind"], "other", f"#{s['id']}",
                               f"{text} at {s['at']:.3f} s", text, s["vkey"]))
    recorder = []
    for n, rec in recordings:
        recorder += _recorder_items(n, rec, silences[n], pausers)
    hooks = [_callback_item(i, cb) for i, cb in callbacks]
    lanes = [_lane("Call", call_items), _lane("BXML verbs", verbs), _lane("Recorder", recorder),
             _lane("Caller", caller), _lane("Webhooks", hooks), _lane("Other", other)]
    return {"label": label, "call": call, "callId": call_id,
            "lanes": [ln for ln in lanes if ln["items"]]}


def _call_say(s: dict) -> str:
    """An ``error`` or ``call-end`` mark in words: its cause, and where in the BXML it is."""
    d = s["detail"]
    cause = d.get("cause")
    text = {"error": "the call fails", "call-end": "the call ends"}.get(s["kind"], s["kind"])
    if cause:
        text += f": {cause}"
    if s["doc"] is not None and s["said_line"]:
        text += f" ({s['said_line']})"
    return text


def _verb_item(s: dict, last: float) -> dict:
    stop = s.get("end")
    finish = stop["at"] if stop else max(last, s["at"])
    reason = stop["reason"] if stop else "no verb-end recorded"
    where = f", line {s['line']}" if s["line"] is not None else ""
    at_line = f" L{s['line']}" if s["line"] is not None else ""
    lasting = finish > s["at"]
    text = f"{s['verb']}{at_line}" + (f" · {reason}" if lasting else "")
    say = f"{s['verb']}" + (f" ({s['said_line']})" if s["said_line"] else "") + \
        (" prompt" if s["detail"].get("nested") else "")
    return _item(s["at"], finish if lasting else None, text, "verb", f"#{s['id']}",
                 f"{s['verb']}{where}: {s['at']:.3f}-{finish:.3f} s, ended: {reason}", say,
                 s["vkey"])


def _caller_item(s: dict) -> dict:
    d = s["detail"]
    text = str(d.get("digit") or d.get("text") or d.get("file") or s["kind"])
    say = {"digit": f"caller pressing {text}", "speech": f"caller saying “{text}”",
           "silence": "caller silent", "audio": f"caller playing {text}"}.get(
        s["kind"], f"caller: {s['kind']}")
    seconds = duration(d)
    return _item(s["at"], s["at"] + seconds if seconds else None, text, s["kind"],
                 f"#{s['id']}", f"{s['kind']}: {text}", say)


def _recorder_items(n: int, rec: dict, silences: list, pausers: dict) -> list[dict]:
    """Recording segments as bars, the paused gaps between them hatched, the silences heard in
    the file (mapped back from file time to call time), then the stop; one group a recording."""
    items, href = [], f"#rec-{n}"
    verb = str(rec.get("verb") or "recording")
    segments = [s for s in rec.get("segments") or [] if isinstance(s, dict)]
    previous, offset = None, 0.0  # offset: where this segment starts in the file
    for seg in segments:
        a, b = num(seg.get("startAt")), num(seg.get("endAt"))
        if previous is not None and a > previous:
            who = pausers.get((rec.get("recordingId"), round(previous, 3)), "the app")
            items.append(_item(previous, a, "paused", "paused", href,
                               f"{verb} paused by {who} {previous:.3f}-{a:.3f} s",
                               f"{verb} paused by {who}"))
        items.append(_item(a, b, f"{verb} · recording", "recording", href,
                           f"{verb} recording {a:.3f}-{b:.3f} s", f"{verb} recording"))
        for quiet_from, quiet_to in silences:
            lo, hi = max(quiet_from, offset), min(quiet_to, offset + b - a)
            if hi > lo:
                quiet = _item(a + lo - offset, a + hi - offset, "silence", "silence", href,
                              f"silence recorded {a + lo - offset:.3f}-{a + hi - offset:.3f} s",
                              f"{verb} hears silence")
                quiet["inside"] = True  # hatched already: labelled only where it fits inside
                items.append(quiet)
        offset += b - a
        previous = b
    stop = num(rec.get("endAt"))
    items.append(_item(stop, None, "stopped", "stopped", href,
                       f"recording stopped at {stop:.3f} s: {rec.get('endReason')}",
                       f"{verb} stopped: {rec.get('endReason')}"))
    for item in items:
        item["group"] = n
    return items


def _callback_item(i: int, cb: dict) -> dict:
    """A webhook mark; a failed delivery says ``✘`` and its status in the label itself, an
    exception of the app (C2 ``appError``) says so too."""
    status = cb.get("status")
    failed = not (isinstance(status, int) and 200 <= status < 300)
    label = str(cb.get("eventType"))
    if cb.get("fallback"):
        label += " (fallback)"
    if failed:
        label += f" ✘ {status if status is not None else 'no reply'}"
    error = cb.get("appError") if isinstance(cb.get("appError"), dict) else None
    if error:
        label += f" ✘ {error.get('type', 'app error')}"
    reply = status if status is not None else cb.get("error") or "no reply"
    title = f"webhook {cb.get('eventType')}, attempt {cb.get('attempt', 1)}: {reply}"
    if error:
        title += f"; the app raised {error.get('type')}: {error.get('message')}"
    return _item(num(cb.get("at")), None, label, "webhook" + (" failed" if failed or error
                                                                 else ""),
                 f"#cb-{i}", title, f"webhook {label} sent")


def _item(start: float, stop: float | None, label: str, css: str, href: str,
          title: str | None = None, say: str | None = None, vkey: str | None = None) -> dict:
    """A bar (``stop`` given) or a mark; ``say`` is what the narration says while it is under
    the cursor, ``vkey`` ties it to its verb's element."""
    title = title or f"{label} at {start:.3f} s"
    if label not in title:  # the tooltip always carries the label in full
        title = f"{label}: {title}"
    return {"start": start, "stop": stop, "label": label, "css": css, "href": href,
            "title": title, "say": say or label, "vkey": vkey,
            "group": None, "inside": False}


def _lane(name: str, items: list[dict]) -> dict:
    """A lane; a mark is under the cursor until RECENT_SECONDS later or the lane's next mark."""
    marks = sorted((i for i in items if i["stop"] is None), key=lambda i: i["start"])
    for item, following in zip(marks, marks[1:] + [None]):
        until = item["start"] + RECENT_SECONDS
        if following is not None and following["start"] > item["start"]:
            until = min(until, following["start"])
        item["until"] = until
    for item in items:
        if item["stop"] is not None:
            item["until"] = item["stop"]
    return {"name": name, "items": items, "rows": 1}


def _lay_out(legs: list[dict], end: float) -> None:
    """Ids, percent positions and rows of every item (layout.py): the page before any script."""
    n = 0
    for leg in legs:
        for lane in leg["lanes"]:
            for item in lane["items"]:
                item["id"] = f"it-{n}"
                n += 1
                layout.place(item, end)
            lane["rows"] = layout.pack(lane["items"])


def _failures(failures: Any, legs: list[dict], labels: dict, linked: dict) -> list[dict]:
    """Each failure with the item it concerns (C3 ``callId``/``at``) and that item's verb
    (``verb``: its key, the link to its line in the BXML pane, and that line in words)."""
    out = []
    for f in failures if isinstance(failures, list) else []:
        f = f if isinstance(f, dict) else {"message": str(f)}
        at = f.get("at") if isinstance(f.get("at"), (int, float)) else None
        call_id = f.get("callId")
        message = str(f.get("message", ""))
        target = None if at is None else _item_at(legs, call_id, at, _concerns(f, message))
        step = linked.get(target["vkey"]) if target else None
        if step is None and target is not None and target["css"] == "call":
            # the call's end at the instant of an error mark that knows its BXML line
            step = next((linked[i["vkey"]] for leg in legs for lane in leg["lanes"]
                         for i in lane["items"] if i["label"] == "error" and i["vkey"] in linked
                         and abs(i["start"] - target["start"]) < 5e-4
                         and (call_id is None or leg.get("callId") == call_id)), None)
        verb = None if step is None else {
            "key": step["vkey"], "href": f"#doc-{step['doc']['number']}-e{step['element'].index}",
            "text": f"doc {step['doc']['number']}, line {step['element'].line}"}
        out.append({"message": message, "line": f.get("line"),
                    "kind": f.get("kind"), "at": at, "call": labels.get(call_id),
                    "accept": f.get("accept"), "target": target, "verb": verb})
    return out


#: What a failure of each kind (C3) is about: the lane's css and, among items of that lane
#: starting at the failure's time, the one preferred (a failed webhook, the call's end).
_FAILURE_CONCERNS = {"app-exception": ("webhook", "failed"),
                     "webhook-status": ("webhook", "failed"),
                     "disconnect-cause": ("call", "call-end"), "invalid-bxml": ("call", "error"),
                     "timeline-limit": ("other", None)}
#: An ``expectation`` failure is about the result.json section its label names
#: (``expect.recordings[0]: ...``, scenario/expect.py).
_EXPECT_CONCERNS = {"callbacks": ("webhook", None), "no_callbacks": ("webhook", None),
                    "digits": ("webhook", None), "recordings": ("recording", None),
                    "calls": ("call", "call-end"), "disconnect_cause": ("call", "call-end")}


def _concerns(failure: dict, message: str) -> tuple[str, str | None]:
    kind = str(failure.get("kind") or "")
    if kind == "expectation" and message.startswith("expect."):
        section = message[len("expect."):].split(":")[0].split("[")[0].split(".")[0]
        return _EXPECT_CONCERNS.get(section, ("verb", None))
    return _FAILURE_CONCERNS.get(kind, ("verb", None))


def _item_at(legs: list[dict], call_id: Any, at: float,
             concerns: tuple[str, str | None]) -> dict | None:
    """The item a failure at ``at`` concerns: one of the lane ``concerns`` names (a verb unless
    said otherwise) starting then, the preferred one first (its label or css: ``call-end``,
    ``failed``), else the innermost verb running then, else any item starting then, else the
    nearest item of the call."""
    items = [i for leg in legs if call_id is None or leg.get("callId") == call_id
             for lane in leg["lanes"] for i in lane["items"]]
    if not items:
        return None
    wanted, preferred = concerns
    exact = [i for i in items if abs(i["start"] - at) < 5e-4]
    running = [i for i in items if i["css"] == "verb" and i["stop"] is not None
               and i["start"] <= at < i["stop"]]
    of_lane = [i for i in exact if i["css"].split()[0] == wanted]
    best = [i for i in of_lane if preferred in (i["label"], *i["css"].split()[1:])]
    for found in (best, of_lane, running if wanted == "verb" else [], exact):
        if found:
            return max(found, key=lambda i: i["start"])
    return min(items, key=lambda i: abs(i["start"] - at))


def _player_data(end: float, recordings: list[dict], legs: list[dict]) -> tuple[str, list]:
    """The JSON the player reads: the call's length, each recording's audio element (None when
    not embedded) and where its file's time sits on the call's axis (segments: call from, call
    to, file offset),
    and the legs' labels in order, escaped for a <script type="application/json"> block; and
    the recordings the player sounds (one checkbox each)."""
    audio = []
    for v in recordings:
        offset, spans = 0.0, []
        for seg in v["rec"].get("segments") or []:
            if isinstance(seg, dict):
                a, b = num(seg.get("startAt")), num(seg.get("endAt"))
                spans.append([a, b, round(offset, 3)])
                offset += b - a
        audio.append({"id": v["id"], "audio": f"audio-{v['id']}" if v["audio"] else None,
                      "name": str(v["rec"].get("recordingId")), "verb": str(v["rec"].get("verb")),
                      "call": v["call"], "segments": spans})
    data = {"end": end, "recordings": audio, "legs": [leg["label"] for leg in legs],
            "recentSeconds": RECENT_SECONDS}
    return (json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"),
            [a for a in audio if a["audio"]])


def _callback_view(i: int, cb: dict, documents: list[dict]) -> dict:
    doc = next((d for d in documents if d["callback"] == i), None)
    status = cb.get("status")
    error = cb.get("appError") if isinstance(cb.get("appError"), dict) else None
    cb = {**cb, "status": status if isinstance(status, int) else None}
    return {"id": f"cb-{i}", "cb": cb, "doc": doc, "app_error": error,
            "payload": json.dumps(cb.get("payload"), indent=2, ensure_ascii=False)}
