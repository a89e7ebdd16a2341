"""Benchmark: parse + check of a ~64 KB BXML document, as a ratio to a bare lxml parse of the
same bytes measured in the same run (goal <= 3x). Run: python tests/bench/bench_parse.py"""

from __future__ import annotations

import timeit

from lxml import etree

from simulator.bxml.check import lint_bxml
from simulator.bxml.parse import parse_bxml
from simulator.bxml.reader import MAX_BYTES

BLOCK = """  <Gather gatherUrl="https://app.example.com/gather?step={i}" maxDigits="4" terminatingDigits="#"
          interDigitTimeout="3" firstDigitTimeout="10" repeatCount="2" tag="menu-{i}">
    <SpeakSentence voice="julie">Menu {i}: press <say-as interpret-as="characters">1</say-as>
      for sales <break time="300ms"/> or 2 for support.</SpeakSentence>
    <PlayAudio>https://media.example.com/prompt-{i}.wav</PlayAudio>
  </Gather>
  <Record recordingAvailableUrl="/ra" maxDuration="30" silenceTimeout="3" fileFormat="mp3"/>
  <Transfer transferCallerId="+15555550100" callTimeout="20">
    <PhoneNumber transferAnswerUrl="/answer">+1555555{i:04d}</PhoneNumber>
  </Transfer>
"""


def document() -> bytes:
    head, tail = '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n', "</Response>\n"
    body, i = "", 0
    while len((head + body + BLOCK.format(i=i) + tail).encode()) <= MAX_BYTES:
        body += BLOCK.format(i=i)
        i += 1
    return (head + body + tail).encode()


def best(fn, repeat: int = 7, number: int = 10) -> float:
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number


def main() -> None:
    data = document()
    parse_bxml(data)   # valid, so both paths do the full work
    parser_kw = dict(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                     remove_pis=True)
    bare = best(lambda: etree.fromstring(data, etree.XMLParser(**parser_kw)))
    ours = best(lambda: lint_bxml(data))
    elements = sum(1 for _ in etree.fromstring(data).iter())
    print(f"document: {len(data)} bytes, {elements} elements")
    print(f"bare lxml parse:       {bare * 1e3:8.2f} ms")
    print(f"parse + check (ours):  {ours * 1e3:8.2f} ms")
    print(f"ratio: {ours / bare:.1f}x (goal <= 3x)")


if __name__ == "__main__":
    main()
