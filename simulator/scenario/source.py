"""Where things are in a scenario file: YAML key paths, line numbers and located problems.

``Locator`` walks the tree ``reader.py`` reads (``YamlMapping.key_lines`` and
``YamlSequence.item_lines`` keep the 1-based line of every key and item) to turn a key path
such as ``("caller", 1, "press")`` into a line. Plain dicts/lists (a scenario given as a Python
mapping) have no lines; the locator then answers the nearest known line, or 0.

``Problems`` collects every problem found in a file so the user sees all of them at once, and
raises a single ``ScenarioError`` whose message lists them, one ``file:line: $.path: ...`` each.
"""

from __future__ import annotations

import re
from typing import Iterable

import attrs

from simulator.errors import ScenarioError

PathPart = str | int
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def format_path(parts: Iterable[PathPart], root: str = "$") -> str:
    """``("caller", 1, "press")`` -> ``$.caller[1].press``; odd keys are quoted: ``$.parties["+1555"]``."""
    text = root
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif type(part) is str:
            piece = _KEY_TEXTS.get(part)
            if piece is None:
                piece = _key_text(part)
                if len(part) <= 64 and len(_KEY_TEXTS) < 4096:
                    _KEY_TEXTS[part] = piece
            text += piece
        else:  # YAML keys may be null, numbers
            text += _key_text(part)
    return text


#: How each short key seen is written in a path (the same keys in every file): memoised.
_KEY_TEXTS: dict[str, str] = {}


def _key_text(part: object) -> str:
    if isinstance(part, str) and _IDENT.match(part):
        return f".{part}"
    return f"[{part!r}]".replace("'", '"')


class Locator:
    """Answers the 1-based line of a key path below ``node`` (0 when unknown)."""

    def __init__(self, node: object, line: int = 0) -> None:
        self.node = node
        self.base_line = line

    def line(self, parts: Iterable[PathPart]) -> int:
        node, line = self.node, self.base_line
        for part in parts:
            if isinstance(node, dict):  # most parts are keys
                if part not in node:
                    break
                lines = getattr(node, "key_lines", None)
            elif isinstance(node, list):
                if not isinstance(part, int) or not 0 <= part < len(node):
                    break
                lines = getattr(node, "item_lines", None)
            else:
                break
            if lines is not None:
                line = lines[part]
            node = node[part]
        return line

    def at(self, parts: Iterable[PathPart]) -> "Locator":
        """A locator rooted further down (for parsers of sub-trees such as ``expect``)."""
        parts = list(parts)
        node = self.node
        for part in parts:
            node = node[part]
        return Locator(node, self.line(parts))


@attrs.frozen
class Problem:
    line: int
    path: str
    message: str
    expected: str | None = None
    got: str | None = None
    hint: str | None = None  # the closest known name, as written in the message ('direction')

    def render(self, file: str) -> str:
        text = f"{file}:{self.line}: {self.path}: {self.message}"
        if self.expected is not None:
            text += f"; expected {self.expected}"
        if self.got is not None:
            text += f", got {self.got}"
        if self.hint is not None:
            text += f"; did you mean {self.hint}?"
        return text


class Problems:
    """Collects problems for one file; ``raise_if_any`` turns them into one ScenarioError."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(self, line: int, path: str, message: str, *, expected: str | None = None,
            got: str | None = None, hint: str | None = None) -> None:
        self.items.append(Problem(line, path, message, expected, got, hint))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        items = sorted(self.items, key=lambda p: p.line)
        lines = [p.render(self.file) for p in items]
        first = items[0]
        where = f"{self.file}:{first.line}"
        # str(error) lists every problem, one "file:line: $.path: ..." line each
        message = "\n".join([lines[0][len(where) + 2:], *lines[1:]])
        error = ScenarioError(message, where=where)
        error.problems = lines
        raise error


def problem_lines(error: ScenarioError) -> list[str]:
    """Every ``file:line: ...`` line carried by a ScenarioError (one when built elsewhere)."""
    return list(getattr(error, "problems", None) or [str(error)])
