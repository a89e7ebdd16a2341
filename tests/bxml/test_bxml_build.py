"""The node build (build.py) and positions (reader.Locator): lazy line/col, the one-piece
SpeakSentence serialization and the memoised checks give the same results as the slow paths."""

from __future__ import annotations

import pickle

import pytest
from lxml import etree

from simulator.bxml import nodes as n
from simulator.bxml.check import analyze_bxml, lint_bxml
from simulator.bxml.parse import parse_bxml
from simulator.bxml.reader import Locator
from simulator.bxml.ssml import markup_problems, ssml_problems

DOC = ('<?xml version="1.0"?>\n<Response>\n  <Gather gatherUrl="/g">\n'
       '    <SpeakSentence>Hi <break time="1s"/></SpeakSentence>\n  </Gather>\n'
       '  <Transfer\n      callTimeout="20"><PhoneNumber>+15555550100</PhoneNumber></Transfer>\n'
       '</Response>\n')


def _positions(tree):
    gather, transfer = tree.verbs
    return [(node.line, node.col) for node in
            (tree, gather, gather.prompts[0], transfer, transfer.targets[0])]


EXPECTED = [(2, 1), (3, 3), (4, 5), (6, 3), (7, 24)]


def test_positions_are_the_start_tags_resolved_on_first_use():
    tree = parse_bxml(DOC)
    assert "line" not in vars(tree.verbs[0])   # not computed by the parse itself
    assert _positions(tree) == EXPECTED
    assert vars(tree.verbs[0])["line"] == 3    # cached once resolved


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_positions_count_crlf_and_cr_line_breaks(newline):
    assert _positions(parse_bxml(DOC.replace("\n", newline))) == EXPECTED


def test_start_tags_inside_comments_cdata_and_pis_are_not_counted():
    hidden = DOC.replace('<?xml version="1.0"?>', '<?pi <Pause/>?>').replace(
        "Hi ", "<![CDATA[<Pause/>]]>Hi <!-- <Hangup/> -->")
    assert _positions(parse_bxml(hidden)) == EXPECTED


def test_nodes_pickle_with_their_positions():
    tree = pickle.loads(pickle.dumps(parse_bxml(DOC)))
    assert _positions(tree) == EXPECTED and tree == parse_bxml(DOC)


def test_a_tag_the_text_scan_cannot_find_takes_lxmls_line():
    root = etree.fromstring(b"<Response>\n<Hangup/>\n<Pause/></Response>")
    locator = Locator(b"<Response>\n<Hangup/>\n", root)   # the text lacks the third tag
    assert [locator.element(i) for i in range(3)] == [(1, 1), (2, 1), (3, 0)]


def test_nodes_built_directly_keep_their_given_positions():
    assert (n.Pause(line=4, col=7).line, n.Pause().col) == (4, 0)
    with pytest.raises(AttributeError):
        n.Pause().nonexistent   # noqa: B018


SENTENCES = [
    '<SpeakSentence>a &amp; b <say-as interpret-as="characters">1</say-as> c &lt;'
    '<break time="1s"/>d</SpeakSentence>',
    '<SpeakSentence>x&#13;y <break strength="strong"/></SpeakSentence>',   # "\r" in the text
    '<SpeakSentence xmlns:q="urn:q">hi <break/></SpeakSentence>',         # namespaces in scope
    '<SpeakSentence>hi <emphasis level="strong" x="1">a<break foo="2"/></emphasis></SpeakSentence>',
]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_speak_sentence_markup_equals_the_child_by_child_serialization(sentence):
    element = etree.fromstring(f"<Response>{sentence}</Response>")[0]
    text = (element.text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    expected = (text + "".join(etree.tostring(c, encoding="unicode", with_tail=True)
                               for c in element)).strip()
    tree, _ = analyze_bxml(f"<Response>{sentence}</Response>")   # the tree, errors or not
    assert tree.verbs[0].text == expected


def test_markup_problems_agree_with_the_element_checks_also_when_memoised():
    sentence = SENTENCES[3]
    element = etree.fromstring(sentence)
    markup = etree.tostring(element, encoding="unicode")
    markup = markup[markup.index(">") + 1:markup.rindex("</")]
    descendants = list(element.iterdescendants())
    slow = [(descendants.index(child), code, message)
            for child, code, message in ssml_problems(element)]
    assert slow and markup_problems(element, markup) == (len(descendants), slow)
    assert markup_problems(element, markup) == (len(descendants), slow)   # from the memo


def test_ssml_problems_are_reported_at_each_offending_element_every_time():
    doc = ('<Response>\n  <SpeakSentence>a <break time="99s"/>\n'
           '    <foo/></SpeakSentence>\n</Response>')
    first = [(d.code, d.line, d.col) for d in lint_bxml(doc)]
    assert first == [("BX303", 2, 20), ("BX301", 3, 5)]
    assert [(d.code, d.line, d.col) for d in lint_bxml(doc)] == first


def test_memoised_attribute_values_are_reported_at_each_use():
    doc = '<Response>\n  <Pause duration="0"/>\n  <Pause duration="0"/>\n</Response>'
    assert [(d.code, d.line, d.col) for d in lint_bxml(doc)] == [("BX204", 2, 10),
                                                                  ("BX204", 3, 10)]
