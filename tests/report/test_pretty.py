"""report/pretty.py: BXML pretty-printed for the BXML pane, and finding the element an entry names."""

from __future__ import annotations

from simulator.report.pretty import WIDTH, normal_path, pretty_bxml


def text(line) -> str:
    return "  " * line.indent + "".join(t for _, t in line.tokens)


def sdk_document() -> str:
    """A document built the way Bandwidth's samples build them: the official SDK, one line."""
    from bandwidth.models.bxml import (Gather, PauseRecording, Response, SpeakSentence,
                                       StartRecording)

    return Response([
        StartRecording(recording_available_url="/recordingAvailable", multi_channel=True),
        SpeakSentence("Thanks for calling & welcome."),
        PauseRecording(),
        Gather(gather_url="/gather", max_digits=5, terminating_digits="#",
               audio_verbs=[SpeakSentence("Enter your PIN.")]),
    ]).to_bxml()


def test_a_one_line_sdk_document_gets_one_element_a_line():
    source = sdk_document()
    assert len(source.strip().splitlines()) == 2  # the declaration, then everything
    pretty = pretty_bxml(source)
    starts = [ln for ln in pretty.lines if ln.element is not None]
    assert [ln.tag for ln in starts] == ["Response", "StartRecording", "SpeakSentence",
                                         "PauseRecording", "Gather", "SpeakSentence"]
    assert [ln.indent for ln in starts] == [0, 1, 1, 1, 1, 2]
    assert text(pretty.lines[0]).startswith("<?xml")
    assert text(pretty.lines[-1]) == "</Response>"
    assert all(ln.line == 2 for ln in starts)  # all written on line 2 of the text as sent
    assert [ln.first for ln in starts] == [True] + [False] * 5


def test_long_start_tags_are_wrapped_one_attribute_a_line():
    pretty = pretty_bxml(sdk_document())
    lines = [text(ln) for ln in pretty.lines]
    start = lines.index("  <StartRecording")
    assert lines[start + 1:start + 3] == ['      recordingAvailableUrl="/recordingAvailable"',
                                          '      multiChannel="true"/>']
    gather = lines.index("  <Gather")
    assert lines[gather + 1:gather + 4] == ['      gatherUrl="/gather"', '      terminatingDigits="#"',
                                            '      maxDigits="5">']  # in the order written
    assert "  <SpeakSentence>Thanks for calling &amp; welcome.</SpeakSentence>" in lines
    assert all(len(line) <= WIDTH or '="' in line or ">" in line for line in lines)
    short = pretty_bxml('<Response><Pause duration="3"/></Response>')
    assert [text(ln) for ln in short.lines] == ["<Response>", '  <Pause duration="3"/>',
                                                "</Response>"]


def test_text_and_ssml_stay_on_the_verb_line_as_written():
    pretty = pretty_bxml('<Response><SpeakSentence>Hi &amp; <break time="1s"/> bye'
                         '</SpeakSentence><Transfer><PhoneNumber>+15555550123</PhoneNumber>'
                         '</Transfer></Response>')
    lines = [text(ln) for ln in pretty.lines]
    assert '  <SpeakSentence>Hi &amp; <break time="1s"/> bye</SpeakSentence>' in lines
    assert "    <PhoneNumber>+15555550123</PhoneNumber>" in lines  # a container's child
    assert "  </Transfer>" in lines
    kinds = {cls for ln in pretty.lines for cls, _ in ln.tokens}
    assert kinds == {"tag", "text", "punct"}
    attributes = pretty_bxml(sdk_document()).lines
    assert {cls for ln in attributes for cls, _ in ln.tokens} == {"tag", "attr", "value", "text",
                                                                  "punct"}


def test_positions_are_the_engines_line_and_column():
    pretty = pretty_bxml("<Response>\n  <SpeakSentence>a</SpeakSentence><Hangup/>\n</Response>")
    by_tag = {e.tag: e for e in pretty.elements}
    assert (by_tag["SpeakSentence"].line, by_tag["SpeakSentence"].col) == (2, 3)
    assert (by_tag["Hangup"].line, by_tag["Hangup"].col) == (2, 35)


def test_not_well_formed_is_none():
    assert pretty_bxml("<Response><SpeakSentence>oops</Response>") is None
    assert pretty_bxml("") is None


def test_paths_follow_c1():
    pretty = pretty_bxml(sdk_document())
    assert [e.path for e in pretty.elements][-2:] == ["/Response[1]/Gather[1]",
                                                      "/Response[1]/Gather[1]/SpeakSentence[1]"]
    assert normal_path("/Response/Gather/SpeakSentence[2]") == \
        "/Response[1]/Gather[1]/SpeakSentence[2]"
    prompt = pretty.find(path="/Response/Gather[1]/SpeakSentence")
    assert prompt.path.endswith("Gather[1]/SpeakSentence[1]")
    assert pretty.find(path="/Response/SpeakSentence[1]").index == 2


def test_find_without_a_path_uses_column_then_order_on_the_line():
    pretty = pretty_bxml("<Response><SpeakSentence>a</SpeakSentence>"
                         "<SpeakSentence>b</SpeakSentence></Response>")
    first, second = [e for e in pretty.elements if e.tag == "SpeakSentence"]
    assert pretty.find(line=1, col=second.col) == second
    assert pretty.find(line=1, tag="SpeakSentence", occurrence=0) == first
    assert pretty.find(line=1, tag="SpeakSentence", occurrence=1) == second
    assert pretty.find(line=1, tag="SpeakSentence", occurrence=2) == first  # a repeated prompt
    assert pretty.find(path="/Response/Nothing", line=1, tag="SpeakSentence") == first
    assert pretty.find(line=None) is None and pretty.find(line=9, tag="SpeakSentence") is None
    assert pretty.find(line=True) is None  # a damaged result.json: not a line
