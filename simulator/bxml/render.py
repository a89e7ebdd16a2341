"""``render_bxml``: a node tree -> canonical BXML text; ``dump`` for debugging.

Canonical form (docs/bxml.md): ``<?xml version="1.0" encoding="UTF-8"?>`` then the root;
attributes in catalogue order (the order of the spec tables in nodes.py); attributes equal to
their default and ``None`` values are omitted (the defaults are the platform's, so the meaning
is unchanged and the output is minimal); text and attribute values XML-escaped;
``SpeakSentence.text`` written as is (it is markup already); elements without content
self-closed; two-space indentation, one element per line (SpeakSentence text kept inline).
``parse_bxml(render_bxml(tree)) == tree`` for every valid tree.

A valid document (at most 64 KB) always renders within 64 KB: when the indented form would be
larger, ``render_bxml`` writes the compact form (:func:`render_compact`: no declaration, no
indentation, each text as escaped characters or one CDATA section, whichever is shorter, each
attribute in the quote needing fewer escapes), which is never longer than the document parsed.
"""

from __future__ import annotations

from xml.sax.saxutils import unescape

from simulator.bxml import nodes as n
from simulator.bxml.reader import MAX_BYTES
from simulator.bxml.values import format_attr

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def _escape_text(text: str) -> str:
    # "\r" as a reference: the parser would turn a literal one into "\n".
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _escape_attr(text: str) -> str:
    # Tabs/newlines are escaped so attribute-value normalisation cannot change them.
    return (_escape_text(text).replace('"', "&quot;").replace("\t", "&#9;")
            .replace("\n", "&#10;"))


def _compact_text(text: str) -> str:
    """Escaped characters or one CDATA section, whichever is shorter."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace("]]>", "]]&gt;")
    escaped = escaped.replace("\r", "&#13;")
    if len(escaped) <= len(text) + 12 or "\r" in text:
        return escaped
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _compact_attr(name: str, text: str) -> str:
    """``name="..."`` or ``name='...'``, whichever needs fewer escapes."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    escaped = (text.replace("&", "&amp;").replace("<", "&lt;").replace(quote, f"&#{ord(quote)};")
               .replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;"))
    return f"{name}={quote}{escaped}{quote}"


def _compact_number(text: str) -> str:
    return "." + text[2:] if text.startswith("0.") else "-." + text[3:] \
        if text.startswith("-0.") else text


def _compact(node: n.Node, out: list[str]) -> None:
    name = n.xml_name(node)
    spec = n.element_spec(type(node))
    parts = [name]
    for xml, (field, attr) in spec.attrs.items():
        value = getattr(node, field)
        if value is None or (value == attr.default and type(value) is type(attr.default)):
            continue
        text = format_attr(attr, value)
        parts.append(_compact_attr(xml, _compact_number(text) if attr.kind == n.NUMBER else text))
    head = " ".join(parts)
    text = ""
    if spec.text is not None:
        field, text_spec = spec.text
        value = getattr(node, field)
        if text_spec.kind != n.SSML:
            text = _compact_text(value)
        elif "<" in value:   # markup: written as is
            text = value
        else:                # plain text spelled with entities: its characters, shortest
            text = _compact_text(unescape(value).replace("&#13;", "\r"))
    children = getattr(node, spec.children[0]) if spec.children is not None else ()
    if children:
        out.append(f"<{head}>")
        for child in children:
            _compact(child, out)
        out.append(f"</{name}>")
    elif text:
        out.append(f"<{head}>{text}</{name}>")
    else:
        out.append(f"<{head}/>")


def render_compact(node: n.Node) -> str:
    """The compact canonical form: one line, no declaration, shortest escapes (UTF-8)."""
    out: list[str] = []
    _compact(node, out)
    return "".join(out)


def _element(node: n.Node, indent: str, out: list[str]) -> None:
    name = n.xml_name(node)
    spec = n.element_spec(type(node))
    parts = [name]
    for xml, (field, attr) in spec.attrs.items():
        value = getattr(node, field)
        if value is None or (value == attr.default and type(value) is type(attr.default)):
            continue
        parts.append(f'{xml}="{_escape_attr(format_attr(attr, value))}"')
    head = " ".join(parts)
    text = ""
    if spec.text is not None:
        field, text_spec = spec.text
        value = getattr(node, field)
        text = value if text_spec.kind == n.SSML else _escape_text(value)
    children = getattr(node, spec.children[0]) if spec.children is not None else ()
    if children:
        out.append(f"{indent}<{head}>")
        for child in children:
            _element(child, indent + "  ", out)
        out.append(f"{indent}</{name}>")
    elif text:
        out.append(f"{indent}<{head}>{text}</{name}>")
    else:
        out.append(f"{indent}<{head}/>")


def render_bxml(node: n.Node) -> str:
    """Canonical BXML for a root (``Response``) or a single element (then without a root)."""
    out = [DECLARATION] if isinstance(node, n.Response) else []
    _element(node, "", out)
    text = "\n".join(out) + "\n"
    if len(text) > MAX_BYTES // 4 and len(text.encode("utf-8")) > MAX_BYTES:
        return render_compact(node)
    return text


def dump(node: n.Node, indent: str = "") -> str:
    """A readable outline of a tree: non-default fields only, one node per line."""
    spec = n.element_spec(type(node))
    defaults = {field: attr.default for field, attr in spec.attrs.values()}
    fields = [f"{f}={getattr(node, f)!r}" for f in defaults
              if getattr(node, f) != defaults[f]]
    if spec.text is not None:
        fields.insert(0, f"{spec.text[0]}={getattr(node, spec.text[0])!r}")
    lines = [f"{indent}{n.xml_name(node)}({', '.join(fields)})  # line {node.line}"]
    if spec.children is not None:
        lines += [dump(child, indent + "  ") for child in getattr(node, spec.children[0])]
    return "\n".join(lines)
