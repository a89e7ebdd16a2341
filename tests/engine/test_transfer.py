"""<Transfer>: B-legs from `parties`, transferAnswer/Complete/Disconnect, both ends recorded.

Reads like bxml-verbs.md §7.1, callbacks.md §3.10-3.12, README ambiguities #19 and #27 and
docs/two-party.md. Every test runs a whole scenario through ``simulator.runner.simulate`` and
checks result.json (callbacks in order, their fields, the `calls` list) and the audio files.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from simulator.runner import simulate
from simulator.scenario.model import (
    AppSettings, CallSettings, Hangup, Party, Press, Route, Say, Scenario,
)

A_FROM, A_TO = "+15555550100", "+15555550199"
BOB, CAROL = "+15555550123", "+15555550124"
ASYNC_OK = Route(status=204, body="")


def run(tmp_path, answer, *, routes=None, caller=(), parties=None, call=None):
    """Run an inbound call whose /answer returns ``answer``; give the result.json object."""
    table = {"/answer": Route(bxml=answer), "/td": ASYNC_OK, "/disc": ASYNC_OK,
             "/rec": ASYNC_OK}
    for path, body in (routes or {}).items():
        table[path] = body if isinstance(body, Route) else Route(bxml=body)
    scenario = Scenario(
        name="transfer", app=AppSettings(routes=table), caller=tuple(caller),
        parties=parties or {}, call=call or CallSettings(disconnect_url="/disc"))
    return simulate(scenario, tmp_path).to_json()


def events(result, *types):
    """(eventType, payload) of the callbacks, first attempts only, optionally filtered."""
    return [(c["eventType"], c["payload"]) for c in result["callbacks"]
            if c["attempt"] == 1 and not c["fallback"] and (not types or c["eventType"] in types)]


def kinds(result, *types):
    return [kind for kind, _ in events(result, *types)]


def one(result, event_type):
    found = [payload for kind, payload in events(result, event_type)]
    assert len(found) == 1, f"{event_type}: {len(found)} callbacks"
    return found[0]


def callback_at(result, event_type):
    return next(c["at"] for c in result["callbacks"] if c["eventType"] == event_type)


def transfer(*targets, **attrs):
    """A `<Transfer>` document; ``targets`` are (number, extra noun attributes) or numbers."""
    nouns = []
    for target in targets:
        number, extra = (target, "") if isinstance(target, str) else target
        nouns.append(f'<PhoneNumber transferDisconnectUrl="/td"{extra}>{number}</PhoneNumber>')
    attributes = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f"<Transfer{attributes}>{''.join(nouns)}</Transfer>"


def rms(samples, start, end):
    a, b = int(start * 8000), int(end * 8000)
    window = samples[a:b]
    return float(np.sqrt(np.mean(np.square(window)))) if len(window) else 0.0


def recording_audio(tmp_path, recording):
    """The recording as a (frames, channels) float array and its start in virtual time."""
    samples, rate = soundfile.read(tmp_path / recording["file"], always_2d=True)
    assert rate == 8000
    return samples, recording["startAt"]


BOB_ANSWERS = {BOB: Party(answer_after=1.0, caller=(Say("hello caller", at=1.0),
                                                    Hangup(at=6.0)))}


# ---- the happy path: one PhoneNumber, the B party hangs up first


def test_b_leg_hang_up_sends_transfer_disconnect_then_transfer_complete(tmp_path):
    """B-leg ends -> transferDisconnect (async, B-leg) then transferComplete (sync, A-leg)."""
    result = run(tmp_path, "<Response>" + transfer(
        (BOB, ' transferAnswerUrl="/ta"'), transferCompleteUrl="/tc") + "</Response>",
        routes={"/ta": "<Response></Response>",
                "/tc": "<Response><Hangup/></Response>"},
        parties=BOB_ANSWERS)
    assert kinds(result) == ["initiate", "transferAnswer", "transferDisconnect",
                             "transferComplete", "disconnect"]
    assert callback_at(result, "transferAnswer") == pytest.approx(1.0, abs=0.01)
    assert callback_at(result, "transferDisconnect") == pytest.approx(7.0, abs=0.01)


def test_b_leg_payloads_carry_parent_call_id_transfer_caller_id_and_transfer_to(tmp_path):
    """transferAnswer/transferDisconnect describe the B-leg with the A-leg's from/to."""
    result = run(tmp_path, "<Response>" + transfer(
        (BOB, ' transferAnswerUrl="/ta"'), transferCompleteUrl="/tc") + "</Response>",
        routes={"/ta": "<Response></Response>", "/tc": "<Response><Hangup/></Response>"},
        parties=BOB_ANSWERS)
    a_leg, b_leg = result["calls"]
    answer, gone = one(result, "transferAnswer"), one(result, "transferDisconnect")
    for payload in (answer, gone):
        assert payload["callId"] == b_leg["callId"] != a_leg["callId"]
        assert payload["parentCallId"] == a_leg["callId"]
        assert payload["direction"] == "outbound"
        assert (payload["from"], payload["to"]) == (A_FROM, A_TO)
        assert payload["transferCallerId"] == A_FROM  # default: the A-leg's remote party
        assert payload["transferTo"] == BOB
    assert "endTime" not in answer and "cause" not in answer
    assert gone["cause"] == "hangup"
    assert gone["answerTime"] == answer["answerTime"]


