"""StartStream/StopStream and StartTranscription/StopTranscription lifecycles (spec §8)."""

from engine_harness import run

STREAM = "<StartStream name='{}' destination='wss://ws.test/s' streamEventUrl='/se' tracks='{}'/>"


def events(r, prefix):
    return [(c["eventType"], c["at"]) for c in r.sim.callbacks if c["eventType"].startswith(prefix)]


def test_stream_starts_and_stops_with_events():
    r = run({"/answer": "<Response>" + STREAM.format("a", "both") +
             "<Pause duration='2'/><StopStream name='a'/><Pause duration='1'/></Response>"})
    assert events(r, "mediaStream") == [("mediaStreamStarted", 0.0), ("mediaStreamStopped", 2.0)]
    stopped = r.callback("mediaStreamStopped")["payload"]
    assert stopped["cause"] == "closed" and stopped["mediaStream"]["duration"] == "PT2S"
    assert stopped["mediaStream"]["tracks"] == ["inbound", "outbound"]


def test_duplicate_name_is_rejected_and_call_end_stops_the_stream():
    r = run({"/answer": "<Response>" + STREAM.format("a", "inbound") + STREAM.format("a", "inbound")
             + "<Pause duration='1'/></Response>"})
    assert [e for e, _ in events(r, "mediaStream")] == [
        "mediaStreamStarted", "mediaStreamRejected", "mediaStreamStopped"]
    assert r.callback("mediaStreamRejected")["payload"]["cause"] == "duplicate"
    assert r.callback("mediaStreamStopped")["at"] == 1.0


def test_more_than_four_tracks_are_rejected():
    r = run({"/answer": "<Response>" + STREAM.format("a", "both") + STREAM.format("b", "both")
             + STREAM.format("c", "inbound") + "</Response>"})
    assert r.callback("mediaStreamRejected")["payload"]["cause"] == "track-limit"


def test_stop_stream_of_an_unknown_name_does_nothing():
    r = run({"/answer": "<Response><StopStream name='zz'/></Response>"})
    assert events(r, "mediaStream") == []


def test_transcription_lifecycle_and_stop_without_name_stops_all():
    start = ("<StartTranscription name='{}' destination='wss://ws.test/t' "
             "transcriptionEventUrl='/te'/>")
    r = run({"/answer": "<Response>" + start.format("x") + start.format("y") +
             "<Pause duration='1'/><StopTranscription/><Pause duration='1'/></Response>"})
    kinds = [e for e, _ in events(r, "realTimeTranscription")]
    assert kinds == ["realTimeTranscriptionStarted", "realTimeTranscriptionStarted",
                     "realTimeTranscriptionStopped", "realTimeTranscriptionAvailable",
                     "realTimeTranscriptionStopped", "realTimeTranscriptionAvailable"]
    assert all(at == 1.0 for e, at in events(r, "realTimeTranscriptionStopped"))


def test_transcription_without_destination_only_reports_availability():
    r = run({"/answer": "<Response><StartTranscription transcriptionEventUrl='/te'/>"
                        "<Pause duration='1'/></Response>"})
    assert [e for e, _ in events(r, "realTimeTranscription")] == ["realTimeTranscriptionAvailable"]
