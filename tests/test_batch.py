"""The batch runner: any Executor, outcomes in job order, errors kept per scenario."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from simulator.batch import Job, assign_out_dirs, collect_files, run_batch
from simulator.errors import ScenarioError
from simulator.scenario.load import load_mapping


def scenario(name: str, **extra):
    [s] = load_mapping({"name": name, "app": {"bxml": "<Response/>"}, **extra})
    return s


def test_outcomes_come_back_in_job_order_on_any_executor(tmp_path):
    scenarios = [scenario(f"s{i}", expect={"disconnect_cause": "hangup" if i % 2 else "busy"})
                 for i in range(4)]
    jobs = [Job(s, d) for s, d in zip(scenarios, assign_out_dirs(scenarios, tmp_path))]
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(run_batch(jobs, pool))
    assert [o.name for o in outcomes] == ["s0", "s1", "s2", "s3"]
    assert [o.passed for o in outcomes] == [False, True, False, True]
    assert outcomes[0].failures[0]["message"].startswith("expect.disconnect_cause")
    assert all((tmp_path / f"s{i}" / "result.json").is_file() for i in range(4))


def test_a_scenario_that_cannot_run_is_an_error_outcome_not_a_crash():
    broken = scenario("broken", app={"wsgi": "no_such_module_here:app"})
    [outcome] = run_batch([Job(broken, None)])
    assert outcome.passed is False and outcome.error and outcome.result is None
    assert outcome.internal is None  # a user error, not a simulator bug


def test_repeated_slugs_get_numbered():
    dirs = assign_out_dirs([scenario("A b"), scenario("a-B"), scenario("a b")], Path("o"))
    assert dirs == [Path("o/a-b"), Path("o/a-b-2"), Path("o/a-b-3")]


def test_collect_files_sorts_recursively_and_rejects_other_files(tmp_path):
    for name in ("b.yaml", "a/z.yml", ".hidden/x.yaml", "a/readme.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("name: x\n")
    assert collect_files([tmp_path]) == [tmp_path / "a" / "z.yml", tmp_path / "b.yaml"]
    with pytest.raises(ScenarioError, match="not a scenario file"):
        collect_files([tmp_path / "a" / "readme.md"])


@pytest.mark.parametrize("name", ["x" * 5000 + ".yaml", "x" * 5000])
def test_collect_files_refuses_a_path_too_long_to_open(tmp_path, name):
    with pytest.raises(ScenarioError) as info:
        collect_files([tmp_path / name])
    shown = str(tmp_path / name)
    assert str(info.value) == (f"{shown[:60]}... ({len(shown):,} characters): cannot use this "
                               "path, got File name too long")
