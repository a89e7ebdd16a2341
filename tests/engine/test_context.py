"""engine/context.py: the BXML a run is answered with, parsed once a process."""

from __future__ import annotations

from engine_harness import run
from simulator.engine import context

WARNED = """<Response>
  <Gather maxDigits="1"><SpeakSentence>press one</SpeakSentence></Gather>
  <Hangup/>
</Response>"""


def _entries(r):
    return [(e.kind, e.verb, e.line, e.col, e.path, e.document, e.detail) for e in r.sim.timeline]


def test_runs_answered_with_the_same_document_share_its_tree_and_log_its_warnings_each():
    context._parsed.cache_clear()
    first, second = run({"/answer": WARNED}), run({"/answer": WARNED})
    assert _entries(first) == _entries(second)
    warnings = [e for e in second.sim.timeline if e.kind == "bxml-warning"]
    assert [w.detail["code"] for w in warnings] == ["BX406"] and warnings[0].line == 2
    assert context._parsed.cache_info().hits >= 1


def test_a_kept_tree_has_every_position_found_before_it_is_shared():
    """Threads (server/state.py) may read one kept tree: no position is left to a lazy scan,
    and what would scan (the reader's index of the text, with lxml's tree) is not kept."""
    response, _ = context._parsed(WARNED, "http://app.test/answer", "call", ("Response",))
    gather = response.verbs[0]
    for node in (response, gather, gather.prompts[0], response.verbs[1]):
        assert {"line", "col"} <= node.__dict__.keys()
        assert not {"_where", "_index"} & node.__dict__.keys()
    assert (gather.prompts[0].line, gather.prompts[0].col) == (2, 25)


def test_a_document_with_errors_is_refused_every_time():
    for _ in range(2):
        r = run({"/answer": "<Response><Nope/></Response>"})
        assert [e.detail["cause"] for e in r.sim.timeline if e.kind == "error"] == ["invalid-bxml"]


def test_a_long_document_is_parsed_each_time_and_positioned_alike():
    long = "<Response>" + "<Pause duration='0'/>" * 1200 + "<Hangup/></Response>"
    assert len(long) > context.MEMO_TEXT_LIMIT
    before = context._parsed.cache_info().currsize
    first, second = run({"/answer": long}), run({"/answer": long})
    assert _entries(first) == _entries(second)
    assert context._parsed.cache_info().currsize == before


def test_a_kept_tree_brings_its_element_paths_to_each_document_and_a_copy_walks_its_own():
    import copy

    from simulator.bxml import nodes
    from simulator.engine.context import Document

    response, _ = context._parsed(WARNED, "http://app.test/answer", "call", ("Response",))
    prompt = response.verbs[0].prompts[0]
    path = "/Response/Gather[1]/SpeakSentence[1]"
    assert Document(response, None).path_of(prompt) == path
    twin = copy.deepcopy(response)
    assert Document(twin, None).path_of(twin.verbs[0].prompts[0]) == path
    assert Document(twin, None).path_of(prompt) is None
    assert Document(response, None).path_of(nodes.Pause()) is None


def test_attribute_answers_as_getattr_does():
    from simulator.bxml import nodes
    from simulator.engine.simulation import attribute
    from simulator.scenario.model import CreatedCall

    assert attribute(nodes.Pause(duration=1.0), "tag") is None
    assert attribute(nodes.Tag(value="x"), "value") == "x"
    assert attribute(nodes.Redirect(redirect_url="/x", username="u"), "username") == "u"
    assert attribute(nodes.Redirect(redirect_url="/x"), "tag") is None
    assert attribute(CreatedCall(to="+15551230000", username="u"), "username") == "u"
    assert attribute(CreatedCall(to="+15551230000"), "fallback_username") is None
    assert attribute(object(), "username") is None
