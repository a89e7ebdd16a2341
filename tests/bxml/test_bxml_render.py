"""render_bxml: canonical output, and parse(render(tree)) == tree for trees generated from the
catalogue tables (every element); fuzzing shows lint never raises on malformed input."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.bxml import nodes as n
from simulator.bxml.check import lint_bxml
from simulator.bxml.diagnostics import Diagnostic
from simulator.bxml.parse import parse_bxml
from simulator.bxml.render import dump, render_bxml

# ---- strategies generated from the catalogue -------------------------------------------------

_XML_TEXT = st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co"), whitelist_characters="\t\n")
_SAFE = string.ascii_letters + string.digits + "-._~"
_PATH = st.text(_SAFE + "/?=&%", max_size=20)
_E164 = st.from_regex(r"\+[1-9][0-9]{1,14}", fullmatch=True)
_SIP = st.builds(lambda u, h: f"sip:{u}@{h}.example", st.text(_SAFE, min_size=1, max_size=10),
                 st.text(string.ascii_lowercase, min_size=1, max_size=10))


def _url(schemes: tuple[str, ...], relative: bool):
    absolute = st.builds(lambda s, h, p: f"{s}://{h}.example/{p}", st.sampled_from(schemes),
                         st.text(string.ascii_lowercase, min_size=1, max_size=8), _PATH)
    return absolute | st.builds(lambda p: "/" + p, _PATH) if relative else absolute


def _string(max_len: int | None, *, strip: bool = False, min_size: int = 0):
    text = st.text(_XML_TEXT, min_size=min_size, max_size=min(max_len or 40, 40))
    if strip:
        text = text.map(str.strip).filter(lambda s: len(s) >= min_size)
    return text


def _attr_values(spec: n.AttrSpec):
    kind = spec.kind
    if kind == n.URL:
        return _url(("http", "https"), relative=True)
    if kind == n.WS_URL:
        return _url(("ws", "wss"), relative=False)
    if kind == n.METHOD:
        return st.sampled_from(["GET", "POST"])
    if kind == n.BOOL:
        return st.booleans()
    if kind == n.NUMBER:
        return st.floats(spec.lo if spec.lo is not None else 0, spec.hi if spec.hi is not None
                         else 1e6, allow_nan=False, allow_infinity=False)
    if kind == n.INT:
        return st.integers(int(spec.lo or 0), int(spec.hi or 1000))
    if kind == n.ENUM:
        return st.sampled_from(spec.choices)
    if kind == n.DTMF_SET:
        return st.text("0123456789*#ABCDabcd", max_size=4)
    if kind == n.CALLER_ID:
        return _E164 | st.sampled_from(n.CALLER_ID_WORDS)
    if kind == n.DESTINATION:
        return _E164 | _SIP
    if kind == n.UUI:   # RFC 7433 values with an allowed encoding (values.uui_problem)
        value = st.builds(lambda d, e: f"{d};encoding={e}", st.text(_SAFE, min_size=1, max_size=20),
                          st.sampled_from(n.UUI_ENCODINGS))
        return st.lists(value, min_size=1, max_size=3).map(",".join)
    if kind == n.LANGUAGES:   # one dialect per language (values.languages_problem)
        return st.sets(st.sampled_from(["en", "es", "fr", "de"]), min_size=1).map(
            lambda langs: ",".join(f"{lang}-US" for lang in sorted(langs)))
    if kind == n.LANGUAGE:
        return st.sampled_from(["en-US", "es-MX", "fr-CA", "de"])
    if kind == n.DISPLAY_NAME:
        return _string(spec.max_len).filter(lambda s: "\t" not in s and "\n" not in s)
    return _string(spec.max_len)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_WORDS = st.text(string.ascii_letters + string.digits + " &<>'\".,!é", min_size=1, max_size=20)
_SSML = st.builds(
    lambda a, pause, b: (_escape(a.strip()) + (f' <break time="{pause}ms"/> {_escape(b.strip())}'
                                               if pause is not None else "")).strip(),
    _WORDS.filter(str.strip), st.none() | st.integers(0, 10000), _WORDS.filter(str.strip))


def _text_values(spec: n.TextSpec):
    return {
        n.SSML: _SSML,
        n.URL: _url(("http", "https"), relative=True),
        n.E164: _E164,
        n.SIP_URI: _SIP,
        n.DTMF_STRING: st.text("0123456789*#ABCDabcd,wW", min_size=1, max_size=50),
        n.CONF_NAME: st.text(_SAFE[:-1], min_size=1, max_size=100),
        n.NONBLANK: st.text(_SAFE, min_size=1, max_size=40),
        n.STRING: _string(spec.max_len, strip=True),
    }[spec.kind]


# Cross-field rules the tables cannot express (check.py): keep generated trees valid.
_OVERRIDES = {
    (n.Gather, "repeat_count"): st.integers(1, 6),
    (n.Transfer, "transfer_caller_display_name"): st.none() | st.sampled_from(n.CALLER_ID_WORDS),
    (n.Forward, "caller_display_name"): st.none() | st.sampled_from(n.CALLER_ID_WORDS),
}


def node_strategy(cls: type[n.Node]):
    spec = n.element_spec(cls)
    fields = {}
    for attr in spec.attrs.values():
        field, a = attr
        values = _OVERRIDES.get((cls, field), _attr_values(a))
        fields[field] = st.just(a.default) | values if not a.required else values
    if spec.text is not None:
        fields[spec.text[0]] = _text_values(spec.text[1])
    if spec.children is not None and cls is not n.Response:
        field, children = spec.children
        fields[field] = st.lists(st.one_of([node_strategy(n.CATALOGUE[c]) for c in children.allowed]),
                                 min_size=children.lo, max_size=min(children.hi or 3, 3))
    return st.builds(cls, **fields)


VERB_STRATEGIES = {name: node_strategy(n.CATALOGUE[name]) for name in n.VERB_NAMES}
TREES = st.builds(lambda root, verbs: n.Response(root=root, verbs=verbs),
                  st.sampled_from(n.ROOT_NAMES),
                  st.lists(st.one_of(list(VERB_STRATEGIES.values())), max_size=6))

_FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("verb", n.VERB_NAMES)
@_FAST
@given(data=st.data())
def test_render_then_parse_gives_the_same_tree_for_every_verb(verb, data):
    tree = n.Response(verbs=[data.draw(VERB_STRATEGIES[verb])])
    text = render_bxml(tree)
    assert parse_bxml(text) == tree, text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES)
def test_render_then_parse_gives_the_same_tree_for_whole_documents(tree):
    text = render_bxml(tree)
    assert parse_bxml(text) == tree
    assert render_bxml(parse_bxml(text)) == text     # canonical: a fixed point


# ---- canonical form --------------------------------------------------------------------------

def test_canonical_form_declaration_order_defaults_and_escaping():
    tree = n.Response(verbs=(
        n.Record(max_duration=60.0, terminating_digits="*", record_complete_url="/rc?a=1&b=2",
                 tag='say "hi"'),
        n.SpeakSentence(text='Tom &amp; Jerry <break time="1s"/>', voice="julie"),
        n.Transfer(targets=(n.PhoneNumber(number="+15555550123"),)),
        n.Tag(value=""),
    ))
    assert render_bxml(tree) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Response>\n"
        '  <Record recordCompleteUrl="/rc?a=1&amp;b=2" tag="say &quot;hi&quot;" '
        'terminatingDigits="*"/>\n'
        '  <SpeakSentence voice="julie">Tom &amp; Jerry <break time="1s"/></SpeakSentence>\n'
        "  <Transfer>\n"
        "    <PhoneNumber>+15555550123</PhoneNumber>\n"
        "  </Transfer>\n"
        "  <Tag/>\n"
        "</Response>\n")


def test_numbers_are_never_written_in_exponent_form():
    text = render_bxml(n.Response(verbs=(n.Gather(speech_timeout=1e-7), n.Pause(duration=86400.0))))
    assert 'speechTimeout="0.0000001"' in text and 'duration="86400"' in text


def test_empty_roots_and_single_elements():
    assert render_bxml(n.Response(root="Bxml")).endswith("<Bxml/>\n")
    assert render_bxml(n.Hangup()) == "<Hangup/>\n"


def test_dump_shows_non_default_fields_and_lines():
    tree = parse_bxml("<Response>\n<Pause duration='2'/></Response>")
    assert dump(tree) == "Response()  # line 1\n  Pause(duration=2.0)  # line 2"


# ---- fuzzing: no traceback for any input -------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_lint_never_raises_on_arbitrary_bytes(data):
    assert all(isinstance(d, Diagnostic) for d in lint_bxml(data))


_VALID = render_bxml(n.Response(verbs=(
    n.Gather(gather_url="/g", prompts=(n.SpeakSentence(text='Hi <break time="1s"/> there'),)),
    n.Transfer(targets=(n.SipUri(uri="sip:a@b.example"),)), n.Record(record_complete_url="/rc"))))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_VALID)), st.integers(0, 5), _string(6)), max_size=4))
def test_lint_never_raises_on_mutated_documents(edits):
    text = _VALID
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut:]
    diagnostics = lint_bxml(text)
    assert all(d.line >= 0 and d.col >= 0 for d in diagnostics)
