"""The sans-I/O call-flow engine: BXML verb trees run against simulated call legs in virtual
time, producing effects (webhooks to deliver, audio to synthesise) that the runner answers.

Modules, bottom to top (the import graph is a DAG, tests/test_import_graph.py):
    clock, process   the virtual clock and the generator processes that run on it
    effects          records passed between the engine and the runner
    signals          what stops a call's BXML (CallerHangup, CallTimeout, Interrupted, EndCall)
    legs, recorder   call legs and their tracks; the recording state machine
    runtime          typed per-leg state (FarEnd: keys and hang-up), hooks on a leg
    caller           the far end's scripted steps
    simulation       the kernel: clock, legs, seeded RNG, timeline, runner protocol; it runs
                     the Catalogue it is given and imports none of the modules below
    context          what verb flows work with (Context, Outcome, Document, sync_webhook)
    amd              answering-machine detection (hooked on the leg)
    documents        the document interpreter (first webhook, verbs in order, the end)
    media_bridge, conference_mix   audio between legs; a conference room's audio
    verbs/           the verb flows, one module per family, each exporting FLOWS
    rest, rest_conference, rest_requests   what the app does through the Voice REST API
    salvage          what is left of a run stopped by an internal error
    catalogue        composes every FLOWS table and the starts into CATALOGUE

Import the submodules directly; this package imports nothing.
"""
