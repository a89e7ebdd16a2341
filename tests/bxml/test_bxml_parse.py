"""parse_bxml: valid documents (one per verb, the spec's seed examples), secure XML handling,
positions, text content and the context/roots arguments."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from simulator.bxml import nodes as n
from simulator.bxml.check import lint_bxml
from simulator.bxml.parse import parse_bxml, parse_bxml_with_warnings
from simulator.errors import BxmlError

DATA = Path(__file__).parent / "data"
VALID = sorted((DATA / "valid").glob("*.xml"))
SEEDS = json.loads((DATA / "seed_examples.json").read_text())
SPEC_DIR = Path(__file__).resolve().parents[2] / "docs" / "spec"


def _codes(text, **kw) -> list[str]:
    return [d.code for d in lint_bxml(text, **kw)]


def _walk(node):
    yield node
    spec = n.element_spec(type(node))
    if spec.children:
        for child in getattr(node, spec.children[0]):
            yield from _walk(child)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_document_parses_without_any_diagnostic(path):
    assert lint_bxml(path.read_bytes(), source=str(path)) == []
    assert isinstance(parse_bxml(path.read_bytes()), n.Response)


def test_the_valid_documents_cover_every_element_of_the_catalogue():
    seen = {n.xml_name(node) for path in VALID for node in _walk(parse_bxml(path.read_bytes()))}
    assert seen == set(n.CATALOGUE)


def _complete(seed: dict) -> bool:
    """Seed examples with elided parts (`...`, `=…`) are sketches, not documents."""
    return "..." not in seed["bxml"] and "=…" not in seed["bxml"]


@pytest.mark.parametrize("seed", [s for s in SEEDS if _complete(s)], ids=lambda s: s["source"])
def test_seed_example_from_the_spec_parses(seed):
    context = "conference" if "voice-api.md:42" in seed["source"] else "call"
    assert lint_bxml(seed["bxml"], context=context) == []


def test_seed_examples_are_the_spec_ones_and_most_are_complete():
    assert sum(map(_complete, SEEDS)) >= 10
    if SPEC_DIR.exists():
        found = []
        for spec in sorted(SPEC_DIR.glob("*.md")):
            text = spec.read_text()
            found += [m.group(0) for m in re.finditer(
                r"(?:<\?xml[^>]*\?>\s*)?<(Response|Bxml)\b[^>]*?(?:/>|>.*?</\1>)", text)]
        assert found == [s["bxml"] for s in SEEDS]


def test_tree_values_are_typed_with_defaults_applied():
    tree = parse_bxml((DATA / "valid" / "gather.xml").read_text())
    gather = tree.verbs[0]
    assert gather == n.Gather(
        gather_url="/gather", gather_method="GET", terminating_digits="#", max_digits=4,
        inter_digit_timeout=3.0, first_digit_timeout=10.0, repeat_count=3, tag="menu",
        prompts=(n.SpeakSentence(text="Please enter your PIN, then press pound."),
                 n.PlayAudio(url="https://media.example.com/beep.wav")))
    assert (gather.line, gather.col) == (2, 3)
    assert (gather.prompts[1].line, gather.prompts[1].col) == (5, 5)


def test_text_content_is_trimmed_and_empty_tag_clears():
    tree = parse_bxml((DATA / "valid" / "tag.xml").read_bytes())
    assert tree.verbs[0].value == "billing-menu"
    assert tree.verbs[2].value == ""
    bridge = parse_bxml((DATA / "valid" / "bridge.xml").read_bytes()).verbs[0]
    assert bridge.target_call_id == "c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d"


def test_speak_sentence_keeps_ssml_markup_verbatim_and_escaped():
    tree = parse_bxml('<Response><SpeakSentence>  Tom &amp; Jerry <break time="1s"/>'
                      '<!-- gone --> bye  </SpeakSentence></Response>')
    assert tree.verbs[0].text == 'Tom &amp; Jerry <break time="1s"/> bye'


def test_bxml_root_and_roots_restriction():
    assert parse_bxml("<Bxml><Hangup/></Bxml>").root == "Bxml"
    assert parse_bxml("<Response/>") == n.Response()
    with pytest.raises(BxmlError) as info:
        parse_bxml("<Bxml><Hangup/></Bxml>", roots=("Response",))
    assert [d.code for d in info.value.diagnostics] == ["BX006"]


@pytest.mark.parametrize("context, verb, ok", [
    ("call", "<Transfer><PhoneNumber>+15555550123</PhoneNumber></Transfer>", True),
    ("transferAnswer", "<Transfer><PhoneNumber>+15555550123</PhoneNumber></Transfer>", False),
    ("transferAnswer", "<Record/><Hangup/>", True),
    ("transferAnswer", "<Bridge>c-1</Bridge>", False),
    ("conference", "<SpeakSentence>hi</SpeakSentence><StartRecording/>", True),
    ("conference", "<Pause/>", False),
    ("conference", "<Hangup/>", False),
])
def test_context_rejects_verbs_not_allowed_there(context, verb, ok):
    codes = _codes(f"<Response>{verb}</Response>", context=context)
    assert ("BX103" not in codes) == ok


def test_unknown_context_is_a_programming_error():
    with pytest.raises(ValueError, match="context must be one of"):
        lint_bxml("<Response/>", context="bleg")


def test_bxml_error_carries_all_diagnostics_and_where():
    text = '<Response>\n  <Pause duration="0"/>\n  <Gather maxDigits="x"/>\n</Response>'
    with pytest.raises(BxmlError) as info:
        parse_bxml(text, source="flow.xml")
    error = info.value
    assert [d.code for d in error.diagnostics if d.is_error] == ["BX204", "BX203"]
    assert error.where == "flow.xml:2:10"
    assert "and 1 more error" in str(error)


def test_warnings_do_not_stop_a_parse():
    tree, warnings = parse_bxml_with_warnings("<Response><Hangup/><Pause/></Response>")
    assert len(tree.verbs) == 2
    assert [w.code for w in warnings] == ["BX401"]


# ---- secure XML ----------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Response><SpeakSentence>&xxe;</SpeakSentence></Response>"""
LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
          + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>\n<Response><SpeakSentence>&lol9;</SpeakSentence></Response>")