def test_transfer_complete_describes_the_a_leg_and_the_answered_b_leg(tmp_path):
    """transferComplete: A-leg envelope, cause of the B-leg's end, the B-leg's caller id/to."""
    result = run(tmp_path, "<Response>" + transfer(BOB, transferCompleteUrl="/tc")
                 + "</Response>",
                 routes={"/tc": "<Response><Hangup/></Response>"}, parties=BOB_ANSWERS)
    a_leg = result["calls"][0]
    done = one(result, "transferComplete")
    assert done["callId"] == a_leg["callId"]
    assert done["direction"] == "inbound"
    assert (done["from"], done["to"]) == (A_FROM, A_TO)
    assert done["transferTo"] == BOB
    assert done["transferCallerId"] == A_FROM
    assert done["cause"] == "hangup"
    assert "parentCallId" not in done


def test_result_lists_the_b_leg_with_its_parent(tmp_path):
    """result.json `calls`: A-leg first, then the B-leg (outbound, parentCallId, times)."""
    result = run(tmp_path, "<Response>" + transfer(BOB, transferCallerId="+15555550777")
                 + "</Response>", parties=BOB_ANSWERS)
    a_leg, b_leg = result["calls"]
    assert a_leg["parentCallId"] is None
    assert b_leg["parentCallId"] == a_leg["callId"]
    assert (b_leg["direction"], b_leg["from"], b_leg["to"]) == ("outbound", "+15555550777", BOB)
    assert b_leg["answerTime"] is not None
    assert b_leg["disconnectCause"] == "hangup"


def test_transfer_caller_id_is_presented_to_the_b_leg(tmp_path):
    """transferCallerId becomes the B-leg's caller id (payload transferCallerId)."""
    result = run(tmp_path, "<Response>" + transfer(BOB, transferCallerId="+15555550777")
                 + "</Response>", parties=BOB_ANSWERS)
    assert one(result, "transferDisconnect")["transferCallerId"] == "+15555550777"


def test_without_transfer_complete_url_the_a_leg_continues_after_transfer(tmp_path):
    """No transferCompleteUrl: no event, the verbs after <Transfer> run on the A-leg."""
    result = run(tmp_path, "<Response>" + transfer(BOB)
                 + '<Redirect redirectUrl="/after"/></Response>',
                 routes={"/after": "<Response><Hangup/></Response>"}, parties=BOB_ANSWERS)
    assert kinds(result) == ["initiate", "transferDisconnect", "redirect", "disconnect"]
    assert callback_at(result, "redirect") == pytest.approx(7.0, abs=0.01)


