"""Webhook payloads exactly as Bandwidth sends them (spec/callbacks.md); pure, no I/O.

Modules:
    formats     value formats: ``iso_time``, ``iso_duration``, ``IdFactory``, URLs, constants
    vocabulary  event names, sync/async sets, per-event key order, cause/status vocabularies
    records     builder inputs: ``CallEnvelope``, ``ConferenceEnvelope``, nested objects
    payloads    ``Payloads``: one builder method per event, returning the JSON object
    query       ``query_params``: a payload as GET query parameters

Typical use by the engine::

    payloads = Payloads(scenario.epoch, ids=IdFactory(rng))
    env = CallEnvelope(call_id=ids.call_id(), from_="+15555550100", to="+15555550199",
                       direction="inbound", start_time=0.0)
    payloads.gather(env.answered(0.5), at=12.3, digits="42", terminating_digit="#")
"""

from simulator.callbacks.formats import (
    ACCOUNT_ID, APPLICATION_ID, DEFAULT_EPOCH, VOICE_API_BASE, IdFactory, call_url,
    conference_media_url, iso_duration, iso_time, media_url, parse_epoch,
    realtime_transcription_url, transcription_url,
)
from simulator.callbacks.payloads import Payloads
from simulator.callbacks.query import query_params
from simulator.callbacks.records import (
    CallEnvelope, ConferenceEnvelope, MachineDetectionResult, MediaStream,
    RealTimeTranscription,
)
from simulator.callbacks.vocabulary import (
    ASYNC_EVENTS, CONFERENCE_EVENTS, DISCONNECT_CAUSES, ERROR_MESSAGES, EVENT_TYPES, EXTRAS,
    FIELDS, MACHINE_DETECTION_VALUES, NORMAL_CAUSES, RECORDING_STATUSES, REJECT_CAUSES,
    STOP_CAUSES, SYNC_EVENTS, TRANSCRIPTION_STATUSES,
)

__all__ = [
    "ACCOUNT_ID", "APPLICATION_ID", "ASYNC_EVENTS", "CONFERENCE_EVENTS", "CallEnvelope",
    "ConferenceEnvelope", "DEFAULT_EPOCH", "DISCONNECT_CAUSES", "ERROR_MESSAGES",
    "EVENT_TYPES", "EXTRAS", "FIELDS", "IdFactory", "MACHINE_DETECTION_VALUES",
    "MachineDetectionResult", "MediaStream", "NORMAL_CAUSES", "Payloads",
    "RECORDING_STATUSES", "REJECT_CAUSES", "RealTimeTranscription", "STOP_CAUSES",
    "SYNC_EVENTS", "TRANSCRIPTION_STATUSES", "VOICE_API_BASE", "call_url",
    "conference_media_url", "iso_duration", "iso_time", "media_url", "parse_epoch",
    "query_params", "realtime_transcription_url", "transcription_url",
]
