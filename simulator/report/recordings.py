"""The report's recordings: each file's waveform (min/max envelope and silences) and audio.

``recording_view`` gives the template one recording: its waveform, its audio embedded as a
``data:`` URI (capped per file and per page), or a note/problem saying why not. A missing or
undecodable file is reported on the page, never fatal. Files are decoded by ``audio/sink.py``.
"""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np

from simulator.audio.sink import read_audio
from simulator.audio.synth import SAMPLE_RATE
from simulator.errors import SimulatorError

from .values import num

#: A recording file larger than this is not embedded (the page says so and names the file).
EMBED_LIMIT_BYTES = 5 * 1024 * 1024
#: All embedded audio of one page together stays under this.
PAGE_EMBED_LIMIT_BYTES = 20 * 1024 * 1024
WAVEFORM_COLUMNS = 600
#: Envelope frames quieter than this RMS (about -40 dBFS) for SILENCE_MIN_SECONDS are "silence".
SILENCE_RMS = 0.01
SILENCE_MIN_SECONDS = 0.25
SILENCE_FRAME_SECONDS = 0.02


def recording_view(n: int, rec: dict, result_dir: Path, labels: dict, embed_limit: int,
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
        elapsed += num(seg.get("endAt")) - num(seg.get("startAt"))
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
