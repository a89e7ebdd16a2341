"""`bxmlsim lint` and `bxmlsim run` agree (issue 17): a document lint accepts for a context and
an origin is never refused by run there, and one lint refuses is refused by run.

Roots follow spec README ambiguity 8 (`nodes.roots_for`): a webhook's reply is a `<Response>`;
a PUT .../bxml body (call or conference) may be `<Bxml>` or `<Response>`. Verbs follow spec
§9 (conference BXML: audio and recording verbs only; transferAnswer: no connection verbs).
Each case is linted with the command line and run as a scenario where such a document really
arrives: the answer reply, a REST PUT bxml, the transferAnswer reply, a conference event reply,
a REST PUT conference bxml.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from simulator.api import run_scenario
from simulator.bxml.nodes import roots_for
from simulator.cli import main

AGENT = "+15555550123"
BODIES = {"SpeakSentence": "<SpeakSentence>hello there</SpeakSentence>",
          "Pause": '<Pause duration="0.5"/>',
          "Conference": "<Conference>other-room</Conference>"}
WHERE = [("call", "reply"), ("call", "put"), ("transferAnswer", "reply"),
         ("conference", "reply"), ("conference", "put")]


def document(root: str, verb: str) -> str:
    return f"<{root}>{BODIES[verb]}</{root}>"


def scenario(context: str, origin: str, text: str) -> dict:
    """A scenario in which ``text`` arrives as a document of ``context`` by ``origin``."""
    if (context, origin) == ("call", "reply"):
        return {"app": {"bxml": text}}
    if (context, origin) == ("call", "put"):
        return {"app": {"bxml": '<Response><Pause duration="5"/></Response>'},
                "rest": [{"at": 1, "put_bxml": text}]}
    if context == "transferAnswer":
        return {"app": {"bxml": "<Response><Transfer><PhoneNumber transferAnswerUrl='/ta'>"
                                f"{AGENT}</PhoneNumber></Transfer></Response>",
                        "routes": {"/ta": text}},
                "parties": {AGENT: {"answer_after": 1}}}
    room = "<Response><Conference conferenceEventUrl='/events'>room-1</Conference></Response>"
    if origin == "reply":   # the reply to conferenceCreated
        return {"app": {"bxml": room, "routes": {"/events": text}},
                "caller": [{"hangup": True, "at": 3}]}
    return {"app": {"bxml": room, "routes": {"/events": ""}},
            "caller": [{"hangup": True, "at": 3}],
            "rest": [{"at": 1, "conference": "room-1", "put_conference_bxml": text}]}


def run_accepts(context: str, origin: str, text: str, verb: str) -> bool:
    """Did the run take the document (its verb started) or refuse it (invalid-bxml / 400)?"""
    result = run_scenario({"name": "agreement", **scenario(context, origin, text)}).to_json()
    timeline = result["timeline"]
    refused = any(e["kind"] == "rest" and e["detail"]["status"] == 400 for e in timeline) or \
        any(e["kind"] in ("error", "call-end") and e["detail"].get("cause") == "invalid-bxml"
            for e in timeline)
    started = [e for e in timeline if e["kind"] == "verb-start" and e["verb"] == verb
               and (context != "conference" or e["detail"].get("conference"))]
    if context == "transferAnswer":
        b_leg = result["calls"][1]["callId"]
        started = [e for e in started if e["callId"] == b_leg]
    assert refused != bool(started), (refused, started, timeline)
    return not refused


@pytest.mark.parametrize("verb", list(BODIES))
@pytest.mark.parametrize("root", ["Response", "Bxml"])
@pytest.mark.parametrize("context, origin", WHERE, ids=[f"{c}-{o}" for c, o in WHERE])
def test_lint_accepts_exactly_what_run_accepts(tmp_path, context, origin, root, verb):
    text = document(root, verb)
    path = tmp_path / "doc.xml"
    path.write_text(text, encoding="utf-8")
    linted = CliRunner().invoke(main, ["lint", "--context", context, "--origin", origin,
                                       str(path)])
    assert linted.exit_code in (0, 1), linted.output
    assert (linted.exit_code == 0) == run_accepts(context, origin, text, verb), linted.output


@pytest.mark.parametrize("context, origin", WHERE, ids=[f"{c}-{o}" for c, o in WHERE])
def test_the_roots_are_those_of_readme_ambiguity_8(context, origin):
    assert roots_for(context, origin) == (("Response",) if origin == "reply"
                                          else ("Response", "Bxml"))


def test_a_bxml_root_in_a_reply_is_explained(tmp_path):
    path = tmp_path / "doc.xml"
    path.write_text("<Bxml><Hangup/></Bxml>", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(path)])
    assert result.exit_code == 1
    assert ("BX006 error root element must be <Response>, got <Bxml>; <Bxml> is the root of "
            "PUT .../bxml bodies only, a webhook reply is a <Response>") in result.output
    assert CliRunner().invoke(main, ["lint", "--origin", "put", str(path)]).exit_code == 0


def test_transfer_answer_bxml_is_never_a_put_body(tmp_path):
    path = tmp_path / "doc.xml"
    path.write_text("<Bxml><Pause/></Bxml>", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--context", "transferAnswer", "--origin", "put",
                                       str(path)])
    assert result.exit_code == 2 and "never a PUT body" in result.output
    with pytest.raises(ValueError, match="never a PUT body"):
        roots_for("transferAnswer", "put")
