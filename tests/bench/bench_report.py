"""Benchmark: report rendering time and page size (run: python tests/bench/bench_report.py).

A one-hour call with a one-hour recording (57.6 MB WAV, above the embed limit: waveform only)
and N timeline records, for N = 1,000 and 10,000. Prints seconds, page size, and the ratio of
the 10x run's time to the 1x run's (close to 10 means rendering grows linearly with records).
Goal: the 10,000-record page in under 5 s. Also the peak Python memory (tracemalloc) of the
one-hour file's waveform against the file's size: the envelope is streamed in blocks, so the
ratio stays far below 1 (goal: under 0.1). Not collected by pytest.
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import soundfile

from simulator.report import render_report
from simulator.report.waveform import recording_waveform

HOUR = 3600.0
GOAL_SECONDS = 5.0
MEMORY_GOAL_RATIO = 0.1
SAMPLE = Path(__file__).parent.parent / "data" / "sample_result" / "result.json"


def make_run(folder: Path, records: int) -> dict:
    result = json.loads(SAMPLE.read_text())
    call = result["calls"][0]["callId"]
    rec = copy.deepcopy(result["recordings"][0])
    rec.update(file="recordings/hour.wav", duration=HOUR, startAt=0.0, endAt=HOUR,
               segments=[{"startAt": 0.0, "endAt": HOUR / 2}, {"startAt": HOUR / 2, "endAt": HOUR}])
    result["recordings"] = [rec]
    timeline = []
    for i in range(records // 2):
        at = round(HOUR * i / (records // 2), 3)
        line = 3 + i % 5
        timeline.append({"at": at, "callId": call, "kind": "verb-start", "verb": "Pause",
                         "line": line, "detail": {}})
        timeline.append({"at": round(at + HOUR / records, 3), "callId": call, "kind": "verb-end",
                         "verb": "Pause", "line": line, "detail": {"reason": "completed"}})
    result["timeline"] = timeline
    return result


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "recordings").mkdir()
        rng = np.random.default_rng(0)
        samples = (0.1 * rng.standard_normal(int(HOUR * 8000))).astype(np.float32)
        soundfile.write(folder / "recordings" / "hour.wav", samples, 8000, subtype="PCM_16")
        times = {}
        for records in (1_000, 10_000):
            result = make_run(folder, records)
            start = time.perf_counter()
            html = render_report(result, folder)
            times[records] = time.perf_counter() - start
            print(f"{records:>6} records: {times[records]:.2f} s, page {len(html) / 2**20:.1f} MB")
        wav = folder / "recordings" / "hour.wav"
        tracemalloc.start()
        recording_waveform(wav, {"channels": 1, "segments": []})
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        memory_ratio = peak / wav.stat().st_size
        print(f"waveform of a {wav.stat().st_size / 2**20:.1f} MB file: peak "
              f"{peak / 2**20:.1f} MB -> {memory_ratio:.3f} of the file "
              f"(goal < {MEMORY_GOAL_RATIO})")
    ratio = times[10_000] / times[1_000]
    print(f"10x records -> {ratio:.1f}x time; goal {GOAL_SECONDS:.0f} s -> "
          f"{times[10_000] / GOAL_SECONDS:.2f} of the goal")
    return 0 if times[10_000] < GOAL_SECONDS and memory_ratio < MEMORY_GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
