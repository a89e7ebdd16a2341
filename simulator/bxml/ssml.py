"""SSML inside ``<SpeakSentence>``: the allowed tags (spec §3.1) and speech timing parts.

``spoken_parts(text)`` turns a ``SpeakSentence.text`` (inner markup, XML-escaped) into the
sequence the engine times: text runs (``str``, entities decoded, whitespace collapsed) and
pauses in seconds (``float``). ``ssml_problems(element)`` validates the SSML children of an
lxml ``SpeakSentence`` element against the table below (memoised per distinct element).

Pause lengths for ``<break strength=...>`` and the boundaries of ``<s>``/``<p>`` are not
documented by Bandwidth; they follow Amazon Polly (the engine behind the voices), where
``none``/``x-weak`` add no pause, ``weak``/``medium`` a comma-sized one, ``strong`` a sentence
break and ``x-strong`` a paragraph break (inferred values below).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from difflib import get_close_matches

from lxml import etree

BREAK_STRENGTH_SECONDS = {"none": 0.0, "x-weak": 0.0, "weak": 0.4, "medium": 0.4,
                          "strong": 0.75, "x-strong": 1.25}
SENTENCE_PAUSE = BREAK_STRENGTH_SECONDS["strong"]      # after </s>
PARAGRAPH_PAUSE = BREAK_STRENGTH_SECONDS["x-strong"]   # after </p>
MAX_BREAK_SECONDS = 10.0

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGS = ("arb", "cmn-CN", "da-DK", "nl-NL", "en-AU", "en-GB", "en-IN", "en-US", "fr-FR", "fr-CA",
         "hi-IN", "de-DE", "is-IS", "it-IT", "ja-JP", "ko-KR", "nb-NO", "pl-PL", "pt-BR", "pt-PT",
         "ro-RO", "ru-RU", "es-ES", "es-MX", "es-US", "sv-SE", "tr-TR", "cy-GB")
_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)\s*$", re.ASCII)
_PERCENT = re.compile(r"^[+-]?\d+(\.\d+)?%$", re.ASCII)
_POSITIVE_PERCENT = re.compile(r"^\+?\d+(\.\d+)?%$", re.ASCII)
_DECIBEL = re.compile(r"^[+-]\d+(\.\d+)?dB$", re.ASCII)


def _one_of(*values: str):
    return lambda v: v in values, "one of " + ", ".join(values)


def _break_time(value: str) -> float | None:
    match = _TIME.match(value)
    if not match:
        return None
    seconds = float(match.group(1)) / (1000.0 if match.group(2) == "ms" else 1.0)
    return seconds if seconds <= MAX_BREAK_SECONDS else None


#: tag -> attribute -> (predicate, expected-text). Attributes not listed are refused.
SSML_TAGS: dict[str, dict[str, tuple]] = {
    "break": {"strength": _one_of(*BREAK_STRENGTH_SECONDS),
              "time": (lambda v: _break_time(v) is not None, "a time such as 500ms or 1s, max 10s")},
    "emphasis": {"level": _one_of("strong", "moderate", "reduced")},
    "lang": {_XML_LANG: _one_of(*LANGS)},
    "p": {},
    "phoneme": {"ph": (bool, "an IPA string"), "alphabet": _one_of("ipa", "x-sampa")},
    "prosody": {
        "pitch": (lambda v: v in ("x-low", "low", "medium", "high", "x-high", "default")
                  or bool(_PERCENT.match(v)), "x-low, low, medium, high, x-high, default or +-N%"),
        "rate": (lambda v: v in ("x-slow", "slow", "medium", "fast", "x-fast")
                 or bool(_POSITIVE_PERCENT.match(v)), "x-slow, slow, medium, fast, x-fast or N%"),
        "volume": (lambda v: v in ("silent", "x-soft", "soft", "medium", "loud", "x-loud", "default")
                   or bool(_DECIBEL.match(v)), "silent, x-soft, ..., x-loud, default or +-NdB"),
    },
    "s": {},
    "say-as": {"interpret-as": _one_of("date", "time", "telephone", "characters", "cardinal",
                                       "ordinal"),
               "format": _one_of("mdy", "dmy", "ymd", "md", "dm", "ym", "my", "d", "m", "y")},
    "sub": {"alias": (bool, "the text to speak")},
}
_REQUIRED = {"lang": _XML_LANG, "phoneme": "ph", "say-as": "interpret-as", "sub": "alias"}


def _attr_label(name: str) -> str:
    return "xml:lang" if name == _XML_LANG else name


def ssml_problems(element: etree._Element, descendants: list[etree._Element] | None = None,
                  ) -> list[tuple[etree._Element, str, str]]:
    """``(element, code, message)`` for each SSML child of a SpeakSentence that the spec does
    not allow (BX301 element, BX302 attribute, BX303 value), in document order.
    ``descendants``: ``list(element.iterdescendants())`` when the caller already has it."""
    found = []
    for child in element.iterdescendants() if descendants is None else descendants:
        for code, message in _problems_of(child):
            found.append((child, code, message))
    return found


def markup_problems(element: etree._Element, markup: str,
                    ) -> tuple[int, list[tuple[int, str, str]]]:
    """``ssml_problems`` from the serialized inner markup of ``element`` (``SpeakSentence.text``
    before trimming): ``(number of descendants, [(k, code, message)])``, k being the offender's
    index among ``element.iterdescendants()``. A start tag seen before is judged from its text
    alone (the serializer writes equal elements identically, and ``>`` in attribute values as
    ``&gt;``); the lxml elements are only read for new ones, or when namespaces are declared
    (a prefix can mean different namespaces in different places)."""
    tags = _START_TAG_TEXT.findall(markup)
    by_text = "xmlns" not in markup
    found: list[tuple[int, str, str]] = []
    descendants = None
    for k, start in enumerate(tags):
        problems = _BY_START_TAG.get(start) if by_text else None
        if problems is None:
            if descendants is None:
                descendants = list(element.iterdescendants())
            problems = _problems_of(descendants[k])
            if by_text:
                if len(_BY_START_TAG) >= 1024:
                    _BY_START_TAG.clear()
                _BY_START_TAG[start] = problems
        if problems:
            found.extend((k, code, message) for code, message in problems)
    return len(tags), found


_START_TAG_TEXT = re.compile(r"<[^/][^>]*>")
# Memos (bounded; documents repeat the same few SSML elements): serialized start tag ->
# problems, and (tag, *attribute items) -> problems.
_BY_START_TAG: dict[str, tuple[tuple[str, str], ...]] = {}
_CHECKED: dict[tuple, tuple[tuple[str, str], ...]] = {}


def _problems_of(child: etree._Element) -> tuple[tuple[str, str], ...]:
    tag = child.tag
    if not isinstance(tag, str):
        return ()
    key = (tag, *child.items())
    problems = _CHECKED.get(key)
    if problems is None:
        if len(_CHECKED) >= 1024:
            _CHECKED.clear()
        problems = _CHECKED[key] = tuple(_element_problems(tag, key[1:]))
    return problems


def _element_problems(tag: str, items: tuple[tuple[str, str], ...]) -> Iterator[tuple[str, str]]:
    allowed = SSML_TAGS.get(tag)
    if allowed is None:
        hint = get_close_matches(str(tag), SSML_TAGS, n=1)
        yield "BX301", (f"<{tag}> is not an SSML element allowed in <SpeakSentence>"
                        + (f"; did you mean <{hint[0]}>?" if hint else
                           f"; expected one of {', '.join(SSML_TAGS)}"))
        return
    attrib = dict(items)
    for name, value in items:
        rule = allowed.get(name)
        if rule is None:
            yield "BX302", (f"<{tag}> has no attribute {_attr_label(name)!r}; "
                            f"expected {', '.join(map(_attr_label, allowed)) or 'none'}")
        elif not rule[0](value):
            yield "BX303", f"<{tag} {_attr_label(name)}> must be {rule[1]}, got {value!r}"
    required = _REQUIRED.get(tag)
    if required and required not in attrib:
        yield "BX303", f"<{tag}> needs the attribute {_attr_label(required)!r}"
    if tag == "say-as" and attrib.get("interpret-as") == "date" and "format" not in attrib:
        yield "BX303", "<say-as interpret-as=\"date\"> needs a 'format'"


_FRAGMENT_PARSER_KW = dict(resolve_entities=False, no_network=True, load_dtd=False,
                           remove_comments=True, remove_pis=True)


def spoken_parts(text: str) -> list[str | float]:
    """Text runs and pauses (seconds) of a SpeakSentence, in speaking order.

    >>> spoken_parts('Hello <break time="500ms"/> world')
    ['Hello', 0.5, 'world']

    Adjacent runs are joined and adjacent pauses added; ``<sub alias>`` speaks its alias;
    ``<s>``/``<p>`` end with a sentence/paragraph pause. Text that is not well-formed markup
    is spoken as plain text.
    """
    try:
        root = etree.fromstring(f"<speak>{text}</speak>".encode(),
                                etree.XMLParser(**_FRAGMENT_PARSER_KW))
    except etree.XMLSyntaxError:
        return _merge([text])
    return _merge(list(_walk(root)))


def _walk(element: etree._Element) -> Iterator[str | float]:
    if element.text:
        yield element.text
    for child in element:
        if isinstance(child.tag, str):
            if child.tag == "break":
                yield _break_seconds(child)
            elif child.tag == "sub" and child.get("alias") is not None:
                yield " " + child.get("alias") + " "
            else:
                yield from _walk(child)
                if child.tag == "s":
                    yield SENTENCE_PAUSE
                elif child.tag == "p":
                    yield PARAGRAPH_PAUSE
        if child.tail:
            yield child.tail


def _break_seconds(element: etree._Element) -> float:
    time = element.get("time")
    if time is not None:
        match = _TIME.match(time)
        if match:
            seconds = float(match.group(1)) / (1000.0 if match.group(2) == "ms" else 1.0)
            return min(seconds, MAX_BREAK_SECONDS)
    return BREAK_STRENGTH_SECONDS.get(element.get("strength", "medium"),
                                      BREAK_STRENGTH_SECONDS["medium"])


def _merge(parts: list[str | float]) -> list[str | float]:
    merged: list[str | float] = []
    for part in parts:
        if isinstance(part, str):
            if merged and isinstance(merged[-1], str):
                merged[-1] += part
            else:
                merged.append(part)
        elif merged and isinstance(merged[-1], float):
            merged[-1] += part
        else:
            merged.append(float(part))
    out: list[str | float] = []
    for part in merged:
        if isinstance(part, str):
            part = " ".join(part.split())
            if not part:
                continue
            if out and isinstance(out[-1], str):   # runs split only by a dropped empty pause
                out[-1] += " " + part
                continue
        elif part == 0.0:
            continue
        elif out and isinstance(out[-1], float):
            out[-1] += part
            continue
        out.append(part)
    return out
