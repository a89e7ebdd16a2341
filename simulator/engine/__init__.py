"""The sans-I/O call-flow engine: BXML verb trees run against simulated call legs in virtual
time, producing effects (webhooks to deliver, audio to synthesise) that the runner answers.

Modules:
    simulation       the simulation: clock, legs, seeded RNG, timeline, runner protocol
    clock, process   the virtual clock and the generator processes that run on it
    legs             call legs, their state transitions and media tracks
    documents        per-leg document execution (first webhook, verbs in order, the end)
    verbs            one flow per verb and the registry (verbs_recording, verbs_stream,
                     verbs_refer: more)
    recorder         the recording state machine, segments, end reasons
    caller           the far end's scripted steps
    connect, bridge, conference   Transfer/Forward, Bridge, Conference (conference_mix: a
                     room's audio)
    rest             what the app does through the Voice REST API (rest_conference: the
                     requests on a conference)
    effects          records passed between the engine and the runner
    salvage          what is left of a run stopped by an internal error

Import the submodules directly; this package imports nothing.
"""
