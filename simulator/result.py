"""The outcome of one simulated scenario: ``Result.to_json()`` is result.json.

Layout and key order follow design/contract.md (``"format": "bxmlsim-result/1"``). The runner
fills calls, callbacks (one entry per HTTP attempt), recordings and timeline; the expectations
layer (simulator.api) fills ``passed`` and ``failures``. Key order is fixed (insertion order, not
sorted) so the same scenario always serialises to the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

FORMAT = "bxmlsim-result/1"


@attrs.define
class Result:
    name: str
    file: str | None
    seed: int
    calls: list[dict[str, Any]] = attrs.Factory(list)
    callbacks: list[dict[str, Any]] = attrs.Factory(list)
    recordings: list[dict[str, Any]] = attrs.Factory(list)
    timeline: list[dict[str, Any]] = attrs.Factory(list)
    passed: bool = True
    failures: list[dict[str, Any]] = attrs.Factory(list)
    # Set when an internal error (a simulator bug) stopped the run: the traceback text. The
    # result is then partial (runner.simulate); not part of result.json, whose timeline has an
    # ``internal-error`` entry and whose failures say so.
    internal_error: str | None = None
    # The id of each call the scenario names (``main``, the keys of ``calls:``), drawn before
    # the run: the expectations' ``{{calls.NAME.callId}}`` are expanded with them. Not part of
    # result.json.
    call_ids: dict[str, str] = attrs.Factory(dict)

    def to_json(self) -> dict[str, Any]:
        """The result.json object (a fresh dict; safe to mutate)."""
        return {
            "format": FORMAT,
            "scenario": {"name": self.name, "file": self.file},
            "seed": self.seed,
            "passed": self.passed,
            "failures": [dict(f) for f in self.failures],
            "calls": [dict(c) for c in self.calls],
            "callbacks": [dict(c) for c in self.callbacks],
            "recordings": [dict(r) for r in self.recordings],
            "timeline": [dict(t) for t in self.timeline],
        }

    def dumps(self) -> str:
        """result.json text: UTF-8-safe, 2-space indent, stable key order, trailing newline."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    @property
    def call(self) -> dict[str, Any]:
        """The scenario's own call (the first leg)."""
        return self.calls[0]
