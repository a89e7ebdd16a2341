"""The typed Result: records over result.json, filters, audio, readable failures, short reprs."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

import simulator
from simulator.result import (Call, Callback, Failure, Recording, Records, Result, ResultFailed,
                              TimelineEntry)

VOICEMAIL = {
    "name": "voicemail",
    "app": {"bxml": "<Response><SpeakSentence>Leave a message.</SpeakSentence>"
                    "<Record recordCompleteUrl='/done' maxDuration='10'/></Response>",
            "routes": {"/done": "<Response><Hangup/></Response>"}},
    "caller": [{"wait_for": "Record"}, {"say": "call me back"}, {"press": "#"}],
    "expect": {"callbacks": ["initiate", "recordComplete"]},
}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return simulator.run_scenario(VOICEMAIL, out_dir=tmp_path_factory.mktemp("vm"))


def test_records_are_typed_and_keep_their_json(result):
    assert isinstance(result.call, Call) and result.call.disconnect_cause == "hangup"
    assert result.call.from_ == result.call["from"] == "+15555550100"
    [complete] = result.callbacks("recordComplete")
    assert isinstance(complete, Callback) and complete.status == 200
    assert complete.payload["eventType"] == "recordComplete" == complete["eventType"]
    [recording] = result.recordings
    assert isinstance(recording, Recording) and recording.end_reason == "terminating-digit"
    assert recording.segments[0].end_at == recording.end_at
    assert all(isinstance(e, TimelineEntry) for e in result.timeline)
    assert result.to_json() == json.loads(result.dumps())


def test_to_json_is_the_written_result_json(result):
    written = (result.out_dir / "result.json").read_text(encoding="utf-8")
    assert written == result.dumps()
    assert Result.load(result.out_dir).to_json() == result.to_json()


def test_calling_a_list_filters_it_by_name_and_fields(result):
    assert [c.event_type for c in result.callbacks()] == [
        c["eventType"] for c in result.to_json()["callbacks"]]
    gathers = result.timeline("verb-start", verb="Record")
    assert len(gathers) == 1 and gathers[0].verb == "Record"
    assert isinstance(gathers, Records)
    assert result.callbacks("gather") == []
    with pytest.raises(AttributeError, match="no field 'colour'"):
        result.callbacks(colour="red")


def test_recording_audio_is_a_numpy_array(result):
    audio = result.recordings[0].audio()
    assert isinstance(audio, np.ndarray) and audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == pytest.approx(result.recordings[0].duration * 8000, abs=1)
    assert np.abs(audio).max() > 0.01  # the caller spoke


def test_audio_without_an_output_folder_says_how_to_get_it():
    bare = simulator.run_scenario(VOICEMAIL)
    with pytest.raises(FileNotFoundError, match="out_dir"):
        bare.recordings[0].audio()


def test_reprs_are_short(result):
    assert repr(result) == "<Result 'voicemail' passed: 1 call, 2 callbacks, 1 recording>"
    assert repr(result.callbacks[1]).startswith("Callback(recordComplete@")
    assert len(repr(result.timeline)) < 120 * len(result.timeline)
    assert "payload" not in repr(result)


def test_a_failed_run_explains_itself_in_a_few_lines():
    failed = simulator.run_scenario({**VOICEMAIL, "expect": {"disconnect_cause": "busy"}})
    assert failed.passed is False
    assert repr(failed).startswith("<Result 'voicemail' FAILED: Failure(expect.disconnect_cause")
    text = str(failed.failures)
    assert "expected 'busy', got 'hangup'" in text and "\n" in text
    with pytest.raises(ResultFailed) as caught:
        failed.assert_ok()
    assert isinstance(caught.value, AssertionError)
    assert str(caught.value).startswith("scenario 'voicemail' failed:")
    assert "expected 'busy', got 'hangup'" in str(caught.value)


def test_assert_ok_names_file_line_and_the_result_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: f\napp:\n  bxml: <Response/>\nexpect:\n  disconnect_cause: busy\n")
    failed = simulator.run_scenario(path, out_dir=tmp_path / "out")
    message = failed.failure_text()
    assert f"{failed.file}:5: expect.disconnect_cause" in message
    assert f"result: {tmp_path / 'out' / 'result.json'}" in message


def test_assert_ok_returns_the_result_when_it_passed(result):
    assert result.assert_ok() is result


def test_failures_keep_dict_access_for_existing_code():
    failed = simulator.run_scenario({**VOICEMAIL, "expect": {"disconnect_cause": "busy"}})
    [failure] = failed.failures
    assert isinstance(failure, Failure)
    assert failure["line"] == failure.line == 0 and failure["message"] == failure.message
    assert failure == {**failure.to_json(), "message": failure.message, "line": 0}
    assert failure.kind == failure.get("kind")  # C3 keys, when the failure carries them


def test_later_keys_are_read_when_present_and_none_when_absent():
    entry = TimelineEntry.from_json({"at": 1.0, "callId": "c-1", "kind": "verb-start",
                                     "verb": "Gather", "line": 1, "col": 40,
                                     "path": "/Response/Gather[1]", "document": "http://a/x",
                                     "detail": {}, "future": 1})
    assert (entry.col, entry.path, entry.document) == (40, "/Response/Gather[1]", "http://a/x")
    assert entry.position == "1:40 /Response/Gather[1]" and entry["future"] == 1
    old = TimelineEntry.from_json({"at": 1.0, "callId": "c-1", "kind": "verb-start",
                                   "verb": "Gather", "line": 3, "detail": {}})
    assert old.col is None and old.position == "line 3"
    callback = Callback.from_json({"eventType": "gather", "appError": {"type": "KeyError"}})
    assert callback.app_error == {"type": "KeyError"}


def test_load_refuses_another_format(tmp_path):
    (tmp_path / "result.json").write_text('{"format": "bxmlsim-result/2"}')
    with pytest.raises(ValueError, match="bxmlsim-result/1"):
        Result.load(tmp_path)


def test_records_are_made_when_first_read_and_the_json_is_the_same_either_way(tmp_path):
    """calls/callbacks/recordings/timeline are typed on first read (a run that is only written
    never types them): result.json is the same before and after, and so is equality."""
    ran = simulator.run_scenario(VOICEMAIL, out_dir=tmp_path)
    written = (tmp_path / "result.json").read_text(encoding="utf-8")
    data = json.loads(written)
    fresh, typed = Result.from_json(data, tmp_path), Result.from_json(data, tmp_path)
    assert repr(fresh) == "<Result 'voicemail' passed: 1 call, 2 callbacks, 1 recording>"
    for record in (*typed.calls, *typed.callbacks, *typed.recordings, *typed.timeline):
        assert isinstance(record, (Call, Callback, Recording, TimelineEntry))
    assert typed.timeline is typed.timeline and isinstance(typed.callbacks, Records)
    assert fresh.dumps() == typed.dumps() == ran.dumps() == written
    assert fresh == typed and fresh.to_json() == data
    assert typed.recordings[0].path == tmp_path / data["recordings"][0]["file"]


def test_dumps_writes_records_and_json_objects_alike_and_leaves_them_as_they_were():
    # dumps reads the entries where they are held (no copy): a list mixing records and JSON
    # objects, typed or not yet, gives json.dumps(indent=2) of to_json()
    result = Result(name="n", file="x.yaml", seed=3, callbacks=[{"eventType": "gather"}],
                    timeline=[TimelineEntry.from_json({"kind": "a", "at": 1.0}),
                              {"kind": "b", "at": 2.5, "detail": {"digits": "1"}}],
                    failures=[{"message": "m", "line": 2}])
    data = result.to_json()
    assert result.dumps() == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert result.timeline[1].kind == "b"   # typed now: the same text
    assert result.dumps() == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert result.to_json() == data


def test_a_result_keeps_its_own_copy_of_the_objects_it_was_made_from():
    data = {"format": "bxmlsim-result/1", "scenario": {"name": "n", "file": None},
            "calls": [{"callId": "c-1", "direction": "inbound"}], "timeline": []}
    result = Result.from_json(data)
    data["calls"][0]["callId"] = "changed"
    data["calls"].append({"callId": "c-2"})
    assert [c.call_id for c in result.calls] == ["c-1"]
    result.to_json()["calls"][0]["callId"] = "changed too"
    assert result.calls[0]["callId"] == "c-1"


def test_a_shallow_copy_shares_the_record_lists_typed_or_not():
    data = {"format": "bxmlsim-result/1", "scenario": {"name": "n", "file": None},
            "calls": [{"callId": "c-1", "direction": "inbound"}], "timeline": []}
    for typed_first in (False, True):
        result = Result.from_json(data)
        if typed_first:
            assert len(result.calls) == 1
        twin = copy.copy(result)
        twin.calls.append(Call.from_json({"callId": "c-2"}))
        assert [c.call_id for c in result.calls] == ["c-1", "c-2"] and twin == result


def test_record_lists_can_be_replaced_and_recordings_follow_the_folder(tmp_path):
    result = Result(name="n", file=None, seed=0,
                    recordings=[{"recordingId": "r-1", "file": "recordings/r-1.wav"}])
    result.out_dir = tmp_path                      # before the recordings are typed
    assert result.recordings[0].path == tmp_path / "recordings" / "r-1.wav"
    result.out_dir = tmp_path / "moved"            # after
    assert result.recordings[0].path == tmp_path / "moved" / "recordings" / "r-1.wav"
    result.callbacks = [{"eventType": "gather", "attempt": 1}]
    result.timeline = [TimelineEntry.from_json({"kind": "call-end", "at": 2.0})]
    assert result.callbacks("gather")[0].attempt == 1 and result.timeline[0].kind == "call-end"
    assert result.to_json()["timeline"] == [{"kind": "call-end", "at": 2.0}]
    result.recordings = [{"recordingId": "r-2", "file": "recordings/r-2.wav"}]
    assert result.recordings[0].folder == tmp_path / "moved"