EXTERNAL_DTD = b'<!DOCTYPE Response SYSTEM "http://evil.example/bxml.dtd"><Response/>'
PARAMETER_ENTITY = b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///dev/zero"> %p;]><Response/>'


@pytest.mark.parametrize("doc", [XXE, LAUGHS, EXTERNAL_DTD, PARAMETER_ENTITY],
                         ids=["xxe", "billion-laughs", "external-dtd", "parameter-entity"])
def test_dtds_and_entities_are_refused(doc):
    diagnostics = lint_bxml(doc)
    assert [d.code for d in diagnostics] == ["BX004"]
    assert "passwd" not in diagnostics[0].message


def test_doctype_hidden_in_utf16_is_refused_after_parsing():
    doc = '<!DOCTYPE r [<!ENTITY a "b">]><Response><Tag>&a;</Tag></Response>'.encode("utf-16")
    assert _codes(doc) == ["BX004"]


def test_documents_over_64_kb_are_refused():
    body = "<Response>" + "<Pause/>" * 8200 + "</Response>"
    assert len(body.encode()) > 65536
    diagnostics = lint_bxml(body)
    assert [d.code for d in diagnostics] == ["BX002"]
    assert "64 KB" in diagnostics[0].message
    assert _codes("<Response>" + " " * (65536 - 21) + "</Response>") == []


@pytest.mark.parametrize("doc, code, line", [
    (b"", "BX003", 1),
    (b"  \n ", "BX003", 1),
    (b"hello", "BX001", 1),
    (b"<Response>\n  <Pause>\n</Response>", "BX001", 3),
    (b"<Response/><Response/>", "BX001", 1),
    (b"<Response>\xff\xfe</Response>", "BX005", 1),
    (b'<?xml version="1.0" encoding="klingon"?><Response/>', "BX005", 1),
    (b"<Reponse/>", "BX006", 1),
    (b"<Gather/>", "BX006", 1),
    (b'<r:Response xmlns:r="urn:x"/>', "BX006", 1),
])
def test_unusable_documents_get_one_clear_diagnostic(doc, code, line):
    diagnostics = lint_bxml(doc)
    assert [(d.code, d.line) for d in diagnostics] == [(code, line)]
    with pytest.raises(BxmlError):
        parse_bxml(doc)


def test_encodings_str_and_bytes():
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><Response><Tag>café</Tag></Response>'
    assert parse_bxml(latin.encode("latin-1")).verbs[0].value == "café"
    assert parse_bxml(latin).verbs[0].value == "café"      # str: the declaration is overridden
    assert parse_bxml("<Response><Tag>café</Tag></Response>".encode("utf-16")).verbs[0].value == "café"


def test_comments_and_processing_instructions_are_ignored():
    doc = "<?xml version='1.0'?>\n<!-- a -->\n<Response><?pi x?><!-- <Gather> --><Hangup/></Response>"
    tree = parse_bxml(doc)
    assert tree.verbs == (n.Hangup(),)
    assert (tree.verbs[0].line, tree.verbs[0].col) == (3, 36)
