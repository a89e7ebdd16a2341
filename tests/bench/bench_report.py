"""Benchmark: report rendering time and page size (run: python tests/bench/bench_report.py).

A one-hour call with a one-hour recording (57.6 MB WAV of noise, above the embed limit even as
an MP3 copy, which the render gives up a few percent in: waveform only)
and N timeline records, for N = 1,000 and 10,000, with a one-line SDK-style answer document
(every verb of the timeline is found in it: pretty-printing and linking are measured too).
Prints seconds, page size, and the ratio of the 10x run's time to the 1x run's (close to 10
means rendering grows linearly with records). Goal: the 10,000-record page in under 5 s.

Also the peak Python memory (tracemalloc) of the one-hour file's waveform against the file's
size: the envelope is streamed in blocks, so the ratio stays far below 1 (goal: under 0.1).

And, when Chromium is installed, the page's script on the 10,000-record page: the time from
navigation to the first layout, and one re-layout (a zoom step, labels measured and packed
again) of the whole hour and of one minute. Goal: a re-layout under 100 ms, so wheel zooming
and playback stay fluid. Not collected by pytest.
"""

from __future__ import annotations

import copy
import json
import statistics
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
RELAYOUT_GOAL_MS = 100
SAMPLE = Path(__file__).parent.parent / "data" / "sample_result" / "result.json"


#: The answer document, one line as an SDK writes it: lines 1.
ANSWER = ('<?xml version="1.0" encoding="UTF-8"?><Response>'
          + "".join(f'<Pause duration="{i + 1}"/>' for i in range(5)) + "</Response>")


def make_run(folder: Path, records: int) -> dict:
    result = json.loads(SAMPLE.read_text())
    call = result["calls"][0]["callId"]
    result["callbacks"][0]["responseBody"] = ANSWER
    rec = copy.deepcopy(result["recordings"][0])
    rec.update(file="recordings/hour.wav", duration=HOUR, startAt=0.0, endAt=HOUR,
               segments=[{"startAt": 0.0, "endAt": HOUR / 2}, {"startAt": HOUR / 2, "endAt": HOUR}])
    result["recordings"] = [rec]
    timeline = []
    for i in range(records // 2):
        at = round(HOUR * i / (records // 2), 3)
        path = f"/Response/Pause[{1 + i % 5}]"
        timeline.append({"at": at, "callId": call, "kind": "verb-start", "verb": "Pause",
                         "line": 1, "path": path, "detail": {}})
        timeline.append({"at": round(at + HOUR / records, 3), "callId": call, "kind": "verb-end",
                         "verb": "Pause", "line": 1, "path": path,
                         "detail": {"reason": "completed"}})
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
        (folder / "report.html").write_text(html, encoding="utf-8")
        relayout = browser_times(folder / "report.html")
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
    fluid = relayout is None or relayout < RELAYOUT_GOAL_MS
    return 0 if times[10_000] < GOAL_SECONDS and memory_ratio < MEMORY_GOAL_RATIO and fluid else 1


def browser_times(page_file: Path) -> float | None:
    """First layout and re-layout times of the page in headless Chromium (None without it)."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "browser"))
    from conftest import CHROMIUM, Browser  # the browser tests' CDP driver

    if not CHROMIUM.exists():
        print("chromium not installed: the page's script is not measured")
        return None
    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(CHROMIUM, Path(profile))
        try:
            page = browser.new_page()
            start = time.perf_counter()
            page.open(page_file.as_uri())
            loaded = time.perf_counter() - start
            # each step includes the style and layout work it causes (forced before timing ends)
            steps = page.js("""(() => { const r = bxmlsimReport, out = [], drawn = [];
                for (const [a, b] of [[0, 3600], [1800, 1860]].concat(...Array(5).fill([[0, 3600], [1800, 1860]]))) {
                  const t = performance.now(); r.setView(a, b); document.body.offsetHeight;
                  out.push(performance.now() - t);
                  drawn.push(document.querySelectorAll('#legs .item').length); }
                return [out, drawn]; })()""")
            steps, drawn = steps
            page.close()
        finally:
            browser.close()
    hour, minute = statistics.median(steps[2::2]), statistics.median(steps[3::2])  # warmed up
    worst = max(hour, minute)
    print(f"browser: {drawn[0]} items drawn of the hour, {drawn[1]} of one minute; load and "
          f"first layout {loaded:.2f} s; re-layout (median of 5) of the hour {hour:.0f} ms, "
          f"of one minute {minute:.0f} ms "
          f"(goal < {RELAYOUT_GOAL_MS} ms -> {worst / RELAYOUT_GOAL_MS:.2f} of the goal)")
    return worst


if __name__ == "__main__":
    sys.exit(main())
