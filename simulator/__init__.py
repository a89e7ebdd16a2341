"""bxml-simulator: run Bandwidth BXML call flows offline, in virtual time.

Public API (see docs/ and ../design/contract.md): ``parse_bxml``, ``lint_bxml``,
``run_scenario``, the exception tree and the result types. Names are imported lazily so
that ``import simulator`` and the CLI start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what type checkers see (explicit re-exports); at run time: on first use
    from simulator.api import run_scenario as run_scenario
    from simulator.bxml.check import lint_bxml as lint_bxml
    from simulator.bxml.diagnostics import Diagnostic as Diagnostic
    from simulator.bxml.nodes import Response as Response
    from simulator.bxml.parse import parse_bxml as parse_bxml
    from simulator.bxml.render import render_bxml as render_bxml
    from simulator.errors import BxmlError as BxmlError
    from simulator.errors import MediaError as MediaError
    from simulator.errors import ScenarioError as ScenarioError
    from simulator.errors import SimulatorError as SimulatorError
    from simulator.errors import TransportError as TransportError
    from simulator.harness import BxmlSim as BxmlSim
    from simulator.result import Result as Result
    from simulator.result import ResultFailed as ResultFailed
    from simulator.scenario.load import load_scenarios as load_scenarios

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


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
