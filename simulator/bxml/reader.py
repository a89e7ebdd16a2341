"""Secure XML reading and the generic XML -> node builder, with diagnostics and positions.

``read(text, roots=...) -> (Response | None, list[Diagnostic])``. Security (design/ecosystem.md,
"lxml: the parser to use"): bytes go to a fresh lxml parser with entities unresolved, no DTD
loading, no network, default size/depth limits; any DOCTYPE is refused before parsing (BX004),
so DTDs, external entities and entity bombs never reach libxml2's entity code. Documents over
64 KB are refused unparsed (BX002).

Positions: lxml gives only the line where a start tag *ends*, so start tags are located by one
regex pass over the decoded text (comments, CDATA and PIs skipped): the k-th start tag in the
text is the k-th element of ``root.iter()``.
"""

from __future__ import annotations

import bisect
import codecs
import re
from difflib import get_close_matches

from lxml import etree

from simulator.bxml import nodes as n
from simulator.bxml.diagnostics import Diagnostic
from simulator.bxml.ssml import ssml_problems
from simulator.bxml.values import convert_attr, convert_text

MAX_BYTES = 64 * 1024
_PARSER_KW = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                  remove_comments=True, remove_pis=True)
_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_STR_DECL = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._-]+)([\"'])")
_START_TAGS = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<([^\s/>!?][^\s/>]*)", re.S)
_SYNTAX_SUFFIX = re.compile(r",\s*line \d+, column \d+\s*$")
# Conference: the docs' attribute table spells callbackTimeout as calbackTimeout (spec §7.3).
ALIASES = {("Conference", "calbackTimeout"): "callbackTimeout"}


class Locator:
    """Line/column of start tags and attributes in the document text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tag_offsets = [m.start() for m in _START_TAGS.finditer(text) if m.group(1)]
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def element(self, index: int, fallback_line: int) -> tuple[int, int]:
        if index < len(self.tag_offsets):
            return self.position(self.tag_offsets[index])
        return fallback_line or 0, 0

    def attribute(self, index: int, name: str, fallback: tuple[int, int]) -> tuple[int, int]:
        if index >= len(self.tag_offsets):
            return fallback
        start = self.tag_offsets[index]
        end = self.tag_offsets[index + 1] if index + 1 < len(self.tag_offsets) else len(self.text)
        match = re.compile(r"\s(" + re.escape(name) + r")\s*=").search(self.text, start, end)
        return self.position(match.start(1)) if match else fallback


def _to_bytes(text: str | bytes) -> bytes:
    if isinstance(text, bytes):
        return text
    # lxml refuses a str with an encoding declaration; the str is re-encoded as UTF-8, so the
    # declaration must say so.
    return _STR_DECL.sub(lambda m: m.group(1) + "UTF-8" + m.group(3), text, count=1).encode(
        "utf-8", errors="surrogatepass")


def _decode(data: bytes) -> str:
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    declared = _DECL.match(data)
    try:
        return data.decode(declared.group(1).decode() if declared else "utf-8", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _line_of(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    return before.count(b"\n") + 1, offset - (before.rfind(b"\n") + 1) + 1


def parse_xml(text: str | bytes, file: str | None) -> tuple[etree._Element | None, Locator | None,
                                                          list[Diagnostic]]:
    """The lxml root of a BXML document, or the document-level diagnostics (BX0xx)."""
    try:
        data = _to_bytes(text)
    except UnicodeError as exc:
        return None, None, [Diagnostic.make("BX005", f"text cannot be encoded: {exc}", 1, 1, file)]
    if len(data) > MAX_BYTES:
        return None, None, [Diagnostic.make(
            "BX002", f"document is {len(data)} bytes; BXML documents are limited to 64 KB "
                     f"({MAX_BYTES} bytes)", 1, 1, file)]
    if not data.strip():
        return None, None, [Diagnostic.make("BX003", "document is empty; expected <Response>",
                                            1, 1, file)]
    for marker in (b"<!DOCTYPE", b"<!ENTITY"):
        at = data.find(marker)
        if at >= 0:
            line, col = _line_of(data, at)
            return None, None, [Diagnostic.make(
                "BX004", "DOCTYPE and entity declarations are not allowed in BXML (refused "
                         "unparsed: no DTD, no entities, no network)", line, col, file)]
    parser = etree.XMLParser(**_PARSER_KW)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = _SYNTAX_SUFFIX.sub("", exc.msg or str(exc))
        line, col = exc.position if exc.position else (exc.lineno or 1, 1)
        low = message.lower()
        if "encoding" in low or "utf-8" in low or "utf-16" in low or "bytes" in low:
            return None, None, [Diagnostic.make("BX005", f"bad character encoding: {message}",
                                                line or 1, col or 1, file)]
        if "entity" in low or "dtd" in low:
            return None, None, [Diagnostic.make("BX004", f"refused: {message}", line or 1,
                                                col or 1, file)]
        return None, None, [Diagnostic.make("BX001", f"not well-formed XML: {message}",
                                            line or 1, col or 1, file)]
    except (ValueError, LookupError) as exc:   # e.g. unknown codec names on some lxml builds
        return None, None, [Diagnostic.make("BX005", f"bad character encoding: {exc}", 1, 1, file)]
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:   # e.g. hidden in UTF-16 text
        return None, None, [Diagnostic.make("BX004", "DOCTYPE is not allowed in BXML", 1, 1, file)]
    return root, Locator(_decode(data)), []


class Builder:
    """Turns an lxml tree into nodes, collecting element/attribute/text diagnostics."""

    def __init__(self, root: etree._Element, locator: Locator, file: str | None) -> None:
        self.locator = locator
        self.file = file
        self._keep = list(root.iter())   # keeps the proxies alive, so each id() stays unique
        self.index = {id(el): i for i, el in enumerate(self._keep)}
        self.diagnostics: list[Diagnostic] = []

    def where(self, el: etree._Element) -> tuple[int, int]:
        return self.locator.element(self.index.get(id(el), 1 << 30), el.sourceline or 0)

    def add(self, code: str, message: str, pos: tuple[int, int]) -> None:
        self.diagnostics.append(Diagnostic.make(code, message, pos[0], pos[1], self.file))

    def build_root(self, root: etree._Element, roots: tuple[str, ...]) -> n.Response | None:
        tag = root.tag if isinstance(root.tag, str) else ""
        if tag not in roots:
            hint = get_close_matches(tag, roots, n=1)
            more = f"; did you mean <{hint[0]}>?" if hint else ""
            self.add("BX006", f"root element must be {' or '.join(f'<{r}>' for r in roots)}, "
                              f"got <{tag}>{more}", self.where(root))
            return None
        return self.build(root, n.Response)

    def build(self, el: etree._Element, cls: type[n.Node]) -> n.Node:
        name = el.tag
        spec = n.element_spec(cls)
        pos = self.where(el)
        kwargs: dict[str, object] = {}
        index = self.index.get(id(el), 1 << 30)
        for attr_name, raw in el.attrib.items():
            entry = spec.attrs.get(attr_name)
            if entry is None or (name, attr_name) in ALIASES:
                entry = self._odd_attribute(el, attr_name, spec, index, pos)
                if entry is None:
                    continue
            value, problems = _convert(entry[1], raw)
            for code, message in problems:   # positions are looked up only when needed
                self.add(code, f"<{name}> {message}",
                         self.locator.attribute(index, attr_name, pos))
            kwargs[entry[0]] = value
        for attr_spec in _required(spec):
            if attr_spec.xml not in el.attrib:
                self.add("BX202", f"<{name}> needs the attribute {attr_spec.xml!r}", pos)
        if spec.text is not None:
            self._text(el, spec.text, kwargs, pos)
        elif (el.text or "").strip() or any((c.tail or "").strip() for c in el):
            self.add("BX105", f"<{name}> takes no text content, got "
                              f"{' '.join(''.join(_own_text(el)).split())[:40]!r}", pos)
        if spec.children is not None:
            kwargs[spec.children[0]] = self._children(el, spec.children[1])
        elif spec.text is None or spec.text[1].kind != n.SSML:
            for child in el:
                self._misplaced(name, child, ())
        if cls is n.Response:
            kwargs["root"] = name
        return cls(**kwargs, line=pos[0], col=pos[1])

    def _odd_attribute(self, el: etree._Element, attr_name: str, spec: n.ElementSpec,
                       index: int, pos: tuple[int, int]) -> tuple[str, n.AttrSpec] | None:
        """An alias (warned, then read as its target) or an unknown attribute (None)."""
        name = el.tag
        apos = self.locator.attribute(index, attr_name, pos)
        alias = ALIASES.get((name, attr_name))
        if alias is None:
            self._unknown_attribute(name, attr_name, spec, apos)
            return None
        if alias in el.attrib:
            self.add("BX205", f"<{name}> has both {attr_name!r} and {alias!r}", apos)
            return None
        self.add("BX405", f"{attr_name!r} is read as {alias!r} (spelling of the docs table; "
                          f"the SDK writes {alias!r})", apos)
        return spec.attrs[alias]

    def _unknown_attribute(self, name: str, attr_name: str, spec: n.ElementSpec,
                           pos: tuple[int, int]) -> None:
        label = attr_name.split("}")[-1]
        known = list(spec.attrs)
        hint = ([k for k in known if k.lower() == label.lower()]
                or get_close_matches(label, known, n=1, cutoff=0.6))
        if hint:
            more = f"; did you mean {hint[0]!r}?"
        elif known:
            more = f"; expected one of {', '.join(known)}"
        else:
            more = f"; <{name}> has no attributes"
        self.add("BX201", f"<{name}> has no attribute {label!r}{more}", pos)

    def _text(self, el: etree._Element, text_spec: tuple[str, n.TextSpec],
              kwargs: dict[str, object], pos: tuple[int, int]) -> None:
        field, spec = text_spec
        if spec.kind == n.SSML:
            markup = _escape(el.text or "") + "".join(
                etree.tostring(child, encoding="unicode", with_tail=True) for child in el)
            for child, code, message in ssml_problems(el):
                self.add(code, f"<SpeakSentence> {message}", self.where(child))
            if not "".join(el.itertext()).strip() and not len(el):
                self.add("BX106", "<SpeakSentence> needs text content (the sentence to speak)", pos)
            kwargs[field] = markup.strip()
            return
        value, problems = convert_text(el.tag, spec, "".join(_own_text(el)))
        for code, message in problems:
            self.add(code, message, pos)
        kwargs[field] = value

    def _children(self, el: etree._Element, spec: n.ChildSpec) -> tuple[n.Node, ...]:
        built = []
        for child in el:
            if self._misplaced(el.tag, child, spec.allowed):
                continue
            built.append(self.build(child, n.CATALOGUE[child.tag]))
        count = len(built)
        if count < spec.lo or (spec.hi is not None and count > spec.hi):
            allowed = " or ".join(f"<{a}>" for a in spec.allowed)
            if spec.hi is None:
                wanted = f"at least {spec.lo}"
            elif spec.lo == spec.hi:
                wanted = f"exactly {spec.lo}"
            else:
                wanted = f"{spec.lo} to {spec.hi}"
            self.add("BX104", f"<{el.tag}> needs {wanted} {allowed} element(s), got {count}",
                     self.where(el))
        return tuple(built)

    def _misplaced(self, parent: str, child: etree._Element, allowed: tuple[str, ...]) -> bool:
        """Report a child that cannot be built here; True when it was reported."""
        tag = child.tag
        if not isinstance(tag, str):
            return True
        if tag in allowed:
            return False
        pos = self.where(child)
        if tag not in n.CATALOGUE:
            pool = list(allowed) or list(n.CATALOGUE)
            hint = (get_close_matches(tag, pool, n=1, cutoff=0.6)
                    or get_close_matches(tag, list(n.CATALOGUE), n=1, cutoff=0.6))
            more = f"; did you mean <{hint[0]}>?" if hint else ""
            self.add("BX101", f"unknown element <{_local(tag)}> in <{parent}>{more}", pos)
        else:
            where = (f"; allowed: {', '.join(f'<{a}>' for a in allowed)}" if allowed
                     else f"; <{parent}> has no child elements")
            self.add("BX102", f"<{tag}> is not allowed inside <{parent}>{where}", pos)
        return True


_CONVERTED: dict[tuple[int, str], tuple[object, list]] = {}
_REQUIRED: dict[int, list[n.AttrSpec]] = {}


def _convert(spec: n.AttrSpec, raw: str) -> tuple[object, list]:
    """``convert_attr`` memoised on (spec, raw): documents repeat values (POST, true, URLs).
    The specs are module constants, so their ids are stable; the cache is bounded."""
    key = (id(spec), raw)
    hit = _CONVERTED.get(key)
    if hit is None:
        if len(_CONVERTED) > 4096:
            _CONVERTED.clear()
        hit = _CONVERTED[key] = convert_attr(spec, raw)
    return hit


def _required(spec: n.ElementSpec) -> list[n.AttrSpec]:
    found = _REQUIRED.get(id(spec))
    if found is None:
        found = _REQUIRED[id(spec)] = [a for _, a in spec.attrs.values() if a.required]
    return found


def _own_text(el: etree._Element) -> list[str]:
    return [el.text or ""] + [c.tail or "" for c in el]


def _local(tag: str) -> str:
    return tag.split("}")[-1] if tag.startswith("{") else tag


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def read(text: str | bytes, *, file: str | None = None,
         roots: tuple[str, ...] = n.ROOT_NAMES) -> tuple[n.Response | None, list[Diagnostic]]:
    """Parse and build; the tree is ``None`` only when the document itself is unusable."""
    root, locator, diagnostics = parse_xml(text, file)
    if root is None:
        return None, diagnostics
    builder = Builder(root, locator, file)
    tree = builder.build_root(root, roots)
    return tree, builder.diagnostics
