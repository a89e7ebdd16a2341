"""Flows of the recording verbs (spec bxml-verbs.md §5): Record and the StartRecording family.

``<Record>`` blocks until the first of (§5.1, README #4, #6):

* a key of ``terminatingDigits`` (default ``#``; ``""`` disables) -- the recording ends when the
  key's tone *starts*, so the key is neither in the audio nor in the duration;
* ``maxDuration`` seconds (decimals allowed);
* ``silenceTimeout`` seconds (> 0) of continuous silence in the far end's audio, measured on the
  rendered ``remote`` track (engine/hearing.py :class:`SilenceWatch`) from the start of the
  recording;
* the far end hangs up (``hangup``: no recordComplete, still recordingAvailable and
  transcriptionAvailable) or the call ends otherwise (``call-ended``).

After a normal end: recordComplete (sync) when ``recordCompleteUrl`` is set -- its BXML replaces
the rest of the document -- else the next verb runs. recordingAvailable/transcriptionAvailable
follow asynchronously (Simulation.recording_stopped).

``<StartRecording>`` starts the leg's background recording (one at a time; README #12), which
keeps going across verbs and documents until StopRecording or the end of the call.
"""

from __future__ import annotations

from simulator.bxml import nodes
from simulator.engine.context import Context, Outcome, sync_webhook
from simulator.engine.hearing import SilenceWatch
from simulator.engine.process import Get, Mailbox
from simulator.engine.recorder import Recording
from simulator.engine.signals import CallStop


def record(ctx: Context, node: nodes.Record):
    sim, leg = ctx.sim, ctx.leg
    rec = sim.new_recording(leg, verb="Record", node=node, base=ctx.base_url, channels=1,
                            where=ctx.position(node))
    rec.open(ctx.now)
    box = Mailbox(sim.clock)
    far_end = ctx.rt.far_end
    far_end.listen(box, exclusive=False)  # StartGather keeps reporting
    watch = SilenceWatch(leg, ctx.now, node.silence_timeout, sim.speech) \
        if node.silence_timeout > 0 else None
    max_end = ctx.now + node.max_duration
    reason = None
    try:
        while reason is None:
            wake = max_end
            if watch is not None:
                due = watch.deadline(ctx.now)
                if due <= ctx.now + 1e-9:
                    reason = "silence-timeout"
                    break
                wake = min(wake, due)
            if ctx.now >= max_end - 1e-9:
                reason = "max-duration"
                break
            key = yield Get(box, timeout=wake - ctx.now)
            if key is not None and key in node.terminating_digits:
                reason = "terminating-digit"
    except BaseException as stop:
        rec.finish(ctx.now, stop.recording_end if isinstance(stop, CallStop) else "call-ended")
        sim.recording_stopped(leg, rec)
        raise
    finally:
        far_end.stop_listening()
    rec.finish(ctx.now, reason)
    sim.recording_stopped(leg, rec)
    detail = {"recordingId": rec.recording_id}
    if not node.record_complete_url:
        return Outcome(reason, None, detail)
    payload = sim.payloads.record_complete(
        sim.envelope(leg), at=ctx.now, recording_id=rec.recording_id, start=rec.start_at,
        end=rec.end_at, duration=rec.duration, file_format=rec.file_format, channels=1)
    document = yield from sync_webhook(
        ctx, payload, url=node.record_complete_url, method=node.record_complete_method,
        node=node, fallback_url=node.record_complete_fallback_url,
        fallback_method=node.record_complete_fallback_method)
    return Outcome(reason, document, detail)


def start_recording(ctx: Context, node: nodes.StartRecording):
    sim, leg, recorder = ctx.sim, ctx.leg, ctx.rt.recorder
    if recorder.current is not None:  # README #12: ignored, even while paused
        return Outcome("ignored", None, {"recordingId": recorder.current.recording_id})
    rec = sim.new_recording(leg, verb="StartRecording", node=node, base=ctx.base_url,
                            channels=2 if node.multi_channel else 1, where=ctx.position(node))
    recorder.start(rec, ctx.now)
    return Outcome("completed", None, {"recordingId": rec.recording_id})
    yield  # pragma: no cover


def _changed(ctx: Context, node: nodes.Node, kind: str, recording: Recording | None) -> Outcome:
    """The outcome of Pause/Resume/StopRecording on ``recording`` (None: a documented no-op,
    §5.3-5.5); pause and resume are logged as ``recording-<kind>``."""
    if recording is None:
        return Outcome("ignored")
    if kind != "stop":
        ctx.sim.timeline.add(ctx.now, ctx.leg.call_id, f"recording-{kind}",
                             verb=type(node).__name__, **ctx.position(node),
                             recordingId=recording.recording_id)
    return Outcome("completed", None, {"recordingId": recording.recording_id})


def pause_recording(ctx: Context, node: nodes.PauseRecording):
    recorder = ctx.rt.recorder
    paused = recorder.pause(ctx.now)
    return _changed(ctx, node, "pause", recorder.current if paused else None)
    yield  # pragma: no cover


def resume_recording(ctx: Context, node: nodes.ResumeRecording):
    recorder = ctx.rt.recorder
    resumed = recorder.resume(ctx.now)
    return _changed(ctx, node, "resume", recorder.current if resumed else None)
    yield  # pragma: no cover


def stop_recording(ctx: Context, node: nodes.StopRecording):
    stopped = ctx.rt.recorder.stop(ctx.now, "stop-recording")
    if stopped is not None:
        ctx.sim.recording_stopped(ctx.leg, stopped)
    return _changed(ctx, node, "stop", stopped)
    yield  # pragma: no cover


FLOWS = {
    nodes.Record: record,
    nodes.StartRecording: start_recording,
    nodes.PauseRecording: pause_recording,
    nodes.ResumeRecording: resume_recording,
    nodes.StopRecording: stop_recording,
}
