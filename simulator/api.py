"""The Python API for running scenarios: load, simulate, check expectations and goldens.

``run_scenario(path_or_mapping, out_dir=None) -> Result`` is the public entry point of
design/contract.md. ``run_loaded`` runs an already-loaded ``Scenario`` (the CLI, the batch runner
and the pytest plugin use it). The runner (``simulator.runner.simulate``) produces the Result;
this module fills ``Result.passed`` / ``Result.failures`` from the scenario's ``expect`` block,
the default expectations every scenario has (``scenario/defaults.py``) and its golden file, and writes ``result.json`` when an output folder is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from simulator.errors import ScenarioError, SimulatorError
from simulator.golden import check_golden, golden_path, write_golden
from simulator.output import (RESULT_FILE, make_out_dir, staged_output, write_atomic,
                              write_staged)
from simulator.result import Result
from simulator.scenario.defaults import Policy, judge
from simulator.scenario.expect import Failure
from simulator.scenario.load import load_mapping, load_scenarios
from simulator.scenario.model import Scenario
from simulator.scenario.refs import expand

__all__ = ["RESULT_FILE", "load", "make_out_dir", "run_loaded", "run_scenario", "write_result"]


#: What ``app=`` takes: an app object or factory, "module:attr", routes, a base URL, a mapping.
AppLike = str | Mapping[str, Any] | Callable[..., Any]
#: A scenario source: a file, a mapping shaped like one, or a loaded Scenario.
Source = str | Path | Mapping[str, Any] | Scenario


def load(path_or_mapping: Source | None = None, /, *, base_dir: str | Path | None = None,
         name: str = "scenario", **keys: Any) -> list[Scenario]:
    """Scenarios from a YAML file path, a mapping shaped like one, a Scenario itself, or (with
    no source) keywords alone, named ``name``. ``keys`` are top-level scenario keys as Python
    data; beside a file or a mapping they replace those keys in each of its scenarios.
    ``base_dir`` is the folder of a mapping's relative files and app modules (default: the
    current folder)."""
    app = keys.pop("app", None)
    target: object = None
    if app is not None:
        keys["app"], target = app_section(app)
    base = Path(base_dir) if base_dir is not None else None
    if path_or_mapping is None:
        scenarios = load_mapping({"name": name, **keys}, base_dir=base)
    elif isinstance(path_or_mapping, Scenario):
        if keys:
            raise ScenarioError("keywords beside a loaded Scenario", where="<python>",
                                expected="a file or a mapping to apply them to",
                                got=", ".join(sorted(keys)))
        scenarios = [path_or_mapping]
    elif isinstance(path_or_mapping, Mapping):
        scenarios = load_mapping(dict(path_or_mapping), base_dir=base, overrides=keys or None)
    else:
        scenarios = load_scenarios(Path(path_or_mapping), overrides=keys or None)
    if target is not None:
        scenarios = [attrs.evolve(s, app=attrs.evolve(s.app, target=target)) for s in scenarios]
    return scenarios


def app_section(app: AppLike) -> tuple[dict[str, Any], object]:
    """``(the app: mapping for the loader, the app object or None)`` of an ``app=`` argument:
    a base URL (real HTTP), ``"module:attr"`` (WSGI or ASGI told apart when loaded), canned
    routes (a mapping of paths or URLs), an ``app:`` mapping (whose ``wsgi``/``asgi`` may be
    objects: the routes answer first, then that app), or an app object or factory."""
    if isinstance(app, str):
        if "://" in app:
            return {"base_url": app}, None
        if ":" in app:
            return {}, app
        raise ScenarioError("app: not an app", where="<python>",
                            expected='an import string "module:attr", a base URL '
                                     '"http://host:port", an app object or factory, routes',
                            got=repr(app))
    if isinstance(app, Mapping):
        keys = [str(k) for k in app]
        if keys and all(k.startswith(("/", "http://", "https://")) for k in keys):
            return {"routes": dict(app)}, None
        section = dict(app)
        target = None
        for key in ("wsgi", "asgi"):
            if key in section and not isinstance(section[key], str):
                target = section.pop(key)
        return section, target
    if callable(app):
        return {}, app
    raise ScenarioError("app: not an app", where="<python>",
                        expected="an app object or factory, an import string, routes, a base "
                                 "URL or an app: mapping", got=type(app).__name__)


def run_scenario(path_or_mapping: str | Path | Mapping[str, Any] | Scenario,
                 out_dir: str | Path | None = None, **keys: Any) -> Result:
    """Load one scenario, simulate it, check its expectations (and golden file, if any).

    ``out_dir`` receives ``result.json`` and ``recordings/``; without it nothing is written.
    ``keys`` replace top-level scenario keys (``load``; ``app=`` takes an app object, a
    factory, an import string, routes or a base URL: ``app_section``). A file
    with several scenarios is refused: use ``BxmlSim.run_all`` (or ``load`` and
    ``run_loaded``) for those.
    """
    scenarios = load(path_or_mapping, **keys)
    if len(scenarios) != 1:
        where = str(scenarios[0].file) if scenarios[0].file else "<mapping>"
        raise ScenarioError("run_scenario runs one scenario", where=where,
                            expected="a file with one scenario",
                            got=f"{len(scenarios)} under `scenarios:` (use simulator.api.load "
                                f"and run_loaded)")
    return run_loaded(scenarios[0], out_dir)


def run_loaded(scenario: Scenario, out_dir: str | Path | None = None, *,
               update_golden: bool = False) -> Result:
    """Simulate a loaded scenario and fill ``passed``/``failures``; write result.json if asked."""
    from simulator.runner import simulate  # the engine is only imported when a run happens

    out = Path(out_dir) if out_dir is not None else None
    golden = golden_path(scenario.file, scenario.name) if scenario.file is not None else None
    with staged_output(out) as stage:   # result.json and recordings/ replace the old at the end
        result = _simulated(scenario, stage, simulate)
        if result.internal_error is None:
            data = result.to_json()
            expectations = expand(scenario.expect, result.call_ids)  # {{calls.NAME.callId}}
            failures = judge(expectations, data, Policy.of(scenario))  # expect, then defaults
            if golden is not None and not update_golden:
                mismatch = check_golden(golden, data, scenario.line)
                if mismatch is not None:
                    failures.append(mismatch)
            _set_outcome(result, failures)
        # else a partial run: only the internal error counts, and it must not become a golden
        if stage is not None:   # a private folder: written in place, swapped in whole
            write_staged(stage / RESULT_FILE, result.dumps())
    result.out_dir = out  # where result.json and recordings/ are now
    if result.internal_error is not None:
        return result
    if golden is not None and update_golden:  # after result.json: a failed write loses nothing
        write_golden(golden, data)
    return result


def _simulated(scenario: Scenario, out: Path | None,
               simulate: Callable[[Scenario, Path | None], Result]) -> Result:
    try:
        return simulate(scenario, out)
    except SimulatorError as exc:  # e.g. an app module that cannot be found: name the scenario
        if exc.where is None:
            exc.where = f"{scenario.file or '<mapping>'}:{scenario.line}"
        raise


def _set_outcome(result: Result, failures: list[Failure]) -> None:
    result.failures = [f.to_json() for f in failures]  # type: ignore[assignment]  # converted
    result.passed = not failures


def write_result(result: Result, out_dir: Path) -> Path:
    """Write ``out_dir/result.json`` (UTF-8, 2-space indent, stable key order), atomically
    (simulator/output.py); OutputError naming the errno and the path when it cannot."""
    return write_atomic(Path(out_dir) / RESULT_FILE, result.dumps())
