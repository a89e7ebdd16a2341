"""Benchmark: audio rendering + recording speed and memory (run: python tests/bench/bench_audio.py).

0. Render a one-hour mostly silent mono timeline; goal < 0.3 s.
1. Render and write a one-hour mono WAV recording that is mostly silence with some speech and
   DTMF; goal < 0.6 s (the engine's 5000x-real-time budget for a simulated hour, audio share).
2. Render and write a three-hour two-channel WAV recording; goal: peak memory < 150 MB
   (tracemalloc peak of Python allocations, and the growth of the process's max RSS).
3. Speech synthesis alone: CPU milliseconds per second of speech over spans of 0.8-20 s (as
   in the bundled suite: mean about 4 s), each laid out afresh and synthesised in the 2 s
   chunks of a run's speech cache; goal <= 0.3 ms. Also the one-off cost of a fresh process's
   first speech (the vowel bank, the noise table), measured in a subprocess.
Prints measured numbers and their ratio to the goals; not collected by pytest.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from simulator.audio.sink import RecordingSink
from simulator.audio.speech_model import speech_slice
from simulator.audio.synth import CHUNK, Span, clear_caches, render

HOUR = 3600.0
SPEED_GOAL_SECONDS = 0.6
RENDER_GOAL_SECONDS = 0.3
MEMORY_GOAL_MB = 150.0
SPEECH_GOAL_MS = 0.3            # CPU ms per second of speech
SPEECH_SECONDS = (0.8, 1.2, 1.6, 2.0, 2.4, 2.4, 2.8, 2.8, 3.2, 3.6, 4.0, 5.2, 12.0, 20.0)


def caller_timeline(seconds: float, seed: int) -> list[Span]:
    """A caller who speaks for 3 s and presses a key once every two minutes."""
    spans = []
    for i, t in enumerate(np.arange(10.0, seconds - 10.0, 120.0)):
        spans.append(Span(float(t), float(t) + 3.0, "speech",
                          text="yes I would like to hear my balance please", seed=seed + i))
        spans.append(Span(float(t) + 4.0, float(t) + 4.1, "dtmf", digit="1234567890*#"[i % 12]))
    return spans


def bench_speed(folder: Path) -> float:
    spans = caller_timeline(HOUR, seed=1)
    speech_seconds = sum(s.end - s.start for s in spans if s.kind == "speech")
    clear_caches()
    started = time.perf_counter()
    frames = sum(len(block) for block in render(spans, 0.0, HOUR))
    rendered = time.perf_counter() - started
    assert frames == HOUR * 8000
    verdict = "OK" if rendered < RENDER_GOAL_SECONDS else "MISSED"
    print(f"0. render only, one hour mono: {rendered:.3f} s; goal < {RENDER_GOAL_SECONDS} s -> "
          f"{RENDER_GOAL_SECONDS / rendered:.2f}x ({verdict})")
    clear_caches()
    started = time.perf_counter()
    with RecordingSink(folder / "hour.wav", channels=1, file_format="wav") as sink:
        for block in render(spans, 0.0, HOUR):
            sink.write(block)
    elapsed = time.perf_counter() - started
    print(f"1. one-hour mono WAV ({speech_seconds:.0f} s of speech, {len(spans) // 2} keys): "
          f"{elapsed:.3f} s, {HOUR / elapsed:,.0f}x real time; "
          f"goal < {SPEED_GOAL_SECONDS} s -> {SPEED_GOAL_SECONDS / elapsed:.2f}x of budget left "
          f"({'OK' if elapsed < SPEED_GOAL_SECONDS else 'MISSED'})")
    return elapsed


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # KiB on Linux


def bench_memory(folder: Path) -> float:
    seconds = 3 * HOUR
    caller, callee = caller_timeline(seconds, seed=2), caller_timeline(seconds, seed=99)
    clear_caches()
    rss_before = max_rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    with RecordingSink(folder / "three-hours.wav", channels=2, file_format="wav") as sink:
        for left, right in zip(render(caller, 0.0, seconds), render(callee, 0.0, seconds)):
            sink.write(np.stack([left, right], axis=1))
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb = peak / 2**20
    rss_delta = max_rss_mb() - rss_before
    size_mb = (folder / "three-hours.wav").stat().st_size / 2**20
    worst = max(peak_mb, rss_delta)
    print(f"2. three-hour two-channel WAV ({size_mb:.0f} MB file) in {elapsed:.2f} s: "
          f"tracemalloc peak {peak_mb:.1f} MB, max-RSS growth {rss_delta:.1f} MB; "
          f"goal < {MEMORY_GOAL_MB:.0f} MB -> {MEMORY_GOAL_MB / max(worst, 0.1):.1f}x headroom "
          f"({'OK' if worst < MEMORY_GOAL_MB else 'MISSED'})")
    return worst


def synthesise_spans(round_: int) -> float:
    """Seconds of speech synthesised: every span of SPEECH_SECONDS, twice over with different
    texts, in SpeechCache chunks, laid out afresh (distinct seeds each round)."""
    clear_caches()
    seconds = 0.0
    for i, duration in enumerate(SPEECH_SECONDS * 2):
        total = round(duration * 8000)
        text = f"message number {i} please call me back about the appointment"
        for a in range(0, total, CHUNK):
            speech_slice(text, total, 1000 * round_ + i, a, min(total, a + CHUNK))
        seconds += duration
    return seconds


FIRST_USE = """
import time
from simulator.audio.speech_model import speech_slice
speech_slice("warm up the generator", 800, 0, 0, 800)
started = time.process_time()
speech_slice("a first sentence of speech in this process", 4 * 8000, 1, 0, 4 * 8000)
print(time.process_time() - started)
"""


def bench_speech() -> float:
    synthesise_spans(0)                                    # the shared tables built
    rounds = []
    for round_ in range(1, 6):
        started = time.process_time()
        seconds = synthesise_spans(round_)
        rounds.append(time.process_time() - started)
    per_second = min(rounds) / seconds * 1e3
    first = subprocess.run([sys.executable, "-c", FIRST_USE], capture_output=True, text=True,
                           check=True)
    print(f"3. speech synthesis ({len(SPEECH_SECONDS) * 2} spans, {seconds:.0f} s of speech, "
          f"fresh layouts, 2 s chunks): {per_second:.3f} ms CPU per second of speech (best of "
          f"{len(rounds)}); goal <= {SPEECH_GOAL_MS} ms -> {SPEECH_GOAL_MS / per_second:.2f}x "
          f"({'OK' if per_second <= SPEECH_GOAL_MS else 'MISSED'}); a process's first 4 s "
          f"of speech (vowel bank and noise table built): "
          f"{float(first.stdout) * 1e3:.1f} ms CPU")
    return per_second


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        elapsed = bench_speed(folder)
        memory = bench_memory(folder)
    speech = bench_speech()
    ok = elapsed < SPEED_GOAL_SECONDS and memory < MEMORY_GOAL_MB and speech <= SPEECH_GOAL_MS
    return 0 if ok else 1  # exit status


if __name__ == "__main__":
    sys.exit(main())
