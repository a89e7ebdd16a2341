"""The Python API for running scenarios: load, simulate, check expectations and goldens.

``run_scenario(path_or_mapping, out_dir=None) -> Result`` is the public entry point of
design/contract.md. ``run_loaded`` runs an already-loaded ``Scenario`` (the CLI, the batch runner
and the pytest plugin use it). The runner (``simulator.runner.simulate``) produces the Result;
this module fills ``Result.passed`` / ``Result.failures`` from the scenario's ``expect`` block,
the default expectations every scenario has (``scenario/defaults.py``) and its golden file, and writes ``result.json`` when an output folder is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator.errors import ScenarioError, SimulatorError
from simulator.golden import check_golden, golden_path, write_golden
from simulator.output import RESULT_FILE, make_out_dir, staged_output, write_atomic
from simulator.scenario.defaults import Policy, judge
from simulator.scenario.expect import Failure
from simulator.scenario.load import load_mapping, load_scenarios
from simulator.scenario.model import Scenario
from simulator.scenario.refs import expand

__all__ = ["RESULT_FILE", "load", "make_out_dir", "run_loaded", "run_scenario", "write_result"]


def load(path_or_mapping: str | Path | Mapping[str, Any] | Scenario) -> list[Scenario]:
    """Scenarios from a YAML file path, a mapping shaped like one, or a Scenario itself."""
    if isinstance(path_or_mapping, Scenario):
        return [path_or_mapping]
    if isinstance(path_or_mapping, Mapping):
        return load_mapping(dict(path_or_mapping))
    return load_scenarios(Path(path_or_mapping))


def run_scenario(path_or_mapping: str | Path | Mapping[str, Any] | Scenario,
                 out_dir: str | Path | None = None):
    """Load one scenario, simulate it, check its expectations (and golden file, if any).

    ``out_dir`` receives ``result.json`` and ``recordings/``; without it nothing is written.
    A file with several scenarios is refused: use ``load`` and ``run_loaded`` for those.
    """
    scenarios = load(path_or_mapping)
    if len(scenarios) != 1:
        where = str(scenarios[0].file) if scenarios[0].file else "<mapping>"
        raise ScenarioError("run_scenario runs one scenario", where=where,
                            expected="a file with one scenario",
                            got=f"{len(scenarios)} under `scenarios:` (use simulator.api.load "
                                f"and run_loaded)")
    return run_loaded(scenarios[0], out_dir)


def run_loaded(scenario: Scenario, out_dir: str | Path | None = None, *,
               update_golden: bool = False):
    """Simulate a loaded scenario and fill ``passed``/``failures``; write result.json if asked."""
    from simulator.runner import simulate  # the engine is only imported when a run happens

    out = Path(out_dir) if out_dir is not None else None
    golden = golden_path(scenario.file, scenario.name) if scenario.file is not None else None
    with staged_output(out) as stage:   # result.json and recordings/ replace the old at the end
        result = _simulated(scenario, stage, simulate)
        if result.internal_error is not None:  # a partial run: only the internal error counts,
            if stage is not None:               # and it must not become a golden file
                write_result(result, stage)
            return result
        data = result.to_json()
        expectations = expand(scenario.expect, result.call_ids)  # {{calls.NAME.callId}}
        failures = judge(expectations, data, Policy.of(scenario))  # expect, then the defaults
        if golden is not None and not update_golden:
            mismatch = check_golden(golden, data, scenario.line)
            if mismatch is not None:
                failures.append(mismatch)
        _set_outcome(result, failures)
        if stage is not None:
            write_result(result, stage)
    if golden is not None and update_golden:  # after result.json: a failed write loses nothing
        write_golden(golden, data)
    return result


def _simulated(scenario: Scenario, out: Path | None, simulate):
    try:
        return simulate(scenario, out)
    except SimulatorError as exc:  # e.g. an app module that cannot be found: name the scenario
        if exc.where is None:
            exc.where = f"{scenario.file or '<mapping>'}:{scenario.line}"
        raise


def _set_outcome(result, failures: list[Failure]) -> None:
    result.failures = [f.to_json() for f in failures]
    result.passed = not failures


def write_result(result, out_dir: Path) -> Path:
    """Write ``out_dir/result.json`` (UTF-8, 2-space indent, stable key order), atomically
    (simulator/output.py); OutputError naming the errno and the path when it cannot."""
    return write_atomic(Path(out_dir) / RESULT_FILE, result.dumps())
