"""Where the page draws things before any script runs: items in percent of the whole call,
rows that keep labels apart, the axis ticks, the minimap, and the clock format.

This is the layout of the page without JavaScript (and its first paint). With JavaScript,
``report_assets/report.js`` lays the visible window out again in pixels after every zoom, pan
or resize, measuring real label widths, with the same rules: the tick steps of ``TICK_STEPS``,
at most ``MAX_ROWS`` rows a lane before labels are cut (with an ellipsis; the tooltip and the
accessible name keep the full text), the clock of ``clock``. Here widths are estimated
(``CHAR_PERCENT`` of the axis a character, about right on a 1366 px laptop screen, where the
BXML pane takes its column beside the timeline).
"""

from __future__ import annotations

import math

#: Seconds between ticks: the first step giving at most ``MAX_TICKS`` ticks is used.
TICK_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900,
              1800, 3600, 7200, 14400, 28800)
MAX_TICKS = 12
#: Rows a lane grows to before labels are cut to the room left (never overlapping).
MAX_ROWS = 8
#: A label character in percent of the track: about 7 px of a 670 px track, the timeline beside
#: the BXML pane on a 1366 px screen (with a little room to spare).
CHAR_PERCENT = 1.1


def clock(seconds: float, digits: int = 1) -> str:
    """``mm:ss.t`` (``h:mm:ss.t`` from an hour): the cursor's and narration's time format."""
    seconds = max(seconds, 0.0)
    scale = 10 ** digits
    total = round(seconds * scale)
    whole, frac = divmod(total, scale)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{minutes:02d}:{secs:02d}" + (f".{frac:0{digits}d}" if digits else "")
    return f"{hours}:{text}" if hours else text


def tick_label(at: float, step: float) -> str:
    """Seconds (``2.5``) for steps under a minute and calls under two minutes, else ``m:ss``."""
    if step >= 60 or (at >= 120 and step >= 1):
        return clock(at, 0)
    return f"{round(at, 3):g}"


def ticks(start: float, stop: float) -> list[dict]:
    """Round ticks across [start, stop]: ``{at, left (percent), label}``."""
    span = max(stop - start, 1e-9)
    step = next((s for s in TICK_STEPS if span / s <= MAX_TICKS), TICK_STEPS[-1])
    if span / step > MAX_TICKS:  # longer than the steps reach (a hand-edited result.json)
        step *= math.ceil(span / step / MAX_TICKS)
    first = math.ceil(start / step - 1e-9)
    out = []
    for k in range(first, int(math.floor(stop / step + 1e-9)) + 1):
        at = round(k * step, 6)
        out.append({"at": at, "left": round(100.0 * (at - start) / span, 3),
                    "label": tick_label(at, step)})
    return out


def place(item: dict, end: float) -> None:
    """Give an item its percent position and the stretch its label covers (``span``); a mark
    near the right edge reads leftwards (``flip``)."""
    left = 100.0 * item["start"] / end
    width = None if item["stop"] is None else max(100.0 * (item["stop"] - item["start"]) / end,
                                                  0.0)
    label_room = CHAR_PERCENT * len(item["label"]) + 1.5
    flip = width is None and left > 100.0 - label_room
    if flip:
        span = (left - label_room, left)
    elif width is not None and width < label_room and not item.get("inside"):
        # the label reads on past a short bar
        span = (left, left + width + label_room)
    else:
        span = (left, left + max(width if width is not None else label_room, 0.4))
    item.update(left=round(left, 3), width=None if width is None else round(width, 3),
                right=round(100.0 - left, 3), flip=flip, span=span,
                out=width is not None and width < label_room and not item.get("inside"))


def pack(items: list[dict]) -> int:
    """Give each placed item a ``row`` so that labels do not overlap, up to ``MAX_ROWS`` per
    group (``group``: a recording's items keep to rows of their own); past that an item takes
    the row free soonest (its neighbour's label is then cut by the script). Returns the rows."""
    groups: dict = {}
    for item in items:
        groups.setdefault(item.get("group"), []).append(item)
    offset = 0
    for members in groups.values():
        rows: list[float] = []
        for item in sorted(members, key=lambda i: i["span"][0]):
            first, last = item["span"]
            row = next((r for r, edge in enumerate(rows) if edge <= first), None)
            if row is None and len(rows) < MAX_ROWS:
                row = len(rows)
                rows.append(-math.inf)
            elif row is None:
                row = min(range(len(rows)), key=rows.__getitem__)
            rows[row] = max(rows[row], last)
            item["row"] = offset + row
        offset += len(rows)
    return max(offset, 1)


def minimap(legs: list[dict], end: float, width: int = 1000) -> dict:
    """The whole call in one small picture: a row per lane, legs one under the other, bars drawn
    as thin rectangles per kind of item (one SVG path each, so a long call costs a few paths,
    not an element a bar)."""
    rows, y = [], 0
    for leg in legs:
        for lane in leg["lanes"]:
            paths: dict[str, list[str]] = {}
            for item in lane["items"]:
                x = item["start"] / end * width
                w = max(((item["stop"] or item["start"]) - item["start"]) / end * width, 1.5)
                paths.setdefault(item["css"], []).append(f"M{x:.1f} {y}h{w:.1f}v1h-{w:.1f}z")
            rows.append({"y": y, "paths": [{"css": css, "d": "".join(ds)}
                                           for css, ds in paths.items()]})
            y += 1
        y += 0.5  # a gap between legs
    return {"width": width, "rows": rows, "height": max(y - 0.5, 1)}
