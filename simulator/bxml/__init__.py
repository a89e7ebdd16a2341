"""The BXML front end: text -> verb tree and back, with diagnostics (spec/bxml-verbs.md).

Modules:
    nodes        the verb catalogue: one frozen attrs class per element
    values       attribute and text values converted by kind
    ssml         SSML allowed inside ``<SpeakSentence>`` and its speech timing
    reader       secure XML reading and source positions
    build        the lxml tree -> node build
    check        document rules over a built tree; ``lint_bxml``
    diagnostics  the diagnostic record and the table of stable codes
    parse        ``parse_bxml``: text -> ``Response`` or ``BxmlError``
    render       ``render_bxml``: a node tree -> canonical BXML text
    paths        ``element_paths``: each element's path (``/Response/Gather[1]``, contract C1)

Import the submodules directly; this package imports nothing.
"""
