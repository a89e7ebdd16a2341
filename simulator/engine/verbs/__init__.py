"""The verb flows: one module per family of BXML verbs, each exporting ``FLOWS`` (node class ->
flow) and registering nothing; engine/catalogue.py composes them into the table a Simulation
runs.

A flow has the signature ``flow(ctx, node) -> Generator[command | effect, answer, Outcome|None]``
(engine/process.py lists the commands; ctx is an engine/context.py ``Context``). It returns an
``Outcome`` whose ``document``, when set, replaces the rest of the current document. Hang-ups,
max_duration and REST interruptions arrive as the signals of engine/signals.py thrown into the
flow; flows that hold resources clean up in ``except``/``finally``. The document interpreter
(engine/documents.py ``run_verb``) logs each verb's start and end, answers the call when the
node says so (``answers_call()``) and applies its ``tag``.

Modules:
    media         SpeakSentence, PlayAudio, Pause, Ring, SendDtmf (and their audio spans)
    control       Hangup, Tag, Redirect
    gather        Gather, StartGather, StopGather
    recording     Record, StartRecording, PauseRecording, ResumeRecording, StopRecording
    streams       StartStream, StopStream, StartTranscription, StopTranscription
    connect       Transfer, Forward (dialling parties)
    bridge        Bridge
    conference    Conference (its rooms; their audio: engine/conference_mix.py)
    refer         Refer

This package imports nothing.
"""
