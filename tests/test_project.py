"""App import strings resolve one way everywhere: the scenario's folder, then the project root,
then the current folder (simulator/project.py), under pytest, python -m pytest, bxmlsim run and
the Python API alike (a Flask app at the project root, scenarios in tests/scenarios/, each runner
in a fresh process)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import simulator
from simulator.project import import_folders, project_root

BIN = Path(sys.executable).parent

APP = textwrap.dedent('''\
    """The app at the project root: Flask, as in Bandwidth's samples."""

    from flask import Flask

    app = Flask(__name__)


    @app.post("/answer")
    def answer():
        return (f"<Response><SpeakSentence>{WHO}</SpeakSentence></Response>",
                {"Content-Type": "application/xml"})


    WHO = "root app"
''')

SCENARIO = textwrap.dedent("""\
    name: the root app answers
    app:
      wsgi: "app:app"
    expect:
      callbacks:
        - event: initiate
          responseBody: {contains: "%s"}
    """)


@pytest.fixture
def project(tmp_path):
    """A Flask layout: app.py at the root, scenarios under tests/scenarios/."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\nversion = '0'\n")
    (tmp_path / "app.py").write_text(APP)
    scenarios = tmp_path / "tests" / "scenarios"
    scenarios.mkdir(parents=True)
    (scenarios / "menu.scenario.yaml").write_text(SCENARIO % "root app")
    return tmp_path


def run(args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def test_the_project_root_is_the_nearest_folder_with_a_marker(project):
    assert project_root(project / "tests" / "scenarios") == project
    assert import_folders(project / "tests" / "scenarios")[:2] == [
        (project / "tests" / "scenarios").resolve(), project.resolve()]


@pytest.mark.parametrize("command", [
    [str(BIN / "pytest"), "-q", "-p", "no:cacheprovider"],
    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
    [str(BIN / "bxmlsim"), "run", "tests/scenarios", "--out", "out"],
], ids=["pytest", "python -m pytest", "bxmlsim run"])
def test_every_runner_imports_the_root_app(project, command):
    done = run(command, project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_api_from_another_folder_imports_it_too(project, monkeypatch):
    monkeypatch.chdir(project.parent)
    result = simulator.run_scenario(project / "tests" / "scenarios" / "menu.scenario.yaml")
    assert result.passed, result.failures


def test_a_module_beside_the_scenario_wins_over_the_root(project, tmp_path_factory):
    root_scenario = project / "tests" / "scenarios" / "menu.scenario.yaml"
    assert simulator.run_scenario(root_scenario).passed  # app imported from the root first
    folder = project / "tests" / "local"
    folder.mkdir()
    (folder / "app.py").write_text(APP.replace('"root app"', '"local app"'))
    (folder / "menu.scenario.yaml").write_text(SCENARIO % "local app")
    result = simulator.run_scenario(folder / "menu.scenario.yaml")
    assert result.passed, result.failures
    assert simulator.run_scenario(root_scenario).passed  # and the root's again


def test_the_folders_follow_the_current_folder_and_a_new_project(tmp_path, monkeypatch):
    """import_folders is worked out once per (folder, current folder): another current folder,
    or a project made afterwards in another folder, is looked at afresh."""
    first, second = tmp_path / "one", tmp_path / "two"
    for folder in (first, second):
        (folder / "scenarios").mkdir(parents=True)
    monkeypatch.chdir(first)
    assert import_folders(first / "scenarios")[-1] == first.resolve()
    monkeypatch.chdir(second)
    assert import_folders(first / "scenarios")[-1] == second.resolve()
    (second / "pyproject.toml").write_text("[project]\nname = 'two'\n")
    assert import_folders(second / "scenarios") == [(second / "scenarios").resolve(),
                                                    second.resolve()]
