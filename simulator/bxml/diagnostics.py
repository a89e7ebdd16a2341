"""Diagnostics of the BXML front end: the record, and the table of stable codes.

Codes never change meaning once published (docs/bxml.md lists them). Ranges:
BX0xx document (XML, size, DTD, encoding, root), BX1xx elements and text, BX2xx attributes,
BX3xx SSML inside ``<SpeakSentence>``, BX4xx warnings (legal but suspicious BXML).
"""

from __future__ import annotations

import attrs

ERROR = "error"
WARNING = "warning"

#: code -> (severity, short title). The message of each diagnostic gives the details.
CODES: dict[str, tuple[str, str]] = {
    "BX001": (ERROR, "not well-formed XML"),
    "BX002": (ERROR, "document larger than 64 KB"),
    "BX003": (ERROR, "empty document"),
    "BX004": (ERROR, "DOCTYPE, DTD or entity declaration refused"),
    "BX005": (ERROR, "bad or unknown character encoding"),
    "BX006": (ERROR, "wrong root element"),
    "BX101": (ERROR, "unknown element"),
    "BX102": (ERROR, "element not allowed here"),
    "BX103": (ERROR, "verb not allowed in this context (call, transferAnswer, conference)"),
    "BX104": (ERROR, "wrong number of child elements"),
    "BX105": (ERROR, "unexpected text content"),
    "BX106": (ERROR, "missing required text content"),
    "BX107": (ERROR, "invalid text content"),
    "BX108": (ERROR, "Gather repeatCount x prompts exceeds 20"),
    "BX201": (ERROR, "unknown attribute"),
    "BX202": (ERROR, "missing required attribute"),
    "BX203": (ERROR, "invalid attribute value"),
    "BX204": (ERROR, "attribute value out of range or too long"),
    "BX205": (ERROR, "conflicting attribute values"),
    "BX301": (ERROR, "unknown SSML element"),
    "BX302": (ERROR, "unknown SSML attribute"),
    "BX303": (ERROR, "invalid SSML attribute value"),
    "BX401": (WARNING, "unreachable verbs"),
    "BX402": (WARNING, "Record is the last verb and has no recordCompleteUrl"),
    "BX403": (WARNING, "credentials sent to a non-https URL"),
    "BX404": (WARNING, "Gather speech attributes without speech input"),
    "BX405": (WARNING, "misspelt attribute accepted as an alias"),
    "BX406": (WARNING, "Gather without gatherUrl discards the digits"),
    "BX407": (WARNING, "lower-case value accepted"),
    "BX408": (WARNING, "attribute has no effect here"),
    "BX409": (WARNING, "attribute ignored on a conference recording"),
    "BX410": (WARNING, "StartGather cannot be used with Forward"),
}


@attrs.frozen
class Diagnostic:
    """One problem found in a BXML document; ``line``/``col`` are 1-based (0 = unknown)."""

    code: str
    severity: str
    message: str
    line: int
    col: int
    file: str | None = None

    @classmethod
    def make(cls, code: str, message: str, line: int = 0, col: int = 0,
             file: str | None = None) -> Diagnostic:
        """A diagnostic whose severity comes from the code table."""
        return cls(code, CODES[code][0], message, line, col, file)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def format(self, path: str | None = None) -> str:
        """``path:line:col: CODE severity message`` (design/contract.md)."""
        return (f"{path or self.file or '<bxml>'}:{self.line}:{self.col}: "
                f"{self.code} {self.severity} {self.message}")

    def to_dict(self, path: str | None = None) -> dict[str, object]:
        """The JSON object of ``bxmlsim lint --format json``."""
        return {"file": path or self.file or "<bxml>", "line": self.line, "col": self.col,
                "code": self.code, "severity": self.severity, "message": self.message}


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)
