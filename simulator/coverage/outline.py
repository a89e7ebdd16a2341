"""The outline of one BXML document: its verbs (element path, line:col) and its Gathers' menus.

``outline(text)`` parses a document with the project's parser and lists every verb it holds,
nested Gather prompts included, in document order. A verb is named by its element path
(``/Response/Gather[1]/SpeakSentence[2]``: XPath style, the index counts siblings of the same
name), from bxml/paths.py, which the timeline's C1 ``path`` key comes from too. A document
that does not parse has no verbs and keeps the parser's first error.

``menu_keys(gather)`` is what a Gather's prompt offers the caller: the keys and numbers its
SpeakSentence text mentions ("press 1 for sales", "for billing, press two", "press star to go
back", "enter 1 2 3 4" is a number). Coverage uses them as the outcomes a Gather must see;
explore presses them (on top of every single key). PlayAudio prompts say nothing we can read.
A Gather that takes speech also expects each of its ``hints`` said (``say:sales``), since
explore speaks each; a speech-only one expects no keys (the engine ignores them there).
"""

from __future__ import annotations

import html
import re

import attrs

from simulator.bxml import nodes
from simulator.bxml.parse import parse_bxml
from simulator.bxml.paths import element_paths
from simulator.engine.recognition import parse_hints
from simulator.errors import BxmlError

#: The outcome of a Gather that ended with no key pressed.
TIMEOUT = "timeout"
#: The outcome standing for "some digits" when a Gather's prompt names no key.
ANY_INPUT = "input"
#: The outcome standing for "some speech" when a Gather taking speech has no hints.
ANY_SPEECH = "speech"
#: How a spoken outcome is named: ``say:`` and the transcript (``say:sales``). Keys, reasons
#: and ``timeout`` never hold a colon, so a spoken outcome cannot clash with them.
SAY = "say:"


@attrs.frozen
class Verb:
    """One verb of a document."""

    name: str  # the element name: Gather, SpeakSentence, ...
    path: str  # /Response/Gather[1]/SpeakSentence[1]
    line: int
    col: int
    node: nodes.Node = attrs.field(eq=False, repr=False)

    @property
    def where(self) -> str:
        return f"{self.line}:{self.col}"


@attrs.frozen
class Outline:
    verbs: tuple[Verb, ...] = ()
    error: str | None = None  # why the document does not parse (its first error)

    def at(self, line: int | None, name: str | None) -> list[Verb]:
        """The verbs named ``name`` starting on ``line`` (several when a line holds more)."""
        return [v for v in self.verbs if v.line == line and v.name == name]

    def by_path(self, path: str) -> Verb | None:
        return next((v for v in self.verbs if v.path == path), None)

    @property
    def gathers(self) -> tuple[Verb, ...]:
        return tuple(v for v in self.verbs if v.name == "Gather")


def outline(text: str | bytes, *, source: str = "<bxml>") -> Outline:
    """The verbs of a document, in document order; an unparsable one has ``error`` instead."""
    try:
        tree = parse_bxml(text, source=source, strict=False)
    except BxmlError as exc:
        first = exc.diagnostics[0] if getattr(exc, "diagnostics", None) else None
        message = (f"{first.line}:{first.col}: {first.code} {first.message}" if first is not None
                   else str(exc))
        return Outline(error=message)
    return Outline(tuple(Verb(nodes.xml_name(node), path, node.line, node.col, node)
                         for node, path in element_paths(tree) if node.KIND == "verb"))


# ---- what a Gather's prompt offers ----------------------------------------------------------

_WORDS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
          "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
          "star": "*", "asterisk": "*", "pound": "#", "hash": "#", "hashtag": "#"}
_TRIGGERS = {"press", "dial", "enter", "push", "select", "choose", "key", "option", "hit",
             "touch", "type"}
_FILLERS = {"the", "a", "number", "key", "button", "digit", "now", "sign"}
_JOINERS = {"or", "and", ","}
_TOKEN = re.compile(r"[A-Za-z]+|\d+|[*#,]")
_TAG = re.compile(r"<[^>]*>")


