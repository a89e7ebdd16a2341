"""Secure XML reading and positions; ``read`` hands the tree to the builder (build.py).

``read(text, roots=...) -> (Response | None, list[Diagnostic])``. Security (design/ecosystem.md,
"lxml: the parser to use"): bytes go to a fresh lxml parser with entities unresolved, no DTD
loading, no network, default size/depth limits; any DOCTYPE is refused before parsing (BX004),
so DTDs, external entities and entity bombs never reach libxml2's entity code. Documents over
64 KB are refused unparsed (BX002).

Positions: lxml gives only the line where a start tag *ends*, so start tags are located by one
regex pass over the decoded text (comments, CDATA and PIs skipped): the k-th start tag in the
text is the k-th element of ``root.iter()``. The scan runs on first use only: nodes resolve
``line``/``col`` lazily (nodes.py), and the builder asks only when it reports a diagnostic.
"""

from __future__ import annotations

import bisect
import codecs
import itertools
import re
from collections.abc import Iterator

from lxml import etree

from simulator.bxml import nodes as n
from simulator.bxml.build import Builder
from simulator.bxml.diagnostics import Diagnostic

MAX_BYTES = 64 * 1024
PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                  remove_comments=True, remove_pis=True)
_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_STR_DECL = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._-]+)([\"'])")
_START_TAGS = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<([^\s/>!?][^\s/>]*)", re.S)
_PLAIN_START_TAG = re.compile(r"<[^\s/>!?]")
_TAG_NAME = re.compile(r"<[^\s/>]*")
# One attribute of a start tag (the document is well-formed XML, so values are quoted).
_ATTRIBUTE = re.compile(r"\s+([^\s=/>]+)\s*=\s*(?:\"[^\"]*\"|'[^']*')")
_SYNTAX_SUFFIX = re.compile(r",\s*line \d+, column \d+\s*$")


class Locator:
    """Line/column of elements and attributes in the document text, found on first use.

    ``element(index)`` is the position of the index-th element in document order (the order of
    ``root.iter()``, which the builder follows). The text is scanned only as far as a lookup
    needs, and the lxml root is kept until the scan ends: an element whose start tag the scan
    cannot find (never expected) takes lxml's ``sourceline``.
    """

    def __init__(self, data: bytes, root: etree._Element | None = None) -> None:
        self._data: bytes | None = data
        self._text: str | None = None
        self.root = root
        self._offsets: list[int] = []
        self._done = False   # the scan reached the end of the text
        self._scan: Iterator[re.Match] | None = None
        self._line_starts: list[int] | None = None
        self._lookups = 0
        self._fallback: dict[int, int] = {}
        self._attributes: dict[int, dict[str, int]] = {}   # element index -> name -> offset

    @property
    def text(self) -> str:
        """The decoded document (decoded on first use)."""
        if self._text is None:
            self._text, self._data = _decode(self._data or b""), None
        return self._text

    def offset(self, index: int) -> int | None:
        """Text offset of the index-th start tag; the text is scanned only as far as needed."""
        offsets = self._offsets
        if index >= len(offsets) and not self._done:
            if self._scan is None:
                text = self.text
                # Comments, CDATA and PIs may hide a '<tag'; only the declaration starts a '<?'.
                if "<!" in text or text.find("<?", 1) >= 0 or (
                        text.startswith("<?") and not text.startswith(("<?xml ", "<?xml\t",
                                                                       "<?xml\n", "<?xml\r"))):
                    self._scan = (m for m in _START_TAGS.finditer(text) if m.group(1))
                else:   # the common case: a literal-prefix scan, several times faster
                    self._scan = _PLAIN_START_TAG.finditer(text)
            offsets.extend(m.start() for m in itertools.islice(
                self._scan, index + 1 - len(offsets) + 64))
            if index >= len(offsets):   # scan exhausted
                if self.root is not None:
                    extra = itertools.islice(self.root.iter(), len(offsets), None)
                    self._fallback = {len(offsets) + i: el.sourceline or 0
                                      for i, el in enumerate(extra)}
                self.root = self._scan = None
                self._done = True
        return offsets[index] if index < len(offsets) else None

    def position(self, offset: int) -> tuple[int, int]:
        text = self.text
        self._lookups += 1
        if self._line_starts is None and self._lookups <= 8 and "\r" not in text:
            # a few lookups (diagnostics): count in C rather than index every line
            return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def element(self, index: int) -> tuple[int, int]:
        """(line, col) of the index-th element in document order."""
        offset = self.offset(index)
        if offset is not None:
            return self.position(offset)
        return self._fallback.get(index, 0), 0

    def attribute(self, index: int, name: str) -> tuple[int, int]:
        """Where attribute ``name`` of the index-th element is written (else the element)."""
        start = self.offset(index)
        if start is not None:
            if index not in self._attributes:   # one pass over the start tag: linear in it
                self._attributes[index] = self._start_tag_attributes(start)
            offset = self._attributes[index].get(name)
            if offset is not None:
                return self.position(offset)
        return self.element(index)

    def _start_tag_attributes(self, start: int) -> dict[str, int]:
        """Offset of each attribute name written in the start tag beginning at ``start``."""
        text, found = self.text, {}
        tag = _TAG_NAME.match(text, start)
        at = tag.end() if tag else start
        while (match := _ATTRIBUTE.match(text, at)) is not None:
            found.setdefault(match.group(1), match.start(1))
            at = match.end()
        return found

    def __getstate__(self) -> dict[str, object]:
        # Pickled nodes keep their positions: finish the scan, drop the (unpicklable) lxml tree.
        while not self._done:
            self.offset(len(self._offsets))
        return {**self.__dict__, "_scan": None}


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
    if not data or data.isspace():
        return None, None, [Diagnostic.make("BX003", "document is empty; expected <Response>",
                                            1, 1, file)]
    for marker in (b"<!DOCTYPE", b"<!ENTITY") if b"!" in data else ():   # "!": one memchr
        at = data.find(marker)
        if at >= 0:
            line, col = _line_of(data, at)
            return None, None, [Diagnostic.make(
                "BX004", "DOCTYPE and entity declarations are not allowed in BXML (refused "
                         "unparsed: no DTD, no entities, no network)", line, col, file)]
    parser = etree.XMLParser(**PARSER_OPTIONS)
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
    return root, Locator(data, root), []


def read(text: str | bytes, *, file: str | None = None, roots: tuple[str, ...] = n.ROOT_NAMES,
         strict: bool = True) -> tuple[n.Response | None, list[Diagnostic]]:
    """Parse and build; the tree is ``None`` only when the document itself is unusable.
    ``strict=False``: unknown attributes and out-of-range optional values are warnings."""
    root, locator, diagnostics = parse_xml(text, file)
    if root is None:
        return None, diagnostics
    builder = Builder(locator, file, strict=strict)
    tree = builder.build_root(root, roots)
    return tree, builder.diagnostics
