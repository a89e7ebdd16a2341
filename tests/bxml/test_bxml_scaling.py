"""parse + check grow linearly with the document (issue 16), counted, not timed.

The work of ``lint_bxml`` is measured as the number of Python and builtin calls it makes
(``sys.setprofile``), which is the same on every machine and every run, so the test cannot
flake. A document 8 times larger must cost at most 8.5 times the calls: a per-element step
that walks the whole document (a quadratic) would make it about 64. What calls cannot see (C
code doing more work per call) is covered by tests/bench/bench_parse.py, which times both
sizes in one run and prints their ratio.
"""

from __future__ import annotations

import sys

import pytest

from simulator.bxml.check import lint_bxml

BLOCK = """  <Gather gatherUrl="https://app.example.com/gather?step={i}" maxDigits="4" tag="m-{i}">
    <SpeakSentence voice="julie">Menu {i}: press <say-as interpret-as="characters">1</say-as>
      for sales <break time="300ms"/> or 2.</SpeakSentence>
    <PlayAudio>https://media.example.com/prompt-{i}.wav</PlayAudio>
  </Gather>
  <Record recordingAvailableUrl="/ra" maxDuration="30" fileFormat="mp3" tag="r-{i}"/>
  <Transfer transferCallerId="+15555550100"><PhoneNumber>+1555555{i:04d}</PhoneNumber></Transfer>
  <Unknown{i} color="blue"/>
  <Pause duration="{i}x"/>
"""


def document(blocks: int, first: int) -> bytes:
    """``blocks`` blocks with values of their own (memo tables see new values each time) and
    two errors per block, so the diagnostics' positions are resolved too."""
    body = "".join(BLOCK.format(i=i) for i in range(first, first + blocks))
    return f'<?xml version="1.0"?>\n<Response>\n{body}</Response>\n'.encode()


def calls(data: bytes) -> tuple[int, int]:
    """(calls made by lint_bxml(data), errors found)."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        found = lint_bxml(data)
    finally:
        sys.setprofile(None)
    return count, sum(d.is_error for d in found)


@pytest.mark.parametrize("small", [5, 10])   # 8 x 10 blocks: 53 KB, under the 64 KB limit
def test_lint_work_grows_linearly_with_the_document(small):
    lint_bxml(document(small, 100_000))   # warm the imports and the value memo tables
    few, found_few = calls(document(small, 0))
    many, found_many = calls(document(8 * small, small))
    assert found_few == 2 * small and found_many == 8 * found_few
    assert many <= 8.5 * few, f"{many} calls for 8x the document vs {few}: not linear"
