"""bxml/paths.py: the element path of every element of a document (contract C1's ``path``),
the one walk the engine's timeline entries and coverage's outlines read."""

from __future__ import annotations

from simulator.bxml.parse import parse_bxml
from simulator.bxml.paths import element_paths

MENU = """<Response>
  <Gather gatherUrl="/menu" maxDigits="1">
    <SpeakSentence>press one</SpeakSentence>
    <PlayAudio>/beep.wav</PlayAudio>
    <SpeakSentence>or two</SpeakSentence>
  </Gather>
  <Transfer><PhoneNumber>+15555550100</PhoneNumber><PhoneNumber>+15555550101</PhoneNumber></Transfer>
  <SpeakSentence>bye</SpeakSentence>
</Response>"""


def test_paths_count_same_name_siblings_from_one_in_document_order():
    response = parse_bxml(MENU)
    assert [path for _, path in element_paths(response)] == [
        "/Response", "/Response/Gather[1]", "/Response/Gather[1]/SpeakSentence[1]",
        "/Response/Gather[1]/PlayAudio[1]", "/Response/Gather[1]/SpeakSentence[2]",
        "/Response/Transfer[1]", "/Response/Transfer[1]/PhoneNumber[1]",
        "/Response/Transfer[1]/PhoneNumber[2]", "/Response/SpeakSentence[1]"]
    gather = response.verbs[0]
    nodes_in_order = [node for node, _ in element_paths(response)]
    assert nodes_in_order[:5] == [response, gather, *gather.prompts]


def test_the_root_is_written_as_it_came():
    bxml = parse_bxml("<Bxml><Pause/><Tag>a</Tag><Pause/></Bxml>", roots=("Bxml",))
    assert [path for _, path in element_paths(bxml)] == [
        "/Bxml", "/Bxml/Pause[1]", "/Bxml/Tag[1]", "/Bxml/Pause[2]"]
