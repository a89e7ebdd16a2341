"""``bxmlsim init``: the scaffold is written as promised, never overwrites, and passes as
written: its tests, its scenario file, and the commands of its CI workflow."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from click.testing import CliRunner

from simulator import scaffold
from simulator.cli import main

BIN = Path(sys.executable).parent


def test_init_writes_the_scaffold_and_says_what_next(tmp_path):
    done = CliRunner().invoke(main, ["init", str(tmp_path / "project")])
    assert done.exit_code == 0, done.output
    for name in scaffold.FILES:
        assert (tmp_path / "project" / name).read_text() == scaffold.FILES[name]
        assert f"wrote {tmp_path / 'project' / name}" in done.output
    assert "python -m pytest tests" in done.output


def test_init_never_overwrites(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "voice_app.py").write_text("mine")
    done = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert done.exit_code == 2 and "exist already (nothing was written)" in done.output
    assert (tmp_path / "tests" / "voice_app.py").read_text() == "mine"
    assert not (tmp_path / "tests" / "test_voice_app.py").exists()


def test_the_scaffold_passes_as_written_with_its_ci_commands(tmp_path):
    CliRunner().invoke(main, ["init", str(tmp_path)])
    workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / "bxmlsim.yml").read_text())
    commands = [step["run"] for step in workflow["jobs"]["test"]["steps"] if "run" in step]
    assert commands[0].startswith("pip install")  # the project's environment has them already
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    for command in commands[1:]:
        args = shlex.split(command)
        if args[0] == "python":
            args[0] = sys.executable
        done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, env=env,
                              timeout=300)
        assert done.returncode == 0, (command, done.stdout[-3000:], done.stderr[-3000:])
    pytest_suite = ET.parse(tmp_path / "reports" / "pytest.xml").getroot().find("testsuite")
    assert (pytest_suite.get("tests"), pytest_suite.get("failures")) == ("3", "0")  # 2 + yaml
    bxmlsim_suite = ET.parse(tmp_path / "reports" / "bxmlsim.xml").getroot().find("testsuite")
    assert (bxmlsim_suite.get("tests"), bxmlsim_suite.get("failures")) == ("1", "0")
