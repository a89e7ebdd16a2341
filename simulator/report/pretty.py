"""BXML documents pretty-printed for the report's BXML pane: one element a line, long start
tags wrapped one attribute a line, each line knowing the element it starts.

``pretty_bxml(text) -> Pretty | None``: ``None`` when the text is not well-formed XML (the page
then shows it as sent). The document is read by the simulator's own secure reader
(``simulator.bxml.reader.parse_xml``), so element positions (line, col of the start tag, 1-based)
are the ones the engine reports (C1 ``line``/``col``) and element paths follow C1's
``/Response/Gather[1]/SpeakSentence[2]`` (an index among same-name siblings, ``[1]`` implied when
absent). Elements holding text (``SpeakSentence`` with its SSML, ``PhoneNumber``) stay on one
line with their content as written; elements holding only elements (``Response``, ``Gather``,
``Transfer``) put each child on a line of its own. Comments are not shown (the reader drops
them); the text as sent is shown beside the pretty form.
"""

from __future__ import annotations

import re

import attrs
from lxml import etree

from simulator.bxml.reader import parse_xml

#: A start tag longer than this (indent included) is wrapped one attribute a line.
WIDTH = 56
INDENT = 2
_DECLARATION = re.compile(r"^\s*(<\?xml[^>]*\?>)")
_INDEX = re.compile(r"\[\d+\]$")


@attrs.frozen
class Element:
    """One element of a document: its position in document order, tag, where it is written."""
    index: int
    tag: str
    line: int
    col: int
    path: str


@attrs.frozen
class Line:
    """One pretty-printed line: ``tokens`` are ``(css class, text)`` pairs (``tag``, ``attr``,
    ``value``, ``text``, ``punct``); ``element`` is the index of the element whose start tag
    begins on this line (None for closing tags, wrapped attributes and the declaration), with
    its ``tag`` and where it is written (``line``, ``col``); ``first`` says that it is the first
    element written on that line."""
    indent: int
    tokens: tuple[tuple[str, str], ...]
    element: int | None = None
    tag: str = ""
    line: int = 0
    col: int = 0
    first: bool = False


@attrs.frozen
class Pretty:
    lines: tuple[Line, ...]
    elements: tuple[Element, ...]
    _by_path: dict = attrs.field(init=False, repr=False, eq=False)
    _by_line: dict = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # lookups by path and by line stay O(1) however many verbs a long run starts
        by_line: dict[int, list[Element]] = {}
        for e in self.elements:
            by_line.setdefault(e.line, []).append(e)
        object.__setattr__(self, "_by_path", {e.path: e for e in self.elements})
        object.__setattr__(self, "_by_line", by_line)

    def find(self, path: str | None = None, line: int | None = None, col: int | None = None,
             tag: str | None = None, occurrence: int = 0) -> Element | None:
        """The element a timeline entry names: by ``path`` (C1), else by ``line`` and ``col``,
        else the ``occurrence``-th (0-based, wrapping) element named ``tag`` on ``line``."""
        if isinstance(path, str) and path:
            found = self._by_path.get(normal_path(path))
            if found is not None:
                return found
        if not isinstance(line, int) or isinstance(line, bool):
            return None
        on_line = self._by_line.get(line, [])
        if isinstance(col, int) and not isinstance(col, bool):
            found = next((e for e in on_line if e.col == col), None)
            if found is not None:
                return found
        named = [e for e in on_line if e.tag == tag] or on_line
        return named[occurrence % len(named)] if named else None


def normal_path(path: str) -> str:
    """``/Response/Gather/SpeakSentence[2]`` -> ``/Response[1]/Gather[1]/SpeakSentence[2]``."""
    steps = [s for s in path.strip().split("/") if s]
    return "".join(f"/{s}" if _INDEX.search(s) else f"/{s}[1]" for s in steps)


def pretty_bxml(text: str) -> Pretty | None:
    """The pretty form of a BXML document, or None when it is not well-formed XML."""
    root, locator, _ = parse_xml(text, None)
    if root is None or locator is None:
        return None
    elements: list[Element] = []
    indices: dict[etree._Element, int] = {}
    paths: dict[etree._Element, str] = {}
    for i, el in enumerate(root.iter()):
        if not isinstance(el.tag, str):
            continue
        parent = el.getparent()
        name = _name(el)
        same = [s for s in (parent if parent is not None else [el]) if s.tag == el.tag]
        paths[el] = (paths.get(parent, "") if parent is not None else "") + \
            f"/{name}[{same.index(el) + 1}]"
        line, col = locator.element(i)
        indices[el] = i
        elements.append(Element(i, name, line, col, paths[el]))
    lines: list[Line] = []
    declaration = _DECLARATION.match(text)
    if declaration:
        lines.append(Line(0, (("punct", declaration.group(1)),)))
    _element_lines(root, 0, indices, lines)
    by_index = {e.index: e for e in elements}
    seen: set[int] = set()
    for n, ln in enumerate(lines):
        if ln.element is not None:
            el = by_index[ln.element]
            lines[n] = attrs.evolve(ln, tag=el.tag, line=el.line, col=el.col,
                                    first=el.line not in seen)
            seen.add(el.line)
    return Pretty(tuple(lines), tuple(elements))


def _element_lines(el: etree._Element, depth: int, indices: dict, lines: list[Line]) -> None:
    children = [c for c in el if isinstance(c.tag, str)]
    has_text = bool((el.text or "").strip()) or any((c.tail or "").strip() for c in el)
    inline = has_text or not children
    name = _name(el)
    attributes = [(k if isinstance(k, str) else str(k), v) for k, v in el.attrib.items()]
    content = _inner(el) if inline else ""
    close = ("/>" if inline and not content else ">")
    after = f"{content}</{name}>" if inline and content else ""
    flat = f"<{name}" + "".join(f' {k}="{_attr(v)}"' for k, v in attributes) + close + after
    index = indices[el]
    if depth * INDENT + len(flat) <= WIDTH or len(attributes) < 2:
        tokens = [("punct", "<"), ("tag", name)]
        for k, v in attributes:
            tokens += [("punct", " "), ("attr", k), ("punct", '="'), ("value", _attr(v)),
                       ("punct", '"')]
        tokens.append(("punct", close))
        lines.append(Line(depth, tuple(tokens + _tail_tokens(content, name, after)), index))
    else:
        lines.append(Line(depth, (("punct", "<"), ("tag", name)), index))
        for n, (k, v) in enumerate(attributes):
            last = n == len(attributes) - 1
            tokens = [("attr", k), ("punct", '="'), ("value", _attr(v)), ("punct", '"')]
            if last:
                tokens.append(("punct", close))
                tokens += _tail_tokens(content, name, after)
            lines.append(Line(depth + 2, tuple(tokens)))
    if not inline:
        for child in children:
            _element_lines(child, depth + 1, indices, lines)
        lines.append(Line(depth, (("punct", "</"), ("tag", name), ("punct", ">"))))


def _tail_tokens(content: str, name: str, after: str) -> list[tuple[str, str]]:
    if not after:
        return []
    return [("text", content), ("punct", "</"), ("tag", name), ("punct", ">")]


def _inner(el: etree._Element) -> str:
    """The element's content as written (text and inline markup such as SSML), trimmed."""
    parts = [_text(el.text or "")]
    for child in el:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=False))
        parts.append(_text(child.tail or ""))
    return "".join(parts).strip()


def _name(el: etree._Element) -> str:
    local = etree.QName(el).localname
    return f"{el.prefix}:{local}" if el.prefix else local


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;")
