"""Scenarios: the YAML files of design/contract.md, loaded into typed data, and their ``expect``
block checked against result.json.

Modules:
    schema   the YAML shape (``*Doc`` classes) and its strict, tolerant structurer
    model    the typed scenario the runner consumes
    load     scenario files -> ``model.Scenario``, with ``file:line: $.path`` errors
    source   YAML key paths, line numbers and located problems
    bare     a bare BXML document run as a scenario
    refs     ``{{calls.NAME.callId}}`` references in scenario strings
    expect, match   the ``expect`` block and its value matchers
    defaults what every scenario expects unless its ``expect`` says otherwise; the verdict
    narrate  plain-text narration of a result.json object

Import the submodules directly; this package imports nothing.
"""
