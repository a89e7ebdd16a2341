"""Engine benchmark (run on demand: ``python tests/bench/bench_engine.py``; not collected by pytest).

1. Speed: a one-hour call with StartRecording (speech, keys, TTS, pauses, then silence),
   simulated end to end by the runner with the audio written; target >= 5000x real time.
2. Memory: a three-hour two-channel StartRecording run; target peak (traced Python + numpy
   allocations) < 150 MB, since recordings are rendered and written block by block.
Ratios are measured in this one run.
"""

from __future__ import annotations

import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from simulator.runner import simulate
from simulator.scenario.model import AppSettings, CallSettings, Press, Say, Scenario, Silence

SPEED_TARGET = 5000.0
MEMORY_TARGET_MB = 150.0


def call(seconds: float, multi_channel: bool) -> Scenario:
    bxml = (f"<Response><StartRecording multiChannel='{str(multi_channel).lower()}' "
            f"recordingAvailableUrl='/ra'/><SpeakSentence>Welcome to the benchmark line"
            f"</SpeakSentence><Pause duration='{seconds - 2:g}'/></Response>")
    return Scenario(name="bench", call=CallSettings(max_duration=seconds + 60),
                    app=AppSettings(bxml=bxml),
                    caller=(Silence(3), Say("hello I would like to talk about my account", 4),
                            Press("1234#"), Silence(30), Say("are you still there", 2)))


def speed() -> float:
    seconds = 3600.0
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = simulate(call(seconds, False), Path(out))
        elapsed = time.perf_counter() - started
        assert result.to_json()["recordings"][0]["duration"] == seconds
    ratio = seconds / elapsed
    print(f"one-hour StartRecording call: {elapsed:.3f} s wall -> {ratio:,.0f}x real time "
          f"(target >= {SPEED_TARGET:,.0f}x: {'OK' if ratio >= SPEED_TARGET else 'MISSED'})")
    return ratio


def memory() -> float:
    seconds = 3 * 3600.0
    with tempfile.TemporaryDirectory() as out:
        tracemalloc.start()
        result = simulate(call(seconds, True), Path(out))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rec = result.to_json()["recordings"][0]
        assert rec["channels"] == 2 and rec["duration"] == seconds
    peak_mb = peak / 1e6
    print(f"three-hour two-channel recording: peak {peak_mb:.1f} MB traced "
          f"(target < {MEMORY_TARGET_MB:.0f} MB: {'OK' if peak_mb < MEMORY_TARGET_MB else 'MISSED'})")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  (process max RSS so far, interpreter and libraries included: {rss_mb:.0f} MB)")
    return peak_mb


if __name__ == "__main__":
    speed()
    memory()
