"""bxml-simulator: run Bandwidth BXML call flows offline, in virtual time.

Public API (see docs/ and ../design/contract.md): ``parse_bxml``, ``lint_bxml``,
``run_scenario``, the exception tree and the result types. Names are imported lazily so
that ``import simulator`` and the CLI start fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "parse_bxml": "simulator.bxml.parse",
    "lint_bxml": "simulator.bxml.check",
    "render_bxml": "simulator.bxml.render",
    "Diagnostic": "simulator.bxml.diagnostics",
    "Response": "simulator.bxml.nodes",
    "run_scenario": "simulator.api",
    "load_scenarios": "simulator.scenario.load",
    "Result": "simulator.result",
    "ResultFailed": "simulator.result",
    "BxmlSim": "simulator.harness",
    "SimulatorError": "simulator.errors",
    "BxmlError": "simulator.errors",
    "ScenarioError": "simulator.errors",
    "MediaError": "simulator.errors",
    "TransportError": "simulator.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
