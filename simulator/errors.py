"""The exception tree of bxml-simulator; every error the package raises on purpose.

    SimulatorError                 base: carries what / expected / got / where
    ├── BxmlError                  invalid BXML; carries the list of Diagnostic objects
    ├── ScenarioError              bad scenario file (YAML, unknown key, wrong type): file:line:$.path
    ├── MediaError                 an audio file that is missing or cannot be decoded
    ├── TransportError             a transport that cannot be set up (bad "module:app" spec, ...)
    ├── ClusterError               a dask cluster that cannot be used (``run --dask``; no dist extra)
    └── OutputError                an output folder or file that cannot be written (names the errno)

Errors raised while a call runs (a webhook server that fails, invalid BXML returned by the
app) are *not* exceptions: they end the simulated call the way Bandwidth would
(``callback-error`` / ``invalid-bxml``) and are recorded in result.json.
"""

from __future__ import annotations


def install_extra(extra: str) -> str:
    """How to install one of pyproject.toml's extras, the one wording every hint uses: from the
    project's checkout (the package is not on a public index) or from an index that has it."""
    return (f"pip install '.[{extra}]' in the bxml-simulator checkout "
            f"(or 'bxml-simulator[{extra}]' from an index that has it)")


class SimulatorError(Exception):
    """Base class. ``where`` is ``file:line`` (or ``file:line:col``) when known."""

    def __init__(self, message: str, *, where: str | None = None,
                 expected: str | None = None, got: str | None = None) -> None:
        self.message = message
        self.where = where
        self.expected = expected
        self.got = got
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = self.message
        if self.expected is not None:
            text += f"; expected {self.expected}"
        if self.got is not None:
            text += f", got {self.got}"
        return f"{self.where}: {text}" if self.where else text


def shorten(text: str, limit: int = 80) -> str:
    """User input as shown in a message: cut when longer than ``limit``, its length said."""
    return text if len(text) <= limit else f"{text[:limit - 20]}... ({len(text):,} characters)"


class BxmlError(SimulatorError):
    """Invalid BXML. ``diagnostics`` holds every problem found, errors and warnings."""

    def __init__(self, diagnostics, *, source: str | None = None) -> None:
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"] or self.diagnostics
        first = errors[0] if errors else None
        message = first.message if first else "invalid BXML"
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more error(s))"
        where = None
        if first is not None:
            where = f"{source or first.file or '<bxml>'}:{first.line}:{first.col}"
        super().__init__(message, where=where)


class ScenarioError(SimulatorError):
    """A scenario file that cannot be used as written."""


class MediaError(SimulatorError):
    """An audio file that is missing or cannot be decoded."""


class TransportError(SimulatorError):
    """A webhook transport that cannot be set up."""


class ClusterError(SimulatorError):
    """A dask cluster that cannot be used: the dist extra missing, a scheduler out of reach."""


class OutputError(SimulatorError):
    """An output folder or file that cannot be created or written (read-only, disk full):
    ``got`` names the errno (``ENOSPC (No space left on device)``), ``where``/the message the
    path."""
