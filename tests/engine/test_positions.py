"""Contract C1: every timeline entry has ``col``, ``path`` and ``document``; an entry about a
verb of a BXML document has all three (engine/context.py ``Context.position``, element paths
bxml/paths.py, computed once per document), else they are null."""

from __future__ import annotations

import attrs
import numpy as np

from engine_harness import run
from simulator.bxml import nodes
from simulator.bxml.parse import parse_bxml
from simulator.coverage.outline import outline
from simulator.engine.catalogue import CATALOGUE, FLOWS
from simulator.engine.context import Document
from simulator.engine.process import Sleep
from simulator.runner import simulate
from simulator.scenario.model import (AppSettings, CallSettings, CreatedCall, Press, RestAction,
                                      Route, Say, Scenario, UpdateCall, WaitFor)

MENU = """<Response>
  <Gather gatherUrl="/menu" maxDigits="1">
    <SpeakSentence>press one</SpeakSentence>
    <PlayAudio>/beep.wav</PlayAudio>
    <SpeakSentence>or two</SpeakSentence>
  </Gather>
</Response>"""


def positions(timeline, kind=None):
    return [(e.kind, e.verb, e.line, e.col, e.path, e.document) for e in timeline
            if kind is None or e.kind == kind]


def test_the_timeline_and_the_coverage_outline_name_each_verb_alike():
    """What a run's verb entries say (``path``) and what coverage lists for the same document."""
    doc = ("<Response><SpeakSentence>hi</SpeakSentence><Gather maxDigits='1'>"
           "<SpeakSentence>one</SpeakSentence><SpeakSentence>two</SpeakSentence></Gather>"
           "<Pause duration='0.5'/><SpeakSentence>bye</SpeakSentence></Response>")
    r = run({"/answer": doc})
    ran = [(e.verb, e.path) for e in r.kinds("verb-start")]
    assert ran == [(v.name, v.path) for v in outline(doc).verbs]
    assert ran[2] == ("SpeakSentence", "/Response/Gather[1]/SpeakSentence[1]")


def test_a_document_computes_its_paths_once():
    document = Document(parse_bxml(MENU), "http://app.test/answer", "http://app.test/answer")
    prompt = document.response.verbs[0].prompts[2]
    assert document.position(prompt) == {"line": 5, "col": 5,
                                         "path": "/Response/Gather[1]/SpeakSentence[2]",
                                         "document": "http://app.test/answer"}
    cached = document._paths
    document.position(document.response.verbs[0])
    assert document._paths is cached and len(cached) == 5
    assert document.path_of(nodes.Pause()) is None  # not a node of this document


def test_verbs_and_their_prompts_carry_their_position_and_the_reply_url_they_came_from():
    r = run({"/answer": MENU, "/menu": '<Response>\n<Hangup/></Response>'},
            caller=[WaitFor("PlayAudio"), Press("1")],
            audio_files={"/beep.wav": np.zeros(800, np.float32)})
    starts = positions(r.sim.timeline, "verb-start")
    assert starts == [
        ("verb-start", "Gather", 2, 3, "/Response/Gather[1]", "http://app.test/answer"),
        ("verb-start", "SpeakSentence", 3, 5, "/Response/Gather[1]/SpeakSentence[1]",
         "http://app.test/answer"),
        ("verb-start", "PlayAudio", 4, 5, "/Response/Gather[1]/PlayAudio[1]",
         "http://app.test/answer"),
        ("verb-start", "Hangup", 2, 1, "/Response/Hangup[1]", "http://app.test/menu")]
    [answer] = positions(r.sim.timeline, "answer")  # the Gather answered the call
    assert answer[1:] == starts[0][1:]
    ends = positions(r.sim.timeline, "verb-end")
    assert {e[1:] for e in ends} <= {s[1:] for s in starts}


def test_entries_outside_any_document_have_null_positions():
    r = run({"/answer": "<Response><Pause duration='1'/></Response>"},
            caller=[Say("hi", seconds=0.5)])
    for e in r.sim.timeline:
        if e.kind in ("call-start", "webhook", "speech", "call-end"):
            assert (e.col, e.path, e.document) == (None, None, None), e.kind
    speech = r.kinds("speech")[0]
    assert speech.line is None  # a caller step built in Python has no scenario line


def test_a_warning_carries_its_column_and_document_but_no_path():
    r = run({"/answer": '<Response>\n  <Gather maxDigits="1"/></Response>'})
    [warning] = r.kinds("bxml-warning")
    assert (warning.line, warning.col, warning.path, warning.document) == (
        2, 3, None, "http://app.test/answer")


