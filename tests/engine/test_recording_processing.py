"""Recording processing time (scenario ``recording_processing``, docs/engine.md).

Bandwidth processes a recording after it ends: recordComplete comes at the end (webhooks
recordComplete docs: "sent after the Record verb has finished"), recordingAvailable "once the
recording is available for download", transcriptionAvailable "once the transcription is
available" (spec callbacks.md §3.7-3.9); the docs give no duration. The simulator delivers them
``recording_available`` / ``transcription_available`` seconds after the end (default 0: at
the end, after everything else of that instant, as before).
"""

from __future__ import annotations

import attrs
import pytest

from simulator.runner import simulate
from simulator.scenario.model import (AppSettings, CallSettings, Hangup, Press,
                                      RecordingProcessing, Route, Say, Scenario, Silence,
                                      WaitFor)

VOICEMAIL = ("<Response><Record recordCompleteUrl='/rc' recordingAvailableUrl='/ra' "
             "transcribe='true' transcriptionAvailableUrl='/ta'/></Response>")
HANG_UP = "<Response><Hangup/></Response>"
GOODBYE = "<Response><SpeakSentence>thank you goodbye</SpeakSentence></Response>"
CALLER = (WaitFor("Record"), Say("please call me back", seconds=2), Press("#"))


def voicemail(processing: RecordingProcessing | None = None, reply: str = HANG_UP,
              bxml: str = VOICEMAIL, caller=CALLER) -> dict:
    scenario = Scenario(name="rp", call=CallSettings(disconnect_url="/disc"),
                        app=AppSettings(bxml=bxml, routes={"/rc": Route(bxml=reply)}),
                        caller=caller)
    if processing is not None:
        scenario = attrs.evolve(scenario, recording_processing=processing)
    return simulate(scenario).to_json()


def sent(result: dict) -> list[tuple[str, float]]:
    return [(c["eventType"], c["at"]) for c in result["callbacks"]]


def test_by_default_the_webhooks_come_at_the_end_of_the_recording():
    # the record ends at 2.0 s (the '#'); the reply hangs up: disconnect first (callbacks.md §4)
    assert sent(voicemail()) == [("initiate", 0.0), ("recordComplete", 2.0), ("disconnect", 2.0),
                                 ("recordingAvailable", 2.0), ("transcriptionAvailable", 2.0)]


def test_recording_and_transcription_arrive_after_their_processing_time():
    result = voicemail(RecordingProcessing(recording_available=3, transcription_available=12.5))
    assert sent(result) == [("initiate", 0.0), ("recordComplete", 2.0), ("disconnect", 2.0),
                            ("recordingAvailable", 5.0), ("transcriptionAvailable", 14.5)]
    by_event = {c["eventType"]: c["payload"] for c in result["callbacks"]}
    available, transcribed = by_event["recordingAvailable"], by_event["transcriptionAvailable"]
    assert available["eventTime"] == "2026-01-01T00:00:05.000Z"
    # the recording itself is unchanged: its times and duration are the Record's
    for payload in (available, transcribed, by_event["recordComplete"]):
        assert (payload["startTime"], payload["endTime"], payload["duration"]) == \
            ("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:02.000Z", "PT2S")
    assert transcribed["transcription"]["completedTime"] == "2026-01-01T00:00:14.500Z"
    assert transcribed["transcription"]["text"] == "please call me back"
    (rec,) = result["recordings"]
    assert (rec["endAt"], rec["duration"], rec["transcription"]["text"]) == \
        (2.0, 2.0, "please call me back")


def test_the_transcription_follows_the_recording_unless_told():
    result = voicemail(RecordingProcessing(recording_available=4))
    assert sent(result)[-2:] == [("recordingAvailable", 6.0), ("transcriptionAvailable", 6.0)]


def test_the_call_goes_on_while_the_recording_is_processed():
    # the recordComplete reply speaks for 1.2 s: recordingAvailable (1 s) arrives during it,
    # while the call is still up; the transcription (5 s) after the call ended
    result = voicemail(RecordingProcessing(1, 5), reply=GOODBYE)
    assert sent(result) == [("initiate", 0.0), ("recordComplete", 2.0),
                            ("recordingAvailable", 3.0), ("disconnect", 3.2),
                            ("transcriptionAvailable", 7.0)]
    assert result["calls"][0]["endTime"] == "2026-01-01T00:00:03.200Z"


def test_a_start_recording_is_processed_after_the_call_ended_too():
    bxml = ("<Response><StartRecording recordingAvailableUrl='/ra'/>"
            "<Pause duration='2'/></Response>")
    result = voicemail(RecordingProcessing(2.5), bxml=bxml, caller=(Silence(1),))
    assert sent(result) == [("initiate", 0.0), ("disconnect", 2.0), ("recordingAvailable", 4.5)]
    assert result["recordings"][0]["endReason"] == "call-ended"


def test_a_conference_recording_is_processed_after_its_delay():
    bxml = "<Response><Conference conferenceEventUrl='/conf'>room</Conference></Response>"
    record_room = "<Response><StartRecording recordingAvailableUrl='/cra'/></Response>"
    scenario = Scenario(name="rp", app=AppSettings(bxml=bxml, routes={
        "/conf": Route(bxml=record_room)}), caller=(Say("hello room", seconds=3), Hangup()),
        recording_processing=RecordingProcessing(2))
    result = simulate(scenario).to_json()
    stop = next(e["at"] for e in result["timeline"] if e["kind"] == "recording-stop")
    assert stop == 3.0
    assert ("conferenceRecordingAvailable", 5.0) in sent(result)


def test_recordings_are_written_when_processed(tmp_path):
    scenario = Scenario(name="rp", app=AppSettings(
        bxml=VOICEMAIL, routes={"/rc": Route(bxml=HANG_UP)}), caller=CALLER,
        recording_processing=RecordingProcessing(30, 60))
    result = simulate(scenario, tmp_path).to_json()
    (rec,) = result["recordings"]
    assert (tmp_path / rec["file"]).is_file()   # the run waits for processing to finish
    assert sent(result)[-1] == ("transcriptionAvailable", 62.0)
