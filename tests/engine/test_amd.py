"""Answering-machine detection of outbound calls (engine/amd.py; spec voice-api.md §3.1
createCall ``machineDetection``, callbacks.md §3.2 answer ``machineDetectionResult``, §3.16
machineDetectionComplete, §1 delivery).

Reads like the spec: no speech within silenceTimeout is `silence`; speech lasting
speechThreshold is `answering-machine` (with delayResult only once the greeting ends, after
machineSpeechEndThreshold of silence); speech that ends (speechEndThreshold of silence) before
speechThreshold is `human`; nothing by detectionTimeout is `timeout`. Sync: the answer webhook
waits and carries the result; async: machineDetectionComplete goes to callbackUrl.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from simulator.callbacks import iso_duration
from simulator.engine.amd import Decision, classify
from simulator.engine.effects import Auth
from simulator.runner import simulate
from simulator.scenario.model import (AppSettings, CallSettings, CreatedCall, Hangup,
                                      MachineDetection, Press, RestAction, Route, Say,
                                      Scenario, Silence, UpdateCall)
from simulator.scenario.narrate import narrate

from engine_harness import run

FRAME = 0.02
PAUSE = "<Response><Pause duration='30'/></Response>"
GREETING = "Hi, you have reached Sam. I can't take your call, please leave a message. " * 2


def frames(*pattern: tuple[bool, float]) -> np.ndarray:
    """Sound flags of 20 ms frames: (sound?, seconds) runs in order."""
    return np.concatenate([np.zeros(0, dtype=bool)] + [
        np.full(int(round(seconds / FRAME)), sound, dtype=bool) for sound, seconds in pattern])


SOUND, QUIET = True, False


# -- the verdict, as a pure function of sound and silence -------------------------------------

def test_no_sound_within_silence_timeout_is_silence_at_silence_timeout():
    assert classify(frames(), MachineDetection()) == Decision("silence", 10.0)
    assert classify(frames((QUIET, 9.98), (SOUND, 1)), MachineDetection()) != \
        Decision("silence", 10.0)


def test_speech_that_ends_before_speech_threshold_is_human_when_the_silence_is_complete():
    sound = frames((QUIET, 1.0), (SOUND, 1.5))
    assert classify(sound, MachineDetection()) == Decision("human", 2.5 + 5.0)
    assert classify(sound, MachineDetection(speech_end_threshold=2)) == Decision("human", 4.5)


def test_speech_lasting_speech_threshold_is_a_machine_at_that_moment():
    sound = frames((QUIET, 0.5), (SOUND, 12))
    assert classify(sound, MachineDetection()) == Decision("answering-machine", 10.5)


def test_gaps_shorter_than_speech_end_threshold_are_part_of_one_speech():
    # 4 s of words, a 2 s pause, 6 s more: one 12 s speech, a machine at 10 s
    sound = frames((SOUND, 4), (QUIET, 2), (SOUND, 6))
    assert classify(sound, MachineDetection()) == Decision("answering-machine", 10.0)
    # the same pause ends the speech when speechEndThreshold is shorter than it: human
    assert classify(sound, MachineDetection(speech_end_threshold=1.5)) == \
        Decision("human", 5.5)


def test_a_threshold_passed_during_a_pause_counts_when_speech_resumes():
    sound = frames((SOUND, 4), (QUIET, 4.9), (SOUND, 3))
    decision = classify(sound, MachineDetection(speech_threshold=5))
    assert decision.value == "answering-machine" and decision.at == pytest.approx(8.9)


def test_delay_result_holds_the_machine_until_the_greeting_ends():
    greeting_then_beep = frames((SOUND, 12), (QUIET, 1), (SOUND, 0.5))
    config = MachineDetection(delay_result=True, detection_timeout=30)
    assert classify(greeting_then_beep, config) == Decision("answering-machine", 13.5 + 5)
    assert classify(greeting_then_beep, MachineDetection(
        delay_result=True, detection_timeout=30, machine_speech_end_threshold=0.5)) == \
        Decision("answering-machine", 12.5)


def test_delay_result_still_answers_at_detection_timeout():
    endless = frames((SOUND, 40))
    assert classify(endless, MachineDetection(delay_result=True)) == \
        Decision("answering-machine", 15.0)


def test_nothing_decided_by_detection_timeout_is_timeout():
    late_talker = frames((QUIET, 8), (SOUND, 20))  # speaks at 8 s; 7 s of speech by 15 s
    assert classify(late_talker, MachineDetection()) == Decision("timeout", 15.0)
    assert classify(frames(), MachineDetection(silence_timeout=20)) == Decision("timeout", 15.0)


def test_a_verdict_due_exactly_at_detection_timeout_wins():
    assert classify(frames(), MachineDetection(silence_timeout=15)) == Decision("silence", 15.0)
    sound = frames((SOUND, 10))
    assert classify(sound, MachineDetection(speech_threshold=11, speech_end_threshold=5)) == \
        Decision("human", 15.0)



def test_a_huge_detection_timeout_costs_only_the_frames_given():
    """The window past the last frame is silence, never allocated: 1e15 s (5e16 frames) is
    decided at once (the loader and the emulator refuse such values; the engine copes)."""
    huge = 1e15
    assert classify(frames(), MachineDetection(detection_timeout=huge, silence_timeout=huge)) \
        == Decision("silence", huge)
    assert classify(frames((SOUND, 1)), MachineDetection(detection_timeout=huge)) == \
        Decision("human", 6.0)
    assert classify(frames((SOUND, 1)), MachineDetection(
        detection_timeout=huge, speech_threshold=huge, speech_end_threshold=huge)) == \
        Decision("timeout", huge)

# -- on a call: where the result goes ------------------------------------------------------

def call(caller, routes=None, **amd):
    return run({"/answer": PAUSE, "/amd": "", **(routes or {})}, caller, direction="outbound",
               machine_detection=MachineDetection(**amd))


def entries(result_run, kind="machine-detection"):
    return [e.to_json() for e in result_run.kinds(kind)]


def test_sync_answer_waits_for_human_and_carries_machine_detection_result():
    r = call([Say("hello?", seconds=1.0)], mode="sync")
    answer = r.callback("answer")
    assert answer["at"] == pytest.approx(6.0)  # 1 s of speech + 5 s speechEndThreshold
    payload = answer["payload"]
    assert list(payload) == ["eventType", "eventTime", "accountId", "applicationId", "from",
                             "to", "direction", "callId", "callUrl", "startTime",
                             "answerTime", "machineDetectionResult"]
    assert payload["machineDetectionResult"] == {"value": "human", "duration": "PT6S"}
    assert payload["answerTime"] == "2026-01-01T00:00:00.000Z"  # answered at once
    assert payload["eventTime"] == "2026-01-01T00:00:06.000Z"  # sent once decided
    assert r.events() == ["answer", "disconnect"]
    [entry] = entries(r)
    assert entry["detail"] == {"mode": "sync", "value": "human", "duration": 6.0}
    # the answer's BXML runs only after the result: the Pause starts at 6 s
    [pause] = [e for e in r.kinds("verb-start") if e.verb == "Pause"]
    assert pause.at == pytest.approx(6.0)


def test_sync_answering_machine_with_a_fractional_iso_duration():
    r = call([Silence(1.25), Say(GREETING, seconds=14.0)], mode="sync")
    result = r.callback("answer")["payload"]["machineDetectionResult"]
    seconds = r.kinds("machine-detection")[0].detail["duration"]
    assert result == {"value": "answering-machine", "duration": iso_duration(seconds)}
    # speech began with the greeting's first audible 20 ms frame (frames start at the answer)
    assert 1.25 - FRAME <= seconds - 10.0 < 1.45
    assert result["duration"].startswith("PT11.") and result["duration"].endswith("S")


def test_sync_delay_result_answers_when_the_greeting_and_its_beep_are_over():
    r = call([Say(GREETING, seconds=12.0), Silence(1.0), Press("1", tone=0.5)], mode="sync",
             delay_result=True, detection_timeout=30)
    answer = r.callback("answer")
    assert answer["payload"]["machineDetectionResult"] == {"value": "answering-machine",
                                                           "duration": "PT18.5S"}
    assert answer["at"] == pytest.approx(18.5)  # beep ends at 13.5, then 5 s of silence


def test_sync_silence_and_timeout():
    silent = call([], mode="sync")
    assert silent.callback("answer")["payload"]["machineDetectionResult"] == {
        "value": "silence", "duration": "PT10S"}
    late = call([Silence(8), Say("sorry who is calling " * 5, seconds=20)], mode="sync")
    assert late.callback("answer")["payload"]["machineDetectionResult"] == {
        "value": "timeout", "duration": "PT15S"}


def test_far_end_hanging_up_during_sync_detection_ends_the_call_without_answer_webhook():
    r = call([Say("hello", seconds=1.0), Hangup()], mode="sync")
    assert r.events() == ["disconnect"]
    assert r.callback("disconnect")["payload"]["cause"] == "hangup"
    [entry] = entries(r)
    assert entry["at"] == 1.0
    assert entry["detail"] == {"mode": "sync", "value": None, "duration": 1.0,
                               "reason": "hangup"}


def test_async_answer_goes_at_once_and_machine_detection_complete_when_decided():
    r = call([Say("hello?", seconds=1.0)], callback_url="/amd")
    assert r.events() == ["answer", "machineDetectionComplete", "disconnect"]
    answer = r.callback("answer")
    assert answer["at"] == 0.0 and "machineDetectionResult" not in answer["payload"]
    complete = r.callback("machineDetectionComplete")
    assert complete["at"] == pytest.approx(6.0)
    assert complete["url"] == "http://app.test/amd" and complete["method"] == "POST"
    assert list(complete["payload"]) == [
        "eventType", "eventTime", "accountId", "applicationId", "from", "to", "direction",
        "callId", "callUrl", "startTime", "answerTime", "machineDetectionResult"]
    assert complete["payload"]["machineDetectionResult"] == {"value": "human",
                                                             "duration": "PT6S"}
    [webhook] = [w for w in r.requests if w.event_type == "machineDetectionComplete"]
    assert webhook.sync is False
    # the call went on meanwhile: the answer's Pause ran from 0 s
    [pause] = [e for e in r.kinds("verb-start") if e.verb == "Pause"]
    assert pause.at == 0.0


def test_async_body_is_ignored_even_if_it_is_bxml():
    r = call([Say("hello?", seconds=1.0)], callback_url="/amd",
             routes={"/amd": "<Response><Hangup/></Response>"})
    assert r.leg.end_at == pytest.approx(30.0)  # the Pause ran out, not a Hangup at 6 s


def test_async_without_callback_url_sends_nothing_but_logs_the_result():
    r = call([Say("hello?", seconds=1.0)])
    assert r.events() == ["answer", "disconnect"]
    assert entries(r)[0]["detail"]["value"] == "human"


def test_far_end_hanging_up_during_async_detection_sends_no_result():
    r = call([Say("hello", seconds=1.0), Hangup()], callback_url="/amd")
    assert r.events() == ["answer", "disconnect"]
    assert entries(r)[0]["detail"]["reason"] == "hangup"


def test_the_app_ending_the_call_first_leaves_no_result_with_reason_call_ended():
    r = run({"/answer": "<Response><Hangup/></Response>", "/amd": ""},
            [Say("hello", seconds=1.0)], direction="outbound",
            machine_detection=MachineDetection(callback_url="/amd"))
    assert r.events() == ["answer", "disconnect"]
    assert entries(r)[0]["detail"]["reason"] == "call-ended"


def test_callback_credentials_and_fallback_go_on_the_async_webhook():
    r = call([Say("hello?", seconds=1.0)], callback_url="/amd", callback_method="GET",
             username="amd", password="secret", fallback_url="https://backup.test/amd",
             fallback_method="POST", fallback_username="fb", fallback_password="pw")
    [webhook] = [w for w in r.requests if w.event_type == "machineDetectionComplete"]
    assert webhook.method == "GET" and webhook.auth == Auth("amd", "secret")
    assert webhook.fallback_url == "https://backup.test/amd"
    assert webhook.fallback_auth == Auth("fb", "pw")


def test_amd_hears_pauses_between_words_the_way_record_silence_timeout_does():
    """Both use audio.detect's frame test: a 1 s pause inside the far end's speech ends
    neither a Record with silenceTimeout=2 nor speech with speechEndThreshold=2, and the
    silence after it fires both at the same moment."""
    caller = [Say("one two three", seconds=1.5), Silence(1.0), Say("four five", seconds=1.0)]
    record = run({"/answer": "<Response><Record silenceTimeout='2' maxDuration='30'/>"
                             "</Response>"}, caller, direction="outbound")
    detected = call(caller, speech_end_threshold=2)
    [rec] = record.recordings
    [entry] = entries(detected)
    assert rec["endReason"] == "silence-timeout"
    assert entry["detail"]["value"] == "human"
    assert entry["at"] == pytest.approx(rec["endAt"], abs=0.021)  # within one frame
    assert entry["at"] == pytest.approx(3.5 + 2.0, abs=0.021)



def test_a_huge_detection_timeout_on_a_call_renders_only_the_audio_sent():
    r = call([Say("hello?", seconds=1.0)], mode="sync", detection_timeout=1e15)
    assert r.callback("answer")["payload"]["machineDetectionResult"] == {
        "value": "human", "duration": "PT6S"}


def _ms(iso: str) -> int:
    stamp = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return round(stamp.timestamp() * 1000)


def test_a_machine_verdict_when_speech_resumes_off_the_frame_grid_is_not_back_dated():
    """The threshold (5 s) passes in the gap; speech resumes at 9.99 s, inside the frame that
    begins at 9.98 s. The verdict is taken when that sound comes, so it falls at 9.99 s: the
    timeline entry, ``duration`` and eventTime - answerTime all say 9.99 s."""
    caller = [Say("one two three four", seconds=4.0), Silence(5.99),
              Say("five six", seconds=2.0)]
    for mode, event in (("sync", "answer"), ("async", "machineDetectionComplete")):
        r = call(caller, mode=mode, speech_threshold=5, speech_end_threshold=6,
                 **({"callback_url": "/amd"} if mode == "async" else {}))
        [entry] = entries(r)
        assert (entry["at"], entry["detail"]["value"], entry["detail"]["duration"]) == \
            (9.99, "answering-machine", 9.99)
        sent = r.callback(event)
        payload = sent["payload"]
        assert sent["at"] == 9.99
        assert payload["machineDetectionResult"] == {"value": "answering-machine",
                                                     "duration": "PT9.99S"}
        assert _ms(payload["eventTime"]) - _ms(payload["answerTime"]) == 9990

# -- through the runner: delivery policy, created calls, REST -------------------------------

def simulate_outbound(tmp_path, amd, caller, routes=None, rest=()):
    table = {"/answer": Route(bxml=PAUSE), "/disc": Route(status=200, body=""),
             **(routes or {})}
    scenario = Scenario(name="amd", app=AppSettings(routes=table), caller=tuple(caller),
                        call=CallSettings(direction="outbound", disconnect_url="/disc",
                                          machine_detection=amd), rest=tuple(rest))
    return simulate(scenario, tmp_path / "out").to_json()


def test_get_callback_method_sends_the_result_as_a_json_query_parameter(tmp_path):
    result = simulate_outbound(tmp_path, MachineDetection(callback_url="/amd",
                                                          callback_method="GET"),
                               [Say("hello?", seconds=1.0)],
                               routes={"/amd": Route(status=204, body="")})
    [complete] = [c for c in result["callbacks"] if c["eventType"] == "machineDetectionComplete"]
    assert complete["method"] == "GET" and complete["status"] == 204
    assert complete["payload"]["machineDetectionResult"] == \
        '{"value":"human","duration":"PT6S"}'


def test_a_failing_callback_url_falls_back_like_any_async_webhook(tmp_path):
    result = simulate_outbound(
        tmp_path, MachineDetection(callback_url="/amd", fallback_url="/amd-fallback",
                                   fallback_method="GET"),
        [Say("hello?", seconds=1.0)],
        routes={"/amd": Route(fault="refused"), "/amd-fallback": Route(status=200, body="")})
    attempts = [(c["url"], c["method"], c["attempt"], c["fallback"], c["status"])
                for c in result["callbacks"] if c["eventType"] == "machineDetectionComplete"]
    assert attempts == [("http://app.test/amd", "POST", 1, False, None),
                        ("http://app.test/amd", "POST", 2, False, None),  # connection error
                        ("http://app.test/amd-fallback", "GET", 3, True, 200)]
    assert result["calls"][0]["disconnectCause"] == "hangup"  # the call is not affected


def test_a_call_the_app_creates_runs_its_own_machine_detection(tmp_path):
    scenario = Scenario(
        name="created", app=AppSettings(routes={"/answer": Route(bxml=PAUSE),
                                                "/dial": Route(bxml=PAUSE)}),
        calls={"lead": CreatedCall(to="+15555550123", answer_url="/dial", at=2.0,
                                   answer_after=3.0, caller=(Say(GREETING, seconds=12.0),),
                                   machine_detection=MachineDetection(mode="sync"))})
    result = simulate(scenario, tmp_path / "out").to_json()
    [answer] = [c for c in result["callbacks"] if c["eventType"] == "answer"]
    assert answer["url"] == "http://app.test/dial"
    assert answer["payload"]["machineDetectionResult"]["value"] == "answering-machine"
    assert answer["at"] == pytest.approx(5.0 + 10.0, abs=0.2)  # answered at 5 s
    assert result["calls"][0]["direction"] == "inbound"  # the main call has no detection
    assert not [e for e in result["timeline"] if e["kind"] == "machine-detection"
                and e["callId"] == result["calls"][0]["callId"]]


def test_a_rest_redirect_during_sync_detection_replaces_the_answer_and_its_result(tmp_path):
    result = simulate_outbound(
        tmp_path, MachineDetection(mode="sync"), [],
        routes={"/now": Route(bxml="<Response><Hangup/></Response>")},
        rest=[RestAction(at=4.0, update_call=UpdateCall(redirect_url="/now"))])
    assert [c["eventType"] for c in result["callbacks"]] == ["redirect", "disconnect"]
    [entry] = [e for e in result["timeline"] if e["kind"] == "machine-detection"]
    assert entry["detail"] == {"mode": "sync", "value": None, "duration": 4.0,
                               "reason": "redirected"}


def test_narration_tells_the_verdict_and_a_missing_one(tmp_path):
    result = simulate_outbound(tmp_path, MachineDetection(mode="sync"),
                               [Say("hello?", seconds=1.0)])
    assert any(line.endswith("machine detection (sync): human after 6 s")
               for line in narrate(result))
    hung_up = simulate_outbound(tmp_path, MachineDetection(), [Say("hi", seconds=1.0),
                                                               Hangup()])
    assert any(line.endswith("machine detection (async): no result after 1 s (hangup)")
               for line in narrate(hung_up))
