"""Every payload against the official SDK (bandwidth-sdk) callback models, the oracle for
field names, types and order (spec/callbacks.md §3)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

bandwidth_models = pytest.importorskip("bandwidth.models")

from simulator.callbacks import EVENT_TYPES, EXTRAS, FIELDS  # noqa: E402

SDK_MODELS = {
    "initiate": "InitiateCallback",
    "answer": "AnswerCallback",
    "disconnect": "DisconnectCallback",
    "redirect": "RedirectCallback",
    "gather": "GatherCallback",
    "dtmf": "DtmfCallback",
    "recordComplete": "RecordingCompleteCallback",
    "recordingAvailable": "RecordingAvailableCallback",
    "transcriptionAvailable": "TranscriptionAvailableCallback",
    "transferAnswer": "TransferAnswerCallback",
    "transferComplete": "TransferCompleteCallback",
    "transferDisconnect": "TransferDisconnectCallback",
    "bridgeComplete": "BridgeCompleteCallback",
    "bridgeTargetComplete": "BridgeTargetCompleteCallback",
    "conferenceCreated": "ConferenceCreatedCallback",
    "conferenceMemberJoin": "ConferenceMemberJoinCallback",
    "conferenceMemberExit": "ConferenceMemberExitCallback",
    "conferenceRedirect": "ConferenceRedirectCallback",
    "conferenceCompleted": "ConferenceCompletedCallback",
    "conferenceRecordingAvailable": "ConferenceRecordingAvailableCallback",
    "machineDetectionComplete": "MachineDetectionCompleteCallback",
    "referComplete": "ReferCompleteCallback",
}
# The media-stream and real-time-transcription events have no SDK model (§3.18, §3.19), nor
# does the inferred partialResult of a speech Gather (README #14).
NO_SDK_MODEL = {e for e in EVENT_TYPES
                if e.startswith(("mediaStream", "realTimeTranscription", "partialResult"))}
# Nested keys the docs define beyond the SDK's Transcription {speaker,text,confidence} (README #7).
TRANSCRIPTION_DOC_KEYS = {"id", "url", "status", "completedTime"}


def sdk_model(event_type):
    return getattr(bandwidth_models, SDK_MODELS[event_type])


def sdk_order(model) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()
            if name != "additional_properties"]


def test_the_fixture_builds_every_event_type(every_event):
    assert set(every_event) == set(EVENT_TYPES)
    assert set(SDK_MODELS) | NO_SDK_MODEL == set(EVENT_TYPES)
    assert len(EVENT_TYPES) == len(set(EVENT_TYPES))


@pytest.mark.parametrize("event_type", sorted(SDK_MODELS))
def test_key_order_table_is_the_sdk_model_order(event_type):
    assert list(FIELDS[event_type]) == sdk_order(sdk_model(event_type))


@pytest.mark.parametrize("event_type", sorted(SDK_MODELS))
def test_payload_validates_against_the_sdk_model(event_type, every_event):
    payload = every_event[event_type]
    model = sdk_model(event_type).from_dict(payload)
    # No key silently lands in additional_properties unless the spec documents it.
    assert set(model.additional_properties) == set(EXTRAS.get(event_type, ()))
    # SDK keys appear in SDK order, documented extras after them.
    known = [key for key in payload if key in FIELDS[event_type]]
    assert known == [key for key in sdk_order(type(model)) if key in payload]
    assert list(payload)[len(known):] == [k for k in EXTRAS.get(event_type, ()) if k in payload]
    # Times are real ISO date-times of the configured epoch.
    event_time = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert model.event_time - event_time < timedelta(hours=1)


@pytest.mark.parametrize("event_type", sorted(SDK_MODELS))
def test_sdk_round_trip_keeps_every_key_and_value_type(event_type, every_event):
    payload = every_event[event_type]
    again = sdk_model(event_type).from_dict(payload).to_dict()
    # The SDK writes back null for nullable keys absent from the input; we never send null.
    again = {key: value for key, value in again.items() if value is not None}
    assert set(again) == set(payload)
    for key, value in payload.items():
        if isinstance(value, (int, str)) and not key.endswith("Time"):
            assert again[key] == value, key


def test_transcription_object_is_the_docs_shape_plus_text_and_confidence(every_event):
    model = bandwidth_models.TranscriptionAvailableCallback.from_dict(
        every_event["transcriptionAvailable"])
    assert model.transcription.text == "hello there"
    assert model.transcription.confidence == 0.92
    assert set(model.transcription.additional_properties) == TRANSCRIPTION_DOC_KEYS


def test_nested_objects_use_sdk_keys(every_event):
    initiate = bandwidth_models.InitiateCallback.from_dict(every_event["initiate"])
    assert initiate.diversion.orig_to == "+15555550142"
    assert initiate.diversion.additional_properties == {}
    assert initiate.stir_shaken.attestation_indicator == "A"
    assert initiate.sip_headers == {"x-account": "42"}
    answer = bandwidth_models.AnswerCallback.from_dict(every_event["answer"])
    assert (answer.machine_detection_result.value, answer.machine_detection_result.duration) \
        == ("human", "PT4.989S")
    assert answer.machine_detection_result.additional_properties == {}
