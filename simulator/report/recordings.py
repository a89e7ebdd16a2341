"""The report's recordings: each file's waveform (``waveform.py``) and its embedded audio.

``recording_view`` gives the template one recording: its waveform, its audio embedded as a
``data:`` URI (capped per file and per page), or a note/problem saying why not. A file too
large to embed (a ten-minute 8 kHz WAV is 9 MB) is embedded as a compressed MP3 copy when that
fits (``audio.sink.mp3_copy``: about 70 KB a minute), so the player sounds long calls too and
the page stays one self-contained file. A missing or undecodable file is reported on the page,
never fatal.
"""

from __future__ import annotations

import base64
from pathlib import Path

from simulator.audio.sink import mp3_copy
from simulator.errors import SimulatorError

from .waveform import recording_waveform

#: A recording file larger than this is not embedded (the page says so and names the file).
EMBED_LIMIT_BYTES = 5 * 1024 * 1024
#: All embedded audio of one page together stays under this.
PAGE_EMBED_LIMIT_BYTES = 20 * 1024 * 1024


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
        view["wave"] = recording_waveform(path, rec)
    except SimulatorError as exc:  # an undecodable file is shown as such, never fatal
        view["problem"] = f"cannot decode {file}: {exc}"
    size = path.stat().st_size
    mp3 = path.suffix.lower() == ".mp3"
    room = min(embed_limit, budget[0])
    if size <= room:
        data, mime = path.read_bytes(), "audio/mpeg" if mp3 else "audio/wav"
    elif not mp3 and view["problem"] is None:
        data, mime = mp3_copy(path, limit=room), "audio/mpeg"
        if data is not None:
            view["note"] = (f"embedded as a compressed MP3 copy ({len(data) / 2**20:.1f} MB); "
                            f"the recording itself is {file} ({size / 2**20:.1f} MB) "
                            f"beside result.json")
    else:
        data = None
    if data is None:
        why = (f"{size / 2**20:.1f} MB is over the {embed_limit / 2**20:.1f} MB limit"
               if size > embed_limit else "the page already holds its limit of embedded audio")
        if not mp3 and view["problem"] is None:
            why += " (even as a compressed MP3 copy)"
        view["note"] = f"audio not embedded: {why}; open {file} beside result.json"
        return view
    budget[0] -= len(data)
    view["audio"] = f"data:{mime};base64," + base64.b64encode(data).decode()
    return view