def test_transfer_complete_bxml_replaces_the_rest_of_the_a_leg_document(tmp_path):
    """With transferCompleteUrl, its BXML runs on the A-leg; verbs after <Transfer> do not."""
    result = run(tmp_path, "<Response>" + transfer(BOB, transferCompleteUrl="/tc")
                 + '<Redirect redirectUrl="/never"/></Response>',
                 routes={"/tc": '<Response><Redirect redirectUrl="/after"/></Response>',
                         "/after": "<Response><Hangup/></Response>"},
                 parties=BOB_ANSWERS)
    redirects = [p for k, p in events(result, "redirect")]
    assert len(redirects) == 1
    assert [c["url"] for c in result["callbacks"] if c["eventType"] == "redirect"] \
        == ["http://app.test/after"]
    assert redirects[0]["callId"] == result["calls"][0]["callId"]


def test_noun_tag_marks_the_b_leg_and_transfer_tag_the_a_leg(tmp_path):
    """PhoneNumber tag -> B-leg webhooks; Transfer tag -> transferComplete (spec §1.4)."""
    result = run(tmp_path, "<Response>" + transfer(
        (BOB, ' transferAnswerUrl="/ta" tag="agent-1"'), transferCompleteUrl="/tc",
        tag="a-leg") + "</Response>",
        routes={"/ta": "<Response></Response>", "/tc": "<Response><Hangup/></Response>"},
        parties=BOB_ANSWERS)
    assert one(result, "transferAnswer")["tag"] == "agent-1"
    assert one(result, "transferDisconnect")["tag"] == "agent-1"
    assert one(result, "transferComplete")["tag"] == "a-leg"


# ---- failures: busy, no answer, a number nobody described


@pytest.mark.parametrize("party, cause, at", [
    (Party(status="busy"), "busy", 0.0),
    (Party(status="no-answer"), "timeout", 5.0),
    (None, "timeout", 5.0),  # absent from parties: behaves as no-answer
    (Party(answer_after=8.0), "timeout", 5.0),  # would answer after callTimeout
])
def test_failed_b_leg_ends_the_transfer_with_its_cause(tmp_path, party, cause, at):
    """Busy/no-answer: transferDisconnect then transferComplete with that cause; never answered."""
    parties = {BOB: party} if party else {}
    result = run(tmp_path, "<Response>" + transfer(BOB, transferCompleteUrl="/tc",
                                                   callTimeout="5") + "</Response>",
                 routes={"/tc": "<Response><Hangup/></Response>"}, parties=parties)
    assert kinds(result) == ["initiate", "transferDisconnect", "transferComplete", "disconnect"]
    gone, done = one(result, "transferDisconnect"), one(result, "transferComplete")
    assert gone["cause"] == done["cause"] == cause
    assert gone["errorMessage"] and done["errorMessage"]
    assert "answerTime" not in gone
    assert callback_at(result, "transferDisconnect") == pytest.approx(at, abs=0.01)
    b_leg = result["calls"][1]
    assert b_leg["answerTime"] is None and b_leg["disconnectCause"] == cause


# ---- several targets ring at once


