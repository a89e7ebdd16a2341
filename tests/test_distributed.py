"""``bxmlsim run --dask`` and ``bxmlsim explore --dask``: scenario batches on a dask cluster
(simulator/distributed.py).

A local cluster gives the same bytes and exit codes as a serial run; a scheduler address runs
the jobs with absolute paths; what dask cannot do (no extra, no scheduler, no workers, a dead
worker, outputs this machine cannot see) is a clear message, never a traceback. An exploration
on a cluster finds the same paths, numbered the same, as in one process, for a seed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import dask
import pytest
from click.testing import CliRunner

from helpers import run, scenario
from simulator import distributed
from simulator.batch import Outcome
from simulator.errors import ClusterError

# an app module that takes its whole worker process down, as a segfault in an app would
KILLER_APP = "import os\n\ndef app(environ, start_response):\n    os._exit(3)\n"


def lines(output: str) -> list[str]:
    """The per-scenario lines, without the summary (which names the --out folder)."""
    return [line for line in output.splitlines() if "; outputs in " not in line]


@pytest.fixture(scope="module")
def scheduler():
    """A scheduler with one in-process worker, reached by address like a remote one."""
    with started_cluster(n_workers=1, processes=False, threads_per_worker=1,
                         dashboard_address="127.0.0.1:0") as cluster:
        yield cluster.scheduler_address


def test_local_cluster_gives_the_same_outputs_and_exit_code_as_a_serial_run(tmp_path):
    folder = tmp_path / "s"
    for i in range(3):
        scenario(folder, f"a{i}.yaml", name=f"vm {i}")
    scenario(folder, "b-fails.yaml", name="fails", duration="~9")
    (folder / "c-no-app.yaml").write_text(  # loads, but cannot run: on the worker
        "name: no app\napp:\n  wsgi: no_such_module_here:app\n")
    (folder / "d-bad.yaml").write_text("name: bad\ncall:\n  direction: sideways\n")
    serial = run(str(folder), "--out", str(tmp_path / "serial"))
    res = run(str(folder), "--out", str(tmp_path / "dask"), "--dask", "local:2")
    assert res.exit_code == serial.exit_code == 2, res.output
    assert lines(res.output) == lines(serial.output)
    assert "FAIL fails" in res.output and "ERROR no app" in res.output
    assert "no_such_module_here" in res.output and "Traceback" not in res.output
    for slug in ("vm-0", "vm-1", "vm-2", "fails"):
        a = (tmp_path / "serial" / slug / "result.json").read_bytes()
        assert a == (tmp_path / "dask" / slug / "result.json").read_bytes()
        [recording] = json.loads(a)["recordings"]
        assert (tmp_path / "dask" / slug / recording["file"]).is_file()


def test_a_scheduler_address_runs_the_batch_and_a_failed_expectation_exits_1(
        tmp_path, scheduler, monkeypatch):
    scenario(tmp_path / "s", "a.yaml", name="passes")
    scenario(tmp_path / "s", "b.yaml", name="fails", duration="~9")
    monkeypatch.chdir(tmp_path)  # relative paths: the job carries them absolute to workers
    res = run("s", "--out", "out", "--dask", scheduler)
    assert res.exit_code == 1, res.output
    assert "PASS passes" in res.output and "FAIL fails" in res.output
    assert "1 passed, 1 failed, 0 errors" in res.output
    result = json.loads((tmp_path / "out" / "fails" / "result.json").read_text())
    assert result["passed"] is False and result["scenario"]["file"] == "s/b.yaml"


def test_a_worker_that_dies_is_an_error_of_that_scenario_only(tmp_path):
    (tmp_path / "killer.py").write_text(KILLER_APP)
    (tmp_path / "a.yaml").write_text("name: dies\napp:\n  wsgi: killer:app\n")
    scenario(tmp_path, "b.yaml", name="after")  # would be queued on the same worker
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):  # no retries
        res = run(str(tmp_path), "--out", str(tmp_path / "out"), "--dask", "local:1")
    assert res.exit_code == 2, res.output
    assert "ERROR dies" in res.output
    assert "a dask worker died while running this scenario (1 worker(s) tried" in res.output
    assert "PASS after" in res.output and "Traceback" not in res.output
    assert (tmp_path / "out" / "after" / "result.json").is_file()


def test_dask_with_jobs_is_a_usage_error(tmp_path):
    path = scenario(tmp_path, "a.yaml", name="a")
    res = run(str(path), "--out", str(tmp_path / "out"), "--dask", "local", "-j", "2")
    assert res.exit_code == 2
    assert "--dask and -j/--jobs cannot be used together" in res.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("target, words", [
    ("local:0", "bad --dask worker count; expected local:N with N >= 1"),
    ("local:x", "bad --dask worker count"),
    ("nowhere", "bad --dask address; expected a scheduler address such as tcp://"),
])
def test_a_bad_target_is_a_usage_error(tmp_path, target, words):
    path = scenario(tmp_path, "a.yaml", name="a")
    res = run(str(path), "--out", str(tmp_path / "out"), "--dask", target)
    assert res.exit_code == 2 and words in res.output, res.output
    assert "Traceback" not in res.output


def test_without_the_dist_extra_the_message_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    path = scenario(tmp_path, "a.yaml", name="a")
    res = run(str(path), "--out", str(tmp_path / "out"), "--dask", "local:2")
    assert res.exit_code == 2
    assert "--dask needs the dist extra: pip install '.[dist]' in the bxml-simulator" in res.output
    assert "Traceback" not in res.output


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    """In a fresh interpreter: after a dask worker died in this process (the test above),
    dask's loop runner may fail to start the next client's IO loop (an AssertionError inside
    distributed.utils.LoopRunner), which says nothing about bxmlsim."""
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:  # a loopback port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        address = "tcp://127.0.0.1:%d" % probe.getsockname()[1]
    path = scenario(tmp_path, "a.yaml", name="a")
    code = ("import simulator.distributed as d; d.CONNECT_TIMEOUT = 1.0  # keeps it short\n"
            "from simulator.console import main; main()")
    done = subprocess.run([sys.executable, "-c", code, "run", str(path), "--out",
                           str(tmp_path / "out"), "--dask", address],
                          capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert f"cannot reach the dask scheduler at {address} within 1 s" in output
    assert "Traceback" not in output and not (tmp_path / "out" / "a").exists()


def started_cluster(**options):
    """A LocalCluster, its start tried up to three times: distributed gives the IO-loop thread
    of an in-process cluster 10 s to start (``LoopRunner``, an AssertionError past that), which
    the full suite on a loaded 2-core CI machine has exceeded."""
    from distributed import LocalCluster

    for _ in range(2):
        try:
            return LocalCluster(**options)
        except AssertionError:
            continue
    return LocalCluster(**options)


def test_a_scheduler_without_workers_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 0.5)
    path = scenario(tmp_path, "a.yaml", name="a")
    with started_cluster(n_workers=0, processes=False, dashboard_address="127.0.0.1:0") as cluster:
        res = run(str(path), "--out", str(tmp_path / "out"), "--dask",
                  cluster.scheduler_address)
    assert res.exit_code == 2
    assert f"the dask scheduler at {cluster.scheduler_address} has no workers" in res.output


def test_a_result_this_machine_cannot_see_is_an_error_about_a_shared_out(tmp_path):
    written = Outcome("vm", "vm.yaml:1", tmp_path / "vm", True, result={"passed": True})
    checked = distributed.check_visible(written)
    assert checked.passed is False
    assert checked.error.startswith("vm.yaml:1: the scenario passed on a dask worker, but its "
                                    f"result.json is not at {tmp_path / 'vm' / 'result.json'}")
    assert "--out must be a folder the workers can write and this machine can read" in \
        checked.error
    (tmp_path / "vm").mkdir()
    (tmp_path / "vm" / "result.json").write_text("{}")
    assert distributed.check_visible(written) is written


def test_parse_target():
    assert distributed.parse_target("local") == distributed.DaskTarget()
    assert distributed.parse_target("local:3") == distributed.DaskTarget(workers=3)
    assert distributed.parse_target("tcp://10.0.0.5:8786").address == "tcp://10.0.0.5:8786"
    with pytest.raises(ClusterError, match="local:N with N >= 1"):
        distributed.parse_target("local:-1")


def test_what_dask_could_not_bring_back_is_an_error_outcome_naming_the_scenario(tmp_path):
    from concurrent.futures import CancelledError

    from simulator.batch import Job
    from simulator.scenario.load import load_mapping

    [loaded] = load_mapping({"name": "vm", "app": {"bxml": "<Response/>"}})
    job = Job(loaded, tmp_path / "vm")
    missing = distributed.lost_outcome(job, ModuleNotFoundError("No module named 'simulator'"))
    assert missing.passed is False and missing.out_dir == tmp_path / "vm"
    assert missing.error.endswith(
        "the dask worker could not run this scenario: ModuleNotFoundError: No module named "
        "'simulator' (is the same bxml-simulator installed on the workers?)")
    cancelled = distributed.lost_outcome(job, CancelledError())
    assert "dask cancelled this scenario" in cancelled.error


# ---- bxmlsim explore --dask ----------------------------------------------------------------

ACME = Path(__file__).parent.parent / "scenarios" / "explore" / "acme-menu.scenario.yaml"
_TIMING = re.compile(r"paths per second.*|in \d+(\.\d+)? s")


def explore(*args: str):
    from simulator.cli import main

    return CliRunner().invoke(main, ["explore", *args])


def timeless(output: str) -> list[str]:
    """What explore printed, its timings (paths per second, seconds taken) left out."""
    return [_TIMING.sub("", line) for line in output.splitlines()]


def test_explore_on_a_local_cluster_finds_the_paths_of_one_process(tmp_path):
    common = [str(ACME), "--max-paths", "12", "--seed", "7"]
    alone = explore(*common, "--json", str(tmp_path / "alone.json"))
    spread = explore(*common, "--dask", "local:2", "--json", str(tmp_path / "dask.json"))

    assert spread.exit_code == alone.exit_code == 1, spread.output  # the crash behind 3
    assert json.loads((tmp_path / "dask.json").read_text()) == \
        json.loads((tmp_path / "alone.json").read_text())
    assert timeless(spread.output) == timeless(alone.output)
    assert "app-exception path 5" in spread.output and "Traceback" not in spread.output


def test_explore_through_a_scheduler_is_the_same_for_a_seed_and_differs_only_in_ids(
        scheduler):
    from simulator.api import load
    from simulator.explore import Options, explore as search
    from simulator.explore.runners import BatchRunner, DaskRunner

    [acme] = load(ACME)
    batch = distributed.DaskBatch(distributed.DaskTarget(address=scheduler))
    batch.start()
    try:
        first = search(acme, Options(max_paths=10, seed=3), DaskRunner(batch))
        again = search(acme, Options(max_paths=10, seed=3), DaskRunner(batch))
        other = search(acme, Options(max_paths=10, seed=4), DaskRunner(batch))
    finally:
        batch.close()
    inline = search(acme, Options(max_paths=10, seed=3), BatchRunner())

    assert first.to_json() == again.to_json() == inline.to_json()
    assert [p.description for p in other.paths] == [p.description for p in first.paths]
    ids = [p.result["calls"][0]["callId"] for p in (first.paths[0], other.paths[0])]
    assert ids[0] != ids[1]


def test_a_bad_explore_dask_target_is_a_usage_error_before_anything_runs():
    res = explore(str(ACME), "--dask", "local:0")

    assert res.exit_code == 2
    assert "bad --dask worker count; expected local:N with N >= 1" in res.output
    assert "Traceback" not in res.output and "exploring" not in res.output
