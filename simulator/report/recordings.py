"""The report's recordings: each file's waveform (``waveform.py``) and its embedded audio.

``recording_view`` gives the template one recording: its waveform, its audio embedded as a
``data:`` URI (capped per file and per page), or a note/problem saying why not. A missing or
undecodable file is reported on the page, never fatal.
"""

from __future__ import annotations

import base64
from pathlib import Path

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
