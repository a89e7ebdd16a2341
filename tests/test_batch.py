"""The batch runner: any Executor, outcomes in job order, errors kept per scenario."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import on_a_terminal

from simulator.batch import DIED, Job, assign_out_dirs, collect_files, preload, run_batch
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


def test_collect_files_lists_what_rglob_lists_without_hidden_names(tmp_path):
    """The same files, in the same order, as pathlib's rglob("*") filtered as before: links
    to files kept, folders through links not entered, broken and looping links, folders named
    like scenarios, hidden files and folders anywhere, odd suffixes."""
    for name in ("b.yaml", "a/z.yml", "a/b/c/deep.yaml", "a/.h.yaml", ".hidden/x.yaml",
                 "a/.hid/y.yaml", "a/readme.md", "a/x.yaml.bak", "a/x.", "a/x.YAML",
                 "a/two.dots.yml", "real/r.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("name: x\n")
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "dir.yaml" / "in.yaml").write_text("name: x\n")
    (tmp_path / "a" / "link.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "a" / "broken.yaml").symlink_to(tmp_path / "missing.yaml")
    (tmp_path / "a" / "loop.yaml").symlink_to(tmp_path / "a" / "loop.yaml")
    (tmp_path / "a" / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "a" / "dirlink.yaml").symlink_to(tmp_path / "real", target_is_directory=True)
    before = sorted(p for p in tmp_path.rglob("*") if p.suffix in (".yaml", ".yml")
                    and p.is_file() and not any(part.startswith(".")
                                                for part in p.relative_to(tmp_path).parts))
    assert collect_files([tmp_path]) == before
    assert [str(p.relative_to(tmp_path)) for p in before] == [
        "a/b/c/deep.yaml", "a/link.yaml", "a/two.dots.yml", "a/z.yml", "b.yaml",
        "dir.yaml/in.yaml", "real/r.yaml"]


def test_a_folder_named_on_the_command_line_is_searched_even_when_hidden(tmp_path):
    """Only names below the folder searched are hidden: ``.hid`` itself, named, is searched;
    ``.hid/.deeper`` and ``.hid/.h.yaml``, found inside it, are not."""
    for name in (".hid/a.yaml", ".hid/sub/c.yaml", ".hid/.deeper/b.yaml", ".hid/.h.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("name: x\n")
    assert collect_files([tmp_path / ".hid"]) == [tmp_path / ".hid" / "a.yaml",
                                                  tmp_path / ".hid" / "sub" / "c.yaml"]


def test_a_link_whose_target_cannot_be_looked_up_is_not_followed_unless_a_scenario(tmp_path):
    """A link is never entered, so a link to a name too long to stat (ENAMETOOLONG) that is
    not named like a scenario is passed over without a look at its target."""
    for name in ("a.yaml", "z/b.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("name: x\n")
    (tmp_path / "m").symlink_to("x" * 300)
    (tmp_path / "z" / "n").symlink_to("x" * 300)
    assert collect_files([tmp_path]) == [tmp_path / "a.yaml", tmp_path / "z" / "b.yaml"]


def test_a_scenario_link_whose_target_cannot_be_looked_up_is_a_scenario_error(tmp_path):
    (tmp_path / "a.yaml").write_text("name: x\n")
    (tmp_path / "m.yaml").symlink_to("x" * 300)
    with pytest.raises(ScenarioError) as info:
        collect_files([tmp_path])
    assert str(info.value) == f"{tmp_path / 'm.yaml'}: cannot use this path, got File name too long"


def test_a_folder_that_cannot_be_listed_is_a_scenario_error(tmp_path, monkeypatch):
    """A folder that vanishes while it is searched (any error but EACCES, which passes an
    unreadable folder over, as rglob did) names the folder, not a traceback."""
    import simulator.batch

    (tmp_path / "gone").mkdir()
    (tmp_path / "a.yaml").write_text("name: x\n")
    scandir = simulator.batch.os.scandir

    def vanishing(path):
        if path == str(tmp_path / "gone"):
            raise FileNotFoundError(2, "No such file or directory", path)
        return scandir(path)

    monkeypatch.setattr(simulator.batch.os, "scandir", vanishing)
    with pytest.raises(ScenarioError) as info:
        collect_files([tmp_path])
    assert str(info.value) == (f"{tmp_path / 'gone'}: cannot search this folder, "
                               "got No such file or directory")


@pytest.mark.parametrize("name", ["x" * 5000 + ".yaml", "x" * 5000])
def test_collect_files_refuses_a_path_too_long_to_open(tmp_path, name):
    with pytest.raises(ScenarioError) as info:
        collect_files([tmp_path / name])
    shown = str(tmp_path / name)
    assert str(info.value) == (f"{shown[:60]}... ({len(shown):,} characters): cannot use this "
                               "path, got File name too long")


# ---- run -j N: workers forked after the engine and the apps are imported ---------------------

COUNTING_APP = textwrap.dedent("""
    import os

    with open(os.path.join(os.path.dirname(__file__), "imports.log"), "a") as log:
        log.write(f"{os.getpid()}\\n")

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [b'<Response><Record maxDuration="2"/></Response>']
""")

# The app answers from a thread its module starts at import: a worker forked from a process
# that imported it would have the module but not the thread.
THREAD_APP = textwrap.dedent("""
    import queue, threading

    asked, answers = queue.Queue(), queue.Queue()

    def answer():
        while True:
            asked.get()
            answers.put(b'<Response><Record maxDuration="2"/></Response>')

    threading.Thread(target=answer, daemon=True).start()

    def app(environ, start_response):
        asked.put(environ["PATH_INFO"])
        body = answers.get(timeout=5)
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [body]
""")

KILLER_APP = "import os\n\ndef app(environ, start_response):\n    os._exit(3)\n"


def app_scenario(name: str, module: str) -> str:
    return textwrap.dedent(f"""
        name: {name}
        app: {{wsgi: "{module}:app"}}
        caller:
          - wait_for: Record
          - say: "hello"
        expect:
          recordings: [{{endReason: max-duration}}]
    """).lstrip()


def bxmlsim_run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """``bxmlsim run`` in a fresh interpreter (one thread: the workers can be forked)."""
    done = subprocess.run([sys.executable, "-c", "from simulator.console import main; main()",
                           "run", *args], cwd=folder, capture_output=True, text=True,
                          timeout=120)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def suite_of(folder: Path, module: str, source: str, count: int = 4) -> None:
    (folder / f"{module}.py").write_text(source)
    for index in range(count):
        (folder / f"s{index}.yaml").write_text(app_scenario(f"scenario {index}", module))


def test_j2_prints_and_writes_what_j1_does_in_the_same_order(tmp_path):
    suite_of(tmp_path, "counting", COUNTING_APP)
    (tmp_path / "s9-broken.yaml").write_text("name: broken\ncall:\n  direction: sideways\n")
    serial, parallel = (bxmlsim_run(tmp_path, ".", "-j", jobs, "--out", f"out{jobs}")
                        for jobs in ("1", "2"))
    assert (serial.returncode, parallel.returncode) == (2, 2)
    assert parallel.stdout.replace("out2/", "out1/") == serial.stdout
    assert serial.stdout.count("s9-broken.yaml:3: $.call.direction") == 1   # printed once
    for index in range(4):
        first, second = ((tmp_path / out / f"scenario-{index}" / "result.json").read_text()
                         for out in ("out1", "out2"))
        assert first == second


def test_j2_imports_each_app_once_for_all_workers(tmp_path):
    suite_of(tmp_path, "counting", COUNTING_APP)
    done = bxmlsim_run(tmp_path, ".", "-j", "2", "--out", "out")
    assert done.returncode == 0, done.stdout
    assert "4 passed, 0 failed, 0 errors" in done.stdout
    assert len((tmp_path / "imports.log").read_text().split()) == 1   # in the main process


def test_j2_on_a_terminal_imports_each_app_once_too(tmp_path):
    """On a terminal the progress bar runs a thread: the workers start before it does."""
    suite_of(tmp_path, "counting", COUNTING_APP)
    code, shown = on_a_terminal("run", ".", "-j", "2", "--out", "out", cwd=tmp_path)
    assert code == 0, shown
    assert "4 passed, 0 failed, 0 errors" in shown
    assert len((tmp_path / "imports.log").read_text().split()) == 1   # in the main process


def test_an_app_that_starts_a_thread_at_import_runs_in_workers_that_import_it(tmp_path):
    suite_of(tmp_path, "threaded", THREAD_APP)
    done = bxmlsim_run(tmp_path, ".", "-j", "2", "--out", "out")
    assert done.returncode == 0, done.stdout
    assert "4 passed, 0 failed, 0 errors" in done.stdout


def test_a_worker_that_dies_is_an_error_naming_why(tmp_path):
    suite_of(tmp_path, "counting", COUNTING_APP, count=2)
    (tmp_path / "killer.py").write_text(KILLER_APP)
    (tmp_path / "s0.yaml").write_text(app_scenario("dies", "killer"))
    done = bxmlsim_run(tmp_path, ".", "-j", "2", "--out", "out")
    assert done.returncode == 2, done.stdout
    assert f"ERROR dies (s0.yaml:1)\n  s0.yaml:1: {DIED}" in done.stdout


def test_preload_imports_the_apps_and_leaves_a_broken_one_to_its_run(tmp_path):
    (tmp_path / "preloaded_here.py").write_text(COUNTING_APP)
    good = load_mapping({"name": "good", "app": {"wsgi": "preloaded_here:app"}},
                        base_dir=tmp_path)
    bad = load_mapping({"name": "bad", "app": {"wsgi": "no_such_module_here:app"}},
                       base_dir=tmp_path)
    path = list(sys.path)
    try:
        preload([Job(good[0], None), Job(bad[0], None)])
        assert "preloaded_here" in sys.modules
    finally:
        sys.modules.pop("preloaded_here", None)
        sys.path[:] = path   # the app's folder was put first to import it
