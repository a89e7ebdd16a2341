"""One builder per webhook event: the exact JSON object Bandwidth sends (callbacks.md §3).

``Payloads(epoch, ids)`` is made once per simulation. Every builder takes the envelope of
the call (or conference) and ``at`` (virtual seconds, the ``eventTime``) plus the event's own
fields, and returns a plain dict: camelCase keys in the order of ``vocabulary.FIELDS``,
keys with no value left out, ``tag`` only when set. Errors in the arguments are engine bugs
and raise ``ValueError``.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, Mapping

from simulator.callbacks import formats
from simulator.callbacks.formats import DEFAULT_EPOCH, IdFactory, iso_duration
from simulator.callbacks.records import (
    CallEnvelope, ConferenceEnvelope, MachineDetectionResult, MediaStream,
    RealTimeTranscription,
)
from simulator.callbacks.vocabulary import (
    DISCONNECT_CAUSES, ERROR_MESSAGES, EXTRAS, FIELDS, FILE_FORMATS, NORMAL_CAUSES,
    REALTIME_TRANSCRIPTION_STATUSES, RECORDING_STATUSES, REFER_CALL_STATUSES, REJECT_CAUSES,
    STOP_CAUSES, STREAM_ERROR_MESSAGES, TRANSCRIPTION_STATUSES,
)


def _check(name: str, value: Any, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}, got {value!r}")


def _compact(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if value is not None}


#: The confidence of a simulated speech result: what the caller said is what is heard.
SPEECH_CONFIDENCE = 1.0


def speech_result(text: str | None) -> dict[str, Any] | None:
    """``speechResult`` of a speech Gather (README #14): ``{text, confidence}``, the shape of
    Bandwidth's transcripts (RecordingTranscriptions); confidence 0 when nothing was said."""
    if text is None:
        return None
    return {"text": text, "confidence": SPEECH_CONFIDENCE if text else 0.0}


@functools.lru_cache(maxsize=None)
def _event_keys(event_type: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """An event's keys in payload order, and as a set (``FIELDS`` and ``EXTRAS`` are fixed
    tables: worked out once per event type, not per payload)."""
    keys = FIELDS[event_type] + EXTRAS.get(event_type, ())
    return keys, frozenset(keys)


def _copy(obj: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if obj is None else dict(obj)


class Payloads:
    """Builds webhook payloads for one simulation (fixed epoch, seeded error ids)."""

    def __init__(self, epoch: str | datetime = DEFAULT_EPOCH, *, ids: IdFactory) -> None:
        self._times = formats.TimeTexts(epoch)
        self.epoch = self._times.epoch
        self.ids = ids

    def time(self, at: float | None) -> str | None:
        """Virtual seconds as an ISO payload time (``None`` stays ``None``), each instant
        formatted once a run."""
        return None if at is None else self._times.text(at)

    # -- assembly ---------------------------------------------------------------------

    def _call_fields(self, env: CallEnvelope) -> dict[str, Any]:
        return {
            "accountId": env.account_id, "applicationId": env.application_id,
            "from": env.from_, "to": env.to, "direction": env.direction,
            "callId": env.call_id, "callUrl": env.call_url,
            "enqueuedTime": self.time(env.enqueued_time), "startTime": self.time(env.start_time),
            "answerTime": self.time(env.answer_time), "tag": env.tag,
            "parentCallId": env.parent_call_id, "transferCallerId": env.transfer_caller_id,
            "transferTo": env.transfer_to,
        }

    def _build(self, event_type: str, at: float, base: Mapping[str, Any],
               fields: Mapping[str, Any]) -> dict[str, Any]:
        """Envelope values, overridden by event values, laid out in the event's key order.

        Envelope keys the event does not carry are dropped (initiate has no tag); an event
        key outside the event's list is an engine bug.
        """
        keys, known = _event_keys(event_type)
        if not known.issuperset(fields):
            stray = set(fields) - known
            raise ValueError(f"{event_type} has no field(s) {sorted(stray)}")
        values = {**base, **fields, "eventType": event_type, "eventTime": self.time(at)}
        return {key: values[key] for key in keys if values.get(key) is not None}

    def _call(self, event_type: str, env: CallEnvelope, at: float, **fields: Any) -> dict:
        return self._build(event_type, at, self._call_fields(env), fields)

    def _conference(self, event_type: str, conf: ConferenceEnvelope, at: float,
                    member: CallEnvelope | None = None, **fields: Any) -> dict:
        base = self._call_fields(member) if member is not None else {}
        # The conference's values win: its tag is the creating call's (§3.15).
        base |= {"conferenceId": conf.conference_id, "name": conf.name, "tag": conf.tag,
                 "accountId": conf.account_id}
        return self._build(event_type, at, base, fields)

    def _error(self, cause: str | None, error_message: str | None,
               messages: Mapping[str, str], with_id: bool = True) -> dict[str, Any]:
        """cause/errorMessage/errorId: error fields only for causes that are errors."""
        if cause is None or cause in NORMAL_CAUSES or cause == "closed":
            if error_message is not None:
                raise ValueError(f"cause {cause!r} is not an error; it takes no error_message")
            return {"cause": cause}
        fields = {"cause": cause, "errorMessage": error_message or messages[cause]}
        if with_id:  # stream/transcription events document no errorId
            fields["errorId"] = self.ids.error_id()
        return fields

    def _recording(self, recording_id: str, start: float, end: float, duration: float,
                   file_format: str) -> dict[str, Any]:
        _check("file_format", file_format, FILE_FORMATS)
        if end < start:
            raise ValueError(f"recording end {end} is before its start {start}")
        return {"recordingId": recording_id, "startTime": self.time(start),
                "endTime": self.time(end), "duration": iso_duration(duration),
                "fileFormat": file_format}

    # -- call events ------------------------------------------------------------------

    def initiate(self, env: CallEnvelope, *, at: float, diversion: Mapping[str, str] | None = None,
                 stir_shaken: Mapping[str, str] | None = None, uui: str | None = None,
                 sip_call_id: str | None = None,
                 sip_headers: Mapping[str, str] | None = None) -> dict:
        return self._call("initiate", env, at, diversion=_copy(diversion),
                          stirShaken=_copy(stir_shaken), uui=uui, sipCallId=sip_call_id,
                          sipHeaders=_copy(sip_headers))

    def answer(self, env: CallEnvelope, *, at: float,
               machine_detection: MachineDetectionResult | None = None,
               sip_call_id: str | None = None) -> dict:
        return self._call("answer", env, at, sipCallId=sip_call_id,
                          machineDetectionResult=self._amd(machine_detection))

    def disconnect(self, env: CallEnvelope, *, at: float, cause: str,
                   end: float | None = None, error_message: str | None = None,
                   sip_call_id: str | None = None, sip_response_code: int | None = None) -> dict:
        """``end`` (endTime) defaults to ``at``."""
        _check("cause", cause, DISCONNECT_CAUSES)
        return self._call("disconnect", env, at, endTime=self.time(at if end is None else end),
                          sipCallId=sip_call_id, sipResponseCode=sip_response_code,
                          **self._error(cause, error_message, ERROR_MESSAGES))

    def redirect(self, env: CallEnvelope, *, at: float) -> dict:
        return self._call("redirect", env, at)

    def gather(self, env: CallEnvelope, *, at: float, digits: str,
               terminating_digit: str = "", speech: str | None = None) -> dict:
        """``digits`` without the terminating key; both are ``""`` when nothing applies.
        ``speech``: the transcript of a Gather whose input includes speech (``""`` when the
        caller said nothing), sent as ``speechResult`` (README #14); None: a DTMF Gather."""
        return self._call("gather", env, at, digits=digits, terminatingDigit=terminating_digit,
                          speechResult=speech_result(speech))

    def partial_result(self, env: CallEnvelope, *, at: float, speech: str) -> dict:
        """What a speech Gather has recognised so far (its partialResultCallback)."""
        return self._call("partialResult", env, at, speechResult=speech_result(speech))

    def dtmf(self, env: CallEnvelope, *, at: float, digit: str) -> dict:
        if len(digit) != 1:
            raise ValueError(f"a dtmf event carries one key, got {digit!r}")
        return self._call("dtmf", env, at, digit=digit)

    def record_complete(self, env: CallEnvelope, *, at: float, recording_id: str, start: float,
                        end: float, duration: float, file_format: str = "wav",
                        channels: int = 1) -> dict:
        """``start``/``end`` are the recording's; ``duration`` excludes paused time."""
        return self._call("recordComplete", env, at, channels=channels,
                          mediaUrl=formats.media_url(env.call_url, recording_id),
                          **self._recording(recording_id, start, end, duration, file_format))

    def recording_available(self, env: CallEnvelope, *, at: float, recording_id: str,
                            start: float, end: float, duration: float, file_format: str = "wav",
                            channels: int = 1, status: str = "complete") -> dict:
        _check("status", status, RECORDING_STATUSES)
        _check("channels", channels, (1, 2))
        return self._call("recordingAvailable", env, at, channels=channels, status=status,
                          mediaUrl=formats.media_url(env.call_url, recording_id),
                          **self._recording(recording_id, start, end, duration, file_format))

    def transcription_available(self, env: CallEnvelope, *, at: float, recording_id: str,
                                start: float, end: float, duration: float,
                                transcription_id: str, file_format: str = "wav",
                                status: str = "available", completed: float | None = None,
                                text: str | None = None,
                                confidence: float | None = None) -> dict:
        """``transcription`` = docs shape {id, url, status, completedTime} plus ``text`` and
        ``confidence`` (README #7); ``completed`` defaults to ``at``."""
        _check("status", status, TRANSCRIPTION_STATUSES)
        transcription = _compact({
            "id": transcription_id,
            "url": formats.transcription_url(env.call_url, recording_id),
            "status": status, "completedTime": self.time(at if completed is None else completed),
            "text": text, "confidence": confidence})
        return self._call("transcriptionAvailable", env, at, transcription=transcription,
                          mediaUrl=formats.media_url(env.call_url, recording_id),
                          **self._recording(recording_id, start, end, duration, file_format))

    def transfer_answer(self, b_leg: CallEnvelope, *, at: float) -> dict:
        """``b_leg`` from ``a_leg.transfer_leg(...)``; ``parentCallId`` is a documented extra."""
        return self._call("transferAnswer", b_leg, at)

    def transfer_complete(self, a_leg: CallEnvelope, *, at: float, transfer_caller_id: str,
                          transfer_to: str, cause: str = "hangup",
                          error_message: str | None = None) -> dict:
        """Sent on the A-leg; ``transfer_caller_id``/``transfer_to`` describe the B-leg."""
        _check("cause", cause, DISCONNECT_CAUSES)
        return self._call("transferComplete", a_leg, at, transferCallerId=transfer_caller_id,
                          transferTo=transfer_to,
                          **self._error(cause, error_message, ERROR_MESSAGES))

    def transfer_disconnect(self, b_leg: CallEnvelope, *, at: float, cause: str = "hangup",
                            end: float | None = None, error_message: str | None = None) -> dict:
        _check("cause", cause, DISCONNECT_CAUSES)
        return self._call("transferDisconnect", b_leg, at,
                          endTime=self.time(at if end is None else end),
                          **self._error(cause, error_message, ERROR_MESSAGES))

    def bridge_complete(self, env: CallEnvelope, *, at: float, cause: str | None = None,
                        error_message: str | None = None) -> dict:
        """``cause`` only when bridging failed (busy, rejected, unknown, ...)."""
        if cause is not None:
            _check("cause", cause, DISCONNECT_CAUSES)
        return self._call("bridgeComplete", env, at,
                          **self._error(cause, error_message, ERROR_MESSAGES))

    def bridge_target_complete(self, target: CallEnvelope, *, at: float) -> dict:
        return self._call("bridgeTargetComplete", target, at)

    def machine_detection_complete(self, env: CallEnvelope, *, at: float,
                                   result: MachineDetectionResult) -> dict:
        return self._call("machineDetectionComplete", env, at,
                          machineDetectionResult=self._amd(result))

    def refer_complete(self, env: CallEnvelope, *, at: float, status: str,
                       refer_sip_response_code: int | None = None,
                       notify_sip_response_code: int | None = None) -> dict:
        _check("status", status, REFER_CALL_STATUSES)
        return self._call("referComplete", env, at, referCallStatus=status,
                          referSipResponseCode=refer_sip_response_code,
                          notifySipResponseCode=notify_sip_response_code)

    def _amd(self, result: MachineDetectionResult | None) -> dict | None:
        if result is None:
            return None
        return {"value": result.value, "duration": iso_duration(result.duration)}

    # -- conference events ------------------------------------------------------------

    def conference_created(self, conf: ConferenceEnvelope, *, at: float) -> dict:
        return self._conference("conferenceCreated", conf, at)

    def conference_member_join(self, conf: ConferenceEnvelope, *, at: float,
                               member: CallEnvelope) -> dict:
        return self._conference("conferenceMemberJoin", conf, at, member)

    def conference_member_exit(self, conf: ConferenceEnvelope, *, at: float,
                               member: CallEnvelope) -> dict:
        return self._conference("conferenceMemberExit", conf, at, member)

    def conference_redirect(self, conf: ConferenceEnvelope, *, at: float) -> dict:
        return self._conference("conferenceRedirect", conf, at)

    def conference_completed(self, conf: ConferenceEnvelope, *, at: float) -> dict:
        return self._conference("conferenceCompleted", conf, at)

    def conference_recording_available(self, conf: ConferenceEnvelope, *, at: float,
                                       recording_id: str, start: float, end: float,
                                       duration: float, file_format: str = "wav",
                                       status: str = "complete") -> dict:
        """Conference recordings are always one channel."""
        _check("status", status, RECORDING_STATUSES)
        return self._conference(
            "conferenceRecordingAvailable", conf, at, channels=1, status=status,
            mediaUrl=formats.conference_media_url(conf.account_id, conf.conference_id,
                                                  recording_id),
            **self._recording(recording_id, start, end, duration, file_format))

    # -- media stream and real-time transcription events (no SDK models) ---------------

    def _stream(self, stream: MediaStream | None, duration: float | None = None) -> dict | None:
        if stream is None:
            return None
        return _compact({
            "destination": stream.destination,
            "duration": None if duration is None else iso_duration(duration),
            "id": stream.id, "name": stream.name or stream.id,
            "startTime": self.time(stream.start), "tracks": list(stream.tracks),
            "type": stream.type})

    def media_stream_started(self, env: CallEnvelope, *, at: float, stream: MediaStream) -> dict:
        return self._call("mediaStreamStarted", env, at, mediaStream=self._stream(stream))

    def media_stream_rejected(self, env: CallEnvelope, *, at: float, stream: MediaStream,
                              cause: str, error_message: str | None = None,
                              original: MediaStream | None = None) -> dict:
        """``original``: the existing stream a ``duplicate`` name collides with."""
        _check("cause", cause, REJECT_CAUSES)
        return self._call("mediaStreamRejected", env, at, mediaStream=self._stream(stream),
                          originalMediaStream=self._stream(original),
                          **self._error(cause, error_message, STREAM_ERROR_MESSAGES, False))

    def media_stream_stopped(self, env: CallEnvelope, *, at: float, stream: MediaStream,
                             cause: str = "closed", error_message: str | None = None) -> dict:
        """``mediaStream.duration`` = ``at`` - stream start."""
        _check("cause", cause, STOP_CAUSES)
        return self._call("mediaStreamStopped", env, at,
                          mediaStream=self._stream(stream, at - stream.start),
                          **self._error(cause, error_message, STREAM_ERROR_MESSAGES, False))

    def _rtt(self, rtt: RealTimeTranscription | None, **more: Any) -> dict | None:
        if rtt is None:
            return None
        return _compact({
            "id": rtt.id, "name": rtt.name or rtt.id, "startTime": self.time(rtt.start),
            "tracks": list(rtt.tracks), "destination": rtt.destination,
            "stabilized": rtt.stabilized, **more})

    def real_time_transcription_started(self, env: CallEnvelope, *, at: float,
                                        transcription: RealTimeTranscription) -> dict:
        return self._call("realTimeTranscriptionStarted", env, at,
                          realTimeTranscription=self._rtt(transcription))

    def real_time_transcription_rejected(self, env: CallEnvelope, *, at: float,
                                         transcription: RealTimeTranscription, cause: str,
                                         error_message: str | None = None,
                                         original: RealTimeTranscription | None = None) -> dict:
        _check("cause", cause, REJECT_CAUSES)
        return self._call("realTimeTranscriptionRejected", env, at,
                          realTimeTranscription=self._rtt(transcription),
                          originalTranscription=self._rtt(original),
                          **self._error(cause, error_message, STREAM_ERROR_MESSAGES, False))

    def real_time_transcription_stopped(self, env: CallEnvelope, *, at: float,
                                        transcription: RealTimeTranscription,
                                        cause: str = "closed",
                                        error_message: str | None = None) -> dict:
        """``realTimeTranscription.duration`` = ``at`` - transcription start."""
        _check("cause", cause, STOP_CAUSES)
        return self._call("realTimeTranscriptionStopped", env, at,
                          realTimeTranscription=self._rtt(
                              transcription, duration=iso_duration(at - transcription.start)),
                          **self._error(cause, error_message, STREAM_ERROR_MESSAGES, False))

    def real_time_transcription_available(self, env: CallEnvelope, *, at: float,
                                          transcription: RealTimeTranscription,
                                          status: str = "available",
                                          completed: float | None = None) -> dict:
        """``url`` = ``{callUrl}/transcriptions/{id}``; ``completed`` defaults to ``at``."""
        _check("status", status, REALTIME_TRANSCRIPTION_STATUSES)
        return self._call("realTimeTranscriptionAvailable", env, at,
                          realTimeTranscription=self._rtt(
                              transcription, status=status,
                              url=formats.realtime_transcription_url(env.call_url,
                                                                     transcription.id),
                              completedTime=self.time(at if completed is None else completed)))