def prompt_text(gather: nodes.Gather) -> str:
    """The plain text the Gather's SpeakSentence prompts say (SSML tags dropped)."""
    texts = [p.text for p in gather.prompts if isinstance(p, nodes.SpeakSentence)]
    return " ".join(html.unescape(_TAG.sub(" ", t)) for t in texts)


def menu_keys(gather: nodes.Gather) -> tuple[str, ...]:
    """Keys (or numbers up to ``maxDigits`` long) the prompt offers, in order of mention.

    A token is offered when a trigger word comes before it ("press 1", "dial the number 12"),
    when it follows an offered one with "or"/"and"/"," between ("press 1, 2 or 3"), or when
    "for"/"to" follows it ("1 for sales", "2 to cancel", but not "9 to 5"). Spelled digits
    count ("press two")."""
    tokens = [t.lower() for t in _TOKEN.findall(prompt_text(gather))]
    found: list[str] = []
    previous_offered = False
    for index, token in enumerate(tokens):
        key = _WORDS.get(token, token if token.isdigit() or token in "*#" else None)
        if key is None or token == ",":
            if token not in _JOINERS and token not in _FILLERS:
                previous_offered = previous_offered and token in _JOINERS
            continue
        before = [t for t in tokens[max(0, index - 3):index] if t not in _FILLERS]
        after = tokens[index + 1:index + 3]
        # "1 for sales", "2 to cancel"; not "9 to 5"
        labelled = bool(after) and (after[0] == "for" or (
            after[0] == "to" and not (len(after) > 1 and after[1].isdigit())))
        offered = (bool(before) and before[-1] in _TRIGGERS) or labelled or \
            (previous_offered and bool(before) and before[-1] in _JOINERS)
        if offered and len(key) <= gather.max_digits and key not in found:
            found.append(key)
        previous_offered = offered
    return tuple(found)


def gather_outcomes(gather: nodes.Gather) -> tuple[str, ...]:
    """The outcomes a Gather should be seen with: timeout, and each key its prompt offers (or
    "input", some digits, when it offers none). A terminating key the prompt names ("then
    press pound") is not an outcome of a Gather taking several digits. A Gather taking speech
    adds each hint said (``say:<hint>``, or "speech", any speech, when it has no hints); a
    speech-only one (``input="speech"``) has no key outcomes."""
    outcomes = [TIMEOUT]
    if gather.input != "speech":
        keys = menu_keys(gather)
        if gather.max_digits > 1:  # "then press pound" ends an entry: not an outcome of its own
            keys = tuple(k for k in keys if k not in gather.terminating_digits)
        outcomes += keys or (ANY_INPUT,)
    if "speech" in gather.input:
        outcomes += [SAY + hint for hint in spoken_hints(gather)] or [ANY_SPEECH]
    return tuple(outcomes)


def spoken_hints(gather: nodes.Gather) -> tuple[str, ...]:
    """A speech Gather's hints as recognition writes them into a transcript: split as the
    engine splits them (engine/recognition.py ``parse_hints``), words one space apart."""
    hints = (" ".join(hint.split()) for hint in parse_hints(gather.hints))
    return tuple(dict.fromkeys(hint for hint in hints if hint))


def gather_outcome(detail: dict) -> str:
    """The outcome of one Gather run from its verb-end detail: the digits, what was said
    (``say:`` and the transcript, the engine's ``speech``), the terminating key alone,
    ``timeout``, or the end reason (``hangup``, ``redirected``...). A transcript equal to a
    hint is that hint's outcome; any other is shown, not counted."""
    digits = detail.get("digits") or ""
    if digits:
        return digits
    if detail.get("speech"):
        return SAY + detail["speech"]
    if detail.get("terminatingDigit"):
        return detail["terminatingDigit"]
    reason = detail.get("reason")
    return TIMEOUT if reason in (None, "timeout") else str(reason)