def test_first_target_to_answer_wins_and_the_others_are_cancelled(tmp_path):
    """Parallel ringing: Carol answers first; Bob is cancelled at that instant."""
    parties = {BOB: Party(answer_after=3.0),
               CAROL: Party(answer_after=1.0, caller=(Hangup(at=2.0),))}
    result = run(tmp_path, "<Response>" + transfer(
        (BOB, ' transferAnswerUrl="/ta"'), (CAROL, ' transferAnswerUrl="/ta"'),
        transferCompleteUrl="/tc") + "</Response>",
        routes={"/ta": "<Response></Response>", "/tc": "<Response><Hangup/></Response>"},
        parties=parties)
    a_leg, bob, carol = result["calls"]
    assert (bob["to"], carol["to"]) == (BOB, CAROL)
    assert [p["transferTo"] for k, p in events(result, "transferAnswer")] == [CAROL]
    disconnects = [(p["transferTo"], p["cause"]) for k, p in events(result, "transferDisconnect")]
    assert disconnects == [(BOB, "cancel"), (CAROL, "hangup")]
    assert bob["answerTime"] is None and bob["disconnectCause"] == "cancel"
    done = one(result, "transferComplete")
    assert (done["transferTo"], done["cause"]) == (CAROL, "hangup")


def test_when_every_target_fails_transfer_complete_describes_the_first(tmp_path):
    """All legs busy/unanswered: one transferDisconnect each, transferComplete for the first."""
    parties = {BOB: Party(status="no-answer"), CAROL: Party(status="busy")}
    result = run(tmp_path, "<Response>" + transfer(BOB, CAROL, transferCompleteUrl="/tc",
                                                   callTimeout="4") + "</Response>",
                 routes={"/tc": "<Response><Hangup/></Response>"}, parties=parties)
    disconnects = [(p["transferTo"], p["cause"]) for k, p in events(result, "transferDisconnect")]
    assert disconnects == [(CAROL, "busy"), (BOB, "timeout")]
    done = one(result, "transferComplete")
    assert (done["transferTo"], done["cause"]) == (BOB, "timeout")
    assert callback_at(result, "transferComplete") == pytest.approx(4.0, abs=0.01)


# ---- the A-leg hangs up (README #27)


def test_a_leg_hang_up_while_bridged_hangs_up_the_b_leg_without_transfer_complete(tmp_path):
    """Caller hangs up during the bridge: B-leg hung up, transferDisconnect, no transferComplete."""
    parties = {BOB: Party(answer_after=1.0)}
    result = run(tmp_path, "<Response>" + transfer(BOB, transferCompleteUrl="/tc")
                 + "</Response>", caller=(Hangup(at=4.0),), parties=parties)
    assert kinds(result) == ["initiate", "transferDisconnect", "disconnect"]
    gone = one(result, "transferDisconnect")
    assert gone["cause"] == "hangup" and "answerTime" in gone
    assert callback_at(result, "transferDisconnect") == pytest.approx(4.0, abs=0.01)
    a_leg, b_leg = result["calls"]
    assert a_leg["disconnectCause"] == b_leg["disconnectCause"] == "hangup"
    assert a_leg["endTime"] == b_leg["endTime"]


def test_a_leg_hang_up_while_ringing_cancels_every_b_leg(tmp_path):
    """Caller hangs up while both targets ring: each B-leg cancelled, one event per leg."""
    parties = {BOB: Party(answer_after=10.0), CAROL: Party(answer_after=10.0)}
    result = run(tmp_path, "<Response>" + transfer(BOB, CAROL, transferCompleteUrl="/tc")
                 + "</Response>", caller=(Hangup(at=2.0),), parties=parties)
    disconnects = [(p["transferTo"], p["cause"]) for k, p in events(result, "transferDisconnect")]
    assert sorted(disconnects) == [(BOB, "cancel"), (CAROL, "cancel")]
    assert "transferComplete" not in kinds(result)


# ---- transferAnswer BXML runs on the B-leg


