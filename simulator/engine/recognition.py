"""Speech recognition for a speech ``<Gather>``, simulated: what the caller said is what is heard.

Deterministic, like transcription (recorder.spoken_text): the transcript is the words of the
caller's ``say`` steps heard while the Gather listened, as written in the scenario. Then, in
this order (docs/engine.md "Speech input in Gather"):

1. ``hints`` (the Gather attribute: comma-separated words or phrases, SDK gather.py "Words or
   phrases that provide context to the speech recognition engine") bias recognition: a run of
   the transcript's words that equals a hint, ignoring case and punctuation, or comes close to
   it (difflib ratio >= ``HINT_SIMILARITY`` over the words joined, each word >= 3 letters), is
   written as the hint spells it: ``"sails please"`` with the hint ``Sales`` is
   ``"Sales please"``. Longer hints are tried first; punctuation after the run is kept.
2. ``profanityFilter`` (default true, SDK "whether profane words are filtered out of the
   transcription"): a word of ``PROFANITY`` keeps its first letter, the rest become ``*``
   (``"d***"``), the way recognizers mask them. The list is small and English only.

Pure text: no audio here (the engine decides what was heard, engine/hearing.py).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

HINT_SIMILARITY = 0.8
PROFANITY = frozenset({
    "ass", "asshole", "bastard", "bitch", "bullshit", "crap", "damn", "dick", "fuck", "fucked",
    "fucking", "goddamn", "hell", "piss", "shit", "shitty",
})
_EDGE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


def parse_hints(hints: str | None) -> tuple[str, ...]:
    """The hints of a Gather: its comma-separated phrases, trimmed, empty ones dropped."""
    return tuple(h.strip() for h in (hints or "").split(",") if h.strip())


def _plain(words: list[str] | tuple[str, ...]) -> str:
    return " ".join(re.sub(r"[^\w']", "", w).lower() for w in words).strip()


def _matches(heard: list[str], hint: tuple[str, ...]) -> bool:
    said, wanted = _plain(heard), _plain(hint)
    if said == wanted:
        return True
    if min(len(re.sub(r"\W", "", w)) for w in heard) < 3:
        return False
    return SequenceMatcher(None, said, wanted).ratio() >= HINT_SIMILARITY


def apply_hints(text: str, hints: tuple[str, ...]) -> str:
    """``text`` with the runs of words that match a hint written as the hint."""
    phrases = sorted((tuple(h.split()) for h in hints), key=len, reverse=True)
    words, out, i = text.split(), [], 0
    while i < len(words):
        for phrase in phrases:
            run = words[i:i + len(phrase)]
            if len(run) == len(phrase) and _matches(run, phrase):
                trailing = _EDGE.match(run[-1]).group(3)
                out.append(" ".join(phrase) + trailing)
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def mask_profanity(text: str) -> str:
    """Each word of PROFANITY as its first letter and asterisks, punctuation kept."""
    out = []
    for word in text.split():
        before, core, after = _EDGE.match(word).groups()
        if core.lower() in PROFANITY:
            core = core[0] + "*" * (len(core) - 1)
        out.append(before + core + after)
    return " ".join(out)


def recognise(said: str, *, hints: str | None = None, profanity_filter: bool = True) -> str:
    """The transcript a speech Gather reports for the words ``said``."""
    text = apply_hints(said, parse_hints(hints))
    return mask_profanity(text) if profanity_filter else text
