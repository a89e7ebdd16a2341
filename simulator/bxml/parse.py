"""``parse_bxml``: BXML text -> ``Response`` tree, or ``BxmlError`` with every diagnostic.

Warnings never stop a parse; use ``parse_bxml_with_warnings`` to get them with the tree (the
engine records them in the timeline). See check.py for ``context`` and ``roots``.
"""

from __future__ import annotations

from simulator.bxml import nodes as n
from simulator.bxml.check import analyze_bxml
from simulator.bxml.diagnostics import Diagnostic, has_errors
from simulator.errors import BxmlError


def parse_bxml_with_warnings(text: str | bytes, *, source: str = "<bxml>",
                             context: str = "call", roots: tuple[str, ...] = n.ROOT_NAMES,
                             strict: bool = True) -> tuple[n.Response, list[Diagnostic]]:
    """The tree and its warnings; raises ``BxmlError`` when any diagnostic is an error."""
    tree, diagnostics = analyze_bxml(text, source=source, context=context, roots=roots,
                                     strict=strict)
    if tree is None or has_errors(diagnostics):
        raise BxmlError(diagnostics, source=source)
    return tree, diagnostics


def parse_bxml(text: str | bytes, *, source: str = "<bxml>", context: str = "call",
               roots: tuple[str, ...] = n.ROOT_NAMES, strict: bool = True) -> n.Response:
    """Parse a BXML document (``str`` or ``bytes``, at most 64 KB) into its verb tree.

    ``context``: ``"call"`` | ``"transferAnswer"`` | ``"conference"`` (spec §9).
    ``strict=False`` is the lenient mode of README ambiguity 8: unknown attributes are ignored
    and optional attributes out of range or too long take their default, with warnings.
    Raises ``simulator.errors.BxmlError`` carrying all diagnostics when any is an error.
    """
    return parse_bxml_with_warnings(text, source=source, context=context, roots=roots,
                                    strict=strict)[0]