def test_transfer_answer_bxml_runs_on_the_b_leg_and_its_webhooks_name_the_parent(tmp_path):
    """A Gather in transferAnswer BXML collects the B party's keys; gather payload has B fields."""
    parties = {BOB: Party(answer_after=1.0, caller=(Press("1#", at=0.5), Hangup(at=5.0)))}
    result = run(tmp_path, "<Response>" + transfer((BOB, ' transferAnswerUrl="/ta"'))
                 + "</Response>",
                 routes={"/ta": '<Response><Gather gatherUrl="/whisper" maxDigits="1"/></Response>',
                         "/whisper": "<Response></Response>"},
                 parties=parties)
    a_leg, b_leg = result["calls"]
    gather = one(result, "gather")
    assert gather["callId"] == b_leg["callId"]
    assert gather["parentCallId"] == a_leg["callId"]
    assert (gather["transferTo"], gather["digits"]) == (BOB, "1")
    verbs = [(t["callId"], t["verb"]) for t in result["timeline"] if t["kind"] == "verb-start"]
    assert (b_leg["callId"], "Gather") in verbs
    assert (a_leg["callId"], "Gather") not in verbs


def test_warnings_of_transfer_answer_bxml_are_logged_on_the_b_leg(tmp_path):
    parties = {BOB: Party(answer_after=1.0, caller=(Hangup(at=3.0),))}
    result = run(tmp_path, "<Response>" + transfer((BOB, ' transferAnswerUrl="/ta"'))
                 + "</Response>",
                 routes={"/ta": '<Response><Gather maxDigits="1"/></Response>'},
                 parties=parties)
    b_leg = result["calls"][1]
    warnings = [(t["callId"], t["detail"]["code"]) for t in result["timeline"]
                if t["kind"] == "bxml-warning"]
    assert warnings == [(b_leg["callId"], "BX406")]


def test_transfer_answer_bxml_may_not_transfer_again(tmp_path):
    """A verb outside the transferAnswer set (§9) fails the B-leg with invalid-bxml."""
    result = run(tmp_path, "<Response>" + transfer((BOB, ' transferAnswerUrl="/ta"'),
                                                   transferCompleteUrl="/tc") + "</Response>",
                 routes={"/ta": "<Response><Conference>room</Conference></Response>",
                         "/tc": "<Response><Hangup/></Response>"},
                 parties={BOB: Party(answer_after=1.0)})
    assert one(result, "transferDisconnect")["cause"] == "invalid-bxml"
    assert one(result, "transferComplete")["cause"] == "invalid-bxml"
    assert "conferenceCreated" not in kinds(result)


def test_hangup_in_transfer_answer_bxml_ends_the_b_leg_without_a_bridge(tmp_path):
    """<Hangup/> in transferAnswer BXML: the B-leg ends, the transfer completes."""
    result = run(tmp_path, "<Response>" + transfer((BOB, ' transferAnswerUrl="/ta"'),
                                                   transferCompleteUrl="/tc") + "</Response>",
                 routes={"/ta": "<Response><Hangup/></Response>",
                         "/tc": "<Response><Hangup/></Response>"},
                 parties={BOB: Party(answer_after=1.0)})
    assert kinds(result) == ["initiate", "transferAnswer", "transferDisconnect",
                             "transferComplete", "disconnect"]
    assert one(result, "transferComplete")["cause"] == "hangup"
    assert callback_at(result, "transferComplete") == pytest.approx(1.0, abs=0.01)


def test_a_leg_hang_up_while_transfer_answer_is_pending_ends_the_b_leg(tmp_path):
    """The caller leaves while the app answers transferAnswer slowly: B-leg hung up, no bridge."""
    result = run(tmp_path, "<Response>" + transfer((BOB, ' transferAnswerUrl="/ta"'),
                                                   transferCompleteUrl="/tc") + "</Response>",
                 routes={"/ta": Route(bxml="<Response></Response>", delay=5.0),
                         "/tc": "<Response><Hangup/></Response>"},
                 caller=(Hangup(at=3.0),), parties={BOB: Party(answer_after=1.0)})
    assert kinds(result) == ["initiate", "transferAnswer", "transferDisconnect", "disconnect"]
    assert callback_at(result, "transferDisconnect") == pytest.approx(3.0, abs=0.01)
    assert not [t for t in result["timeline"] if t["kind"] == "bridge"]