def test_every_entry_with_a_verb_and_a_line_has_all_three_in_result_json(tmp_path):
    """Recordings, tags, StartGather, streams, a Transfer's bridge: all placed."""
    bxml = ('<Response><Tag>t</Tag><StartGather dtmfUrl="/d"/><StartRecording/>'
            '<PauseRecording/><ResumeRecording/>'
            '<StartStream destination="wss://s.test/x" name="s"/><StopGather/>'
            '<Record maxDuration="1"/><Transfer><PhoneNumber>+15555550123</PhoneNumber>'
            '</Transfer></Response>')
    scenario = Scenario(name="all", app=AppSettings(routes={"/answer": Route(bxml=bxml),
                                                           "/d": Route(body="")}),
                        call=CallSettings(), caller=(Say("hello", seconds=0.5),),
                        parties={})
    data = simulate(scenario, tmp_path / "out").to_json()
    for entry in data["timeline"]:
        assert list(entry) == ["at", "callId", "kind", "verb", "line", "detail", "col", "path",
                               "document"]
        if entry["verb"] and entry["line"]:
            assert entry["col"] and entry["path"].startswith("/Response/"), entry
            assert entry["document"] == "http://app.test/answer", entry
    kinds = {e["kind"] for e in data["timeline"] if e["path"]}
    assert {"tag", "gather-start", "gather-stop", "recording-start", "recording-pause",
            "recording-resume", "stream-start", "answer", "verb-start"} <= kinds


def test_put_bxml_documents_are_numbered_per_call(tmp_path):
    put = "<Bxml><Pause duration='1'/></Bxml>"
    scenario = Scenario(
        name="put", app=AppSettings(routes={"/answer": Route(
            bxml="<Response><Pause duration='10'/></Response>")}),
        rest=(RestAction(at=1.0, put_bxml=put), RestAction(at=1.5, put_bxml="<Bxml><Oops/>"),
              RestAction(at=2.0, put_bxml=put)))
    data = simulate(scenario).to_json()
    call_id = data["calls"][0]["callId"]
    docs = [(e["at"], e["document"], e["path"]) for e in data["timeline"]
            if e["kind"] == "verb-start"]
    assert docs == [(0.0, "http://app.test/answer", "/Response/Pause[1]"),
                    (1.0, f"PUT /calls/{call_id}/bxml#1", "/Bxml/Pause[1]"),
                    (2.0, f"PUT /calls/{call_id}/bxml#3", "/Bxml/Pause[1]")]
    # each rest entry carries the body and the name its verbs give it (invalid ones too)
    rests = [(e["detail"]["bxml"], e["detail"]["bxmlDocument"]) for e in data["timeline"]
             if e["kind"] == "rest"]
    assert rests == [(put, f"PUT /calls/{call_id}/bxml#1"),
                     ("<Bxml><Oops/>", f"PUT /calls/{call_id}/bxml#2"),
                     (put, f"PUT /calls/{call_id}/bxml#3")]


def test_a_redirected_call_runs_the_reply_of_the_redirect_url(tmp_path):
    scenario = Scenario(
        name="redirect", app=AppSettings(routes={
            "/answer": Route(bxml="<Response><Pause duration='10'/></Response>"),
            "/sup": Route(bxml="<Response><Hangup/></Response>")}),
        rest=(RestAction(at=1.0, update_call=UpdateCall(redirect_url="/sup")),))
    data = simulate(scenario).to_json()
    [hangup] = [e for e in data["timeline"] if e["kind"] == "verb-start" and
                e["verb"] == "Hangup"]
    assert hangup["document"] == "http://app.test/sup"


def test_conference_documents_are_the_event_reply_or_a_numbered_put(tmp_path):
    member = CreatedCall(to="+15555550123", answer_url="/member", at=0.5)
    join = ('<Response><Conference conferenceEventUrl="/events">room</Conference>'
            '</Response>')
    scenario = Scenario(
        name="conf", app=AppSettings(routes={
            "/answer": Route(bxml=join), "/member": Route(bxml=join),
            "/events": Route(bxml="<Response><SpeakSentence>hi</SpeakSentence></Response>")}),
        calls={"member": member},
        rest=(RestAction(at=5.0, conference="room",
                         put_conference_bxml="<Bxml><SpeakSentence>put</SpeakSentence></Bxml>"),))
    data = simulate(scenario).to_json()
    room = [e["document"] for e in data["timeline"]
            if e["kind"] == "verb-start" and e["detail"].get("conference")]
    conference_id = next(e["detail"]["conferenceId"] for e in data["timeline"]
                         if e["kind"] == "conference-join")
    assert set(room) == {"http://app.test/events", f"PUT /conferences/{conference_id}/bxml#1"}
    [put] = [e["detail"] for e in data["timeline"] if e["kind"] == "rest"
             and e["detail"]["action"] == "put_conference_bxml"]
    assert (put["bxml"], put["bxmlDocument"]) == ("<Bxml><SpeakSentence>put</SpeakSentence></Bxml>",
                                              f"PUT /conferences/{conference_id}/bxml#1")
    joins = [e["document"] for e in data["timeline"] if e["kind"] == "conference-join"]
    assert joins == ["http://app.test/answer", "http://app.test/member"]


def test_an_internal_error_names_the_position_of_the_verb_it_stopped(tmp_path):
    def broken(ctx, node):
        yield Sleep(1.0)
        raise ZeroDivisionError("boom")

    catalogue = attrs.evolve(CATALOGUE, flows={**FLOWS, nodes.Pause: broken})
    scenario = Scenario(name="crash", app=AppSettings(routes={"/answer": Route(
        bxml="<Response>\n <Pause/></Response>")}))
    data = simulate(scenario, catalogue=catalogue).to_json()
    [crash] = [e for e in data["timeline"] if e["kind"] == "internal-error"]
    assert (crash["verb"], crash["line"], crash["col"], crash["path"], crash["document"]) == (
        "Pause", 2, 2, "/Response/Pause[1]", "http://app.test/answer")