def test_undeliverable_transfer_answer_fails_the_b_leg_with_callback_error(tmp_path):
    """transferAnswer gets HTTP 500 (no fallback): the B-leg ends with callback-error."""
    result = run(tmp_path, "<Response>" + transfer((BOB, ' transferAnswerUrl="/ta"'),
                                                   transferCompleteUrl="/tc") + "</Response>",
                 routes={"/ta": Route(status=500, body=""),
                         "/tc": "<Response><Hangup/></Response>"},
                 parties={BOB: Party(answer_after=1.0)})
    assert one(result, "transferDisconnect")["cause"] == "callback-error"
    assert one(result, "transferComplete")["cause"] == "callback-error"
    assert result["calls"][1]["disconnectCause"] == "callback-error"


def test_sip_uri_targets_are_dialled_like_phone_numbers(tmp_path):
    """<SipUri>: the B-leg's `to` is the URI; the party is looked up by it."""
    uri = "sip:agent@pbx.example.com"
    result = run(tmp_path, f'<Response><Transfer><SipUri transferDisconnectUrl="/td">{uri}'
                 "</SipUri></Transfer></Response>",
                 parties={uri: Party(answer_after=1.0, caller=(Hangup(at=2.0),))})
    gone = one(result, "transferDisconnect")
    assert (gone["transferTo"], gone["cause"]) == (uri, "hangup")
    assert result["calls"][1]["to"] == uri


def test_start_recording_in_transfer_answer_bxml_records_the_b_leg(tmp_path):
    """A B-leg recording: callId = B-leg, payload names the parent; holds the caller once bridged."""
    parties = {BOB: Party(answer_after=1.0, caller=(Say("hello there", at=1.0),
                                                    Hangup(at=6.0)))}
    result = run(tmp_path, "<Response>" + transfer((BOB, ' transferAnswerUrl="/ta"'))
                 + "</Response>",
                 routes={"/ta": '<Response><StartRecording recordingAvailableUrl="/rec" '
                                'multiChannel="true"/></Response>'},
                 caller=CALLER_WORDS, parties=parties)
    a_leg, b_leg = result["calls"]
    [recording] = result["recordings"]
    assert recording["callId"] == b_leg["callId"]
    available = one(result, "recordingAvailable")
    assert (available["callId"], available["parentCallId"]) == (b_leg["callId"], a_leg["callId"])
    samples, start = recording_audio(tmp_path, recording)
    assert rms(samples[:, 0], 2.1 - start, 2.7 - start) > 0.01  # Bob: his own leg's far end
    assert rms(samples[:, 1], 4.1 - start, 4.7 - start) > 0.01  # the caller, heard by Bob


# ---- recording both ends (bxml-verbs.md §5.2)


CONVERSATION = {BOB: Party(answer_after=1.0, caller=(Say("hello there", at=1.0),
                                                     Hangup(at=6.0)))}
CALLER_WORDS = (Say("good morning", at=4.0),)  # A-leg caller: 4.0-4.8 s; Bob: 2.0-2.8 s


def record_transfer(tmp_path, multi_channel):
    result = run(tmp_path, f'<Response><StartRecording recordingAvailableUrl="/rec" '
                 f'multiChannel="{str(multi_channel).lower()}"/>' + transfer(BOB) + "</Response>",
                 caller=CALLER_WORDS, parties=CONVERSATION)
    [recording] = result["recordings"]
    return result, recording


def test_start_recording_across_a_transfer_records_both_parties(tmp_path):
    """Mono: the caller's words and the B party's words are both in the one channel."""
    result, recording = record_transfer(tmp_path, multi_channel=False)
    samples, start = recording_audio(tmp_path, recording)
    assert samples.shape[1] == recording["channels"] == 1
    mono = samples[:, 0]
    bob = rms(mono, 2.1 - start, 2.7 - start)
    caller = rms(mono, 4.1 - start, 4.7 - start)
    quiet = rms(mono, 3.0 - start, 3.8 - start)
    assert bob > 0.01 and caller > 0.01
    assert quiet < min(bob, caller) / 10
    assert recording["callId"] == result["calls"][0]["callId"]
    assert recording["endAt"] == pytest.approx(7.0, abs=0.01)


def test_multi_channel_puts_the_a_leg_left_and_the_b_leg_right(tmp_path):
    """multiChannel: channel 0 = A-leg caller, channel 1 = B-leg party during the transfer."""
    result, recording = record_transfer(tmp_path, multi_channel=True)
    samples, start = recording_audio(tmp_path, recording)
    assert samples.shape[1] == recording["channels"] == 2
    left, right = samples[:, 0], samples[:, 1]
    bob_window, caller_window = (2.1 - start, 2.7 - start), (4.1 - start, 4.7 - start)
    assert rms(left, *caller_window) > 0.01
    assert rms(right, *bob_window) > 0.01
    assert rms(left, *bob_window) < rms(right, *bob_window) / 10
    assert rms(right, *caller_window) < rms(left, *caller_window) / 10
    available = one(result, "recordingAvailable")
    assert available["channels"] == 2
    assert available["callId"] == result["calls"][0]["callId"]


def test_transfer_answer_whisper_is_not_in_the_a_leg_recording(tmp_path):
    """What transferAnswer BXML plays to the B party happens before the bridge: not recorded."""
    result = run(tmp_path, '<Response><StartRecording recordingAvailableUrl="/rec" '
                 'multiChannel="true"/>' + transfer((BOB, ' transferAnswerUrl="/ta"'))
                 + "</Response>",
                 routes={"/ta": "<Response><SpeakSentence>call from the front desk"
                                "</SpeakSentence></Response>"},
                 parties={BOB: Party(answer_after=1.0, caller=(Hangup(at=6.0),))})
    [recording] = result["recordings"]
    samples, start = recording_audio(tmp_path, recording)
    whisper = [t for t in result["timeline"]
               if t["kind"] == "verb-start" and t["verb"] == "SpeakSentence"]
    assert whisper and whisper[0]["callId"] == result["calls"][1]["callId"]
    begin = whisper[0]["at"]
    assert rms(samples[:, 1], begin + 0.1 - start, begin + 1.0 - start) < 1e-3
    assert rms(samples[:, 0], begin + 0.1 - start, begin + 1.0 - start) < 1e-3


@pytest.mark.parametrize("verb", [
    transfer(CAROL), "<Bridge>c-nobody</Bridge>", "<Conference>room</Conference>",
    f"<Forward to='{CAROL}'/>"])
def test_a_b_leg_redirected_to_a_connection_verb_ends_with_invalid_bxml(tmp_path, verb):
    """Spec §9: no Transfer/Bridge/Conference/Forward in B-leg BXML (``ON_B_LEG``). Lint
    refuses them in the transferAnswer reply; a B-leg that gets one later (a Redirect's reply,
    read as call BXML) ends there with invalid-bxml, the verb's end logged."""
    result = run(tmp_path, "<Response>" + transfer((BOB, ' transferAnswerUrl="/ta"')) +
                 "</Response>",
                 routes={"/ta": '<Response><Redirect redirectUrl="/more"/></Response>',
                         "/more": f"<Response>{verb}</Response>"},
                 parties={BOB: Party(answer_after=1.0)})
    b_leg = result["calls"][1]
    name = verb[1:].split(">")[0].split(" ")[0].rstrip("/")
    assert b_leg["disconnectCause"] == "invalid-bxml"
    assert b_leg["errorMessage"] == (f"<{name}> at line 1 is not allowed in transferAnswer "
                                     f"(B-leg) BXML")
    [end] = [e for e in result["timeline"] if e["kind"] == "verb-end" and e["verb"] == name
             and e["callId"] == b_leg["callId"]]
    assert end["detail"]["reason"] == "invalid-bxml"
