"""``bxmlsim init``: the scaffold is written as promised, never overwrites, and passes as
written: its tests, its scenario file, and the commands of its CI workflow. The workflow
installs bxml-simulator from where the running bxmlsim came from (its PEP 610 install metadata,
faked here by a distribution put first on sys.path), or from ``--install SPEC``."""

from __future__ import annotations

import ast
import json
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from packaging.requirements import Requirement  # pip's own parser (pytest depends on it)
from packaging.utils import canonicalize_name

from simulator import scaffold
from simulator.cli import main

BIN = Path(sys.executable).parent
WORKFLOW = Path(".github") / "workflows" / "bxmlsim.yml"
COMMIT = "7921be1537eac1e97bc40179a57f0349c2aabfa"
REPO = "https://github.com/acme/bxml-simulator.git"
WHEEL = "https://example.com/dl/bxml_simulator-0.1.0-py3-none-any.whl"


def fake_distribution(monkeypatch, root: Path, direct_url: dict | None, installer="pip"):
    """An installed bxml-simulator whose metadata says ``direct_url`` (None: no direct_url.json,
    as pip leaves after an install from an index), first on sys.path."""
    info = root / "site" / "bxml_simulator-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: bxml-simulator\nVersion: 0.1.0\n")
    if installer:
        (info / "INSTALLER").write_text(f"{installer}\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    monkeypatch.syspath_prepend(str(root / "site"))


def init(folder: Path, *options: str):
    return CliRunner().invoke(main, ["init", str(folder), *options])


def installed_requirement(folder: Path) -> str:
    """The requirement of bxml-simulator the workflow's pip line installs, checked to be a
    valid workflow, a valid shell command and a requirement pip accepts."""
    workflow = yaml.safe_load((folder / WORKFLOW).read_text())
    [line] = [step["run"] for step in workflow["jobs"]["test"]["steps"]
              if step.get("run", "").startswith("pip install")]
    args = shlex.split(line)
    assert args[:2] == ["pip", "install"] and args[3:] == ["pytest"], line
    requirement = Requirement(args[2])
    assert canonicalize_name(requirement.name) == "bxml-simulator"
    return args[2]


def test_init_writes_the_scaffold_and_says_what_next(tmp_path, monkeypatch):
    fake_distribution(monkeypatch, tmp_path, None)
    done = init(tmp_path / "project")
    assert done.exit_code == 0, done.output
    for name, text in scaffold.files(scaffold.installed_source()).items():
        assert (tmp_path / "project" / name).read_text() == text
        assert f"wrote {tmp_path / 'project' / name}" in done.output
    assert "the workflow installs bxml-simulator==0.1.0\n" in done.stdout   # the version that ran
    assert "python -m pytest tests" in done.output


def test_init_never_overwrites(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "voice_app.py").write_text("mine")
    done = init(tmp_path)
    assert done.exit_code == 2 and "exist already (nothing was written)" in done.output
    assert (tmp_path / "tests" / "voice_app.py").read_text() == "mine"
    assert not (tmp_path / "tests" / "test_voice_app.py").exists()


@pytest.mark.parametrize("direct_url, requirement", [
    pytest.param({"url": REPO, "vcs_info": {"vcs": "git", "requested_revision": "main",
                                            "commit_id": COMMIT}},
                 f"bxml-simulator @ git+{REPO}@{COMMIT}", id="vcs-pinned-to-its-commit"),
    pytest.param({"url": REPO, "subdirectory": "python",
                  "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
                 f"bxml-simulator @ git+{REPO}@{COMMIT}#subdirectory=python",
                 id="vcs-with-subdirectory"),
    pytest.param({"url": WHEEL, "archive_info": {"hashes": {"sha256": "0" * 64}}},
                 f"bxml-simulator @ {WHEEL}#sha256={'0' * 64}", id="archive-url-with-its-hash"),
    pytest.param({"url": WHEEL, "archive_info": {}},
                 f"bxml-simulator @ {WHEEL}", id="archive-url-as-is"),
    pytest.param(None, "bxml-simulator==0.1.0", id="index-by-name-at-its-version"),
])
def test_the_workflow_installs_from_where_bxmlsim_came_from(tmp_path, monkeypatch, direct_url,
                                                            requirement):
    fake_distribution(monkeypatch, tmp_path, direct_url)
    done = init(tmp_path / "project")
    assert done.exit_code == 0, done.output
    assert installed_requirement(tmp_path / "project") == requirement
    assert f"the workflow installs {requirement}\n" in done.stdout
    assert done.stderr == ""  # CI can install from there: nothing to say


@pytest.mark.parametrize("direct_url, what", [
    pytest.param({"url": "file:///home/sam/bxml-simulator", "dir_info": {}},
                 "a local folder or file (/home/sam/bxml-simulator)", id="local-dir"),
    pytest.param({"url": "file:///home/sam/bxml%20simulator", "dir_info": {"editable": True}},
                 "an editable local folder (/home/sam/bxml simulator)", id="editable-local-dir"),
    pytest.param({"url": "file:///home/sam/dist/bxml_simulator-0.1.0-py3-none-any.whl",
                  "archive_info": {}},
                 "a local folder or file (/home/sam/dist/bxml_simulator-0.1.0-py3-none-any.whl)",
                 id="local-wheel"),
    pytest.param({"url": "file:///home/sam/bxml-simulator",
                  "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
                 "a local folder or file (/home/sam/bxml-simulator)", id="local-git-clone"),
])
def test_a_local_install_is_named_by_name_with_a_notice(tmp_path, monkeypatch, direct_url, what):
    fake_distribution(monkeypatch, tmp_path, direct_url)
    done = init(tmp_path / "project")
    assert done.exit_code == 0, done.output
    assert installed_requirement(tmp_path / "project") == "bxml-simulator==0.1.0"
    assert done.stderr.startswith(f"notice: bxmlsim is installed from {what}, which CI cannot "
                                  "reach: the workflow installs bxml-simulator==0.1.0, from CI's "
                                  "package index")
    assert "edit the pip install line of .github/workflows/bxmlsim.yml" in done.stderr
    assert "bxmlsim init --install SPEC" in done.stderr
    assert "notice" not in done.stdout


@pytest.mark.parametrize("vcs_info", [
    pytest.param({"commit_id": COMMIT}, id="no-vcs-key"),
    pytest.param({"vcs": "", "commit_id": COMMIT}, id="empty-vcs"),
    pytest.param({"vcs": None, "commit_id": COMMIT}, id="vcs-not-a-name"),
])
def test_vcs_metadata_that_names_no_vcs_is_named_by_name_with_a_notice(tmp_path, monkeypatch,
                                                                       vcs_info):
    """PEP 610 requires ``vcs`` in ``vcs_info``; without it the URL cannot be told apart from an
    archive's, so the workflow installs by name and says why."""
    assert scaffold.source_from({"url": REPO, "vcs_info": vcs_info}).requirement == "bxml-simulator"
    fake_distribution(monkeypatch, tmp_path, {"url": REPO, "vcs_info": vcs_info})
    done = init(tmp_path / "project")
    assert done.exit_code == 0, done.output
    assert installed_requirement(tmp_path / "project") == "bxml-simulator==0.1.0"
    assert done.stderr.startswith("notice: the install metadata of bxml-simulator "
                                  "(direct_url.json) names no version control system for "
                                  f"{REPO}: the workflow installs bxml-simulator==0.1.0.")
    assert "bxmlsim init --install SPEC" in done.stderr


def test_a_source_tree_without_install_metadata_is_named_by_name_with_a_notice(tmp_path,
                                                                                monkeypatch):
    fake_distribution(monkeypatch, tmp_path, None, installer=None)  # setuptools' egg-info
    done = init(tmp_path / "project")
    assert done.exit_code == 0, done.output
    assert installed_requirement(tmp_path / "project") == "bxml-simulator==0.1.0"
    assert done.stderr.startswith("notice: bxmlsim runs from a source tree")


@pytest.fixture(params=["packaging", "no-packaging"])
def requirement_parser(request, monkeypatch):
    """--install is checked by packaging when it is installed (it is not a dependency), by the
    shape of a requirement otherwise."""
    if request.param == "no-packaging":
        monkeypatch.setitem(sys.modules, "packaging.requirements", None)  # import fails
    return request.param


@pytest.mark.parametrize("spec, requirement", [
    ("bxml-simulator==0.1.0", "bxml-simulator==0.1.0"),
    (f"bxml-simulator @ git+{REPO}@{COMMIT}", f"bxml-simulator @ git+{REPO}@{COMMIT}"),
    (WHEEL, f"bxml-simulator @ {WHEEL}"),  # a bare URL: pip's direct reference names it
    (f"  bxml_simulator[tts] @ {WHEEL}  ", f"bxml_simulator[tts] @ {WHEEL}"),
    ("bxml-simulator (>=0.1, <1) ; python_version >= '3.11'",
     "bxml-simulator (>=0.1, <1) ; python_version >= '3.11'"),
    ("bxml-simulator~=0.1.0,!=0.1.3", "bxml-simulator~=0.1.0,!=0.1.3"),
    (f"bxml-simulator @ {WHEEL} ; python_version >= '3.11'",   # a URL, then its marker
     f"bxml-simulator @ {WHEEL} ; python_version >= '3.11'"),
])
def test_install_names_the_source_over_the_metadata(tmp_path, monkeypatch, requirement_parser,
                                                    spec, requirement):
    fake_distribution(monkeypatch, tmp_path, {"url": "file:///home/sam/x", "dir_info": {}})
    done = init(tmp_path / "project", "--install", spec)
    assert done.exit_code == 0, done.output
    assert installed_requirement(tmp_path / "project") == requirement
    assert done.stderr == ""  # the local install is not used: no notice
    text = (tmp_path / "project" / WORKFLOW).read_text()
    assert "# bxml-simulator as bxmlsim init --install named it\n" in text


@pytest.mark.parametrize("spec, reason", [
    ("", "it is empty"),
    ("   ", "it is empty"),
    ("-e .", "that is a pip option, not a requirement"),
    ("requests==2.31", "it installs requests, not bxml-simulator"),
    ("bxml-simulator\n==0.1.0", "it spans several lines"),
    ("bxml simulator", None),
    ("bxml-simulator @ ./here", None),
    ("bxml-simulator==", None),  # a version clause without its version
    ("bxml-simulator>=0.1,<", None),
    ("bxml-simulator>=", None),  # not ">" then the version "="
    ("bxml-simulator;", None),  # a marker separator without its marker
    ("bxml-simulator==0.1 ;", None),
    ("bxml-simulator=0.1", None),  # not an operator
    ("bxml-simulator>=0.1 <1", None),  # clauses not separated by a comma
    ("bxml-simulator (==0.1", None),
    (f"bxml-simulator @ {WHEEL}; python_version >= '3.11'", None),  # PEP 508: a space first
])
def test_a_malformed_install_is_a_usage_error(tmp_path, requirement_parser, spec, reason):
    done = init(tmp_path, "--install", spec)
    assert done.exit_code == 2, done.output
    message = done.stderr.splitlines()[-1]
    assert message.startswith(
        "Error: Invalid value for '--install': expected a pip requirement of bxml-simulator "
        "('bxml-simulator @ git+https://github.com/OWNER/REPO@COMMIT', a wheel URL, "
        f"'bxml-simulator==VERSION'), got {spec!r}: "), message
    if reason:
        assert message.endswith(f": {reason}")
    assert not (tmp_path / "tests").exists()


def test_install_of_a_local_path_is_written_with_a_notice(tmp_path):
    done = init(tmp_path, "--install", "file:///srv/wheels/bxml_simulator-0.1.0-py3-none-any.whl")
    assert done.exit_code == 0, done.output
    assert installed_requirement(tmp_path) == (
        "bxml-simulator @ file:///srv/wheels/bxml_simulator-0.1.0-py3-none-any.whl")
    assert done.stderr == ("notice: --install names a local path "
                           "(/srv/wheels/bxml_simulator-0.1.0-py3-none-any.whl), which CI cannot "
                           "reach.\n")


@pytest.mark.parametrize("requirement", [
    "bxml-simulator",
    f"bxml-simulator[tts,server] @ git+{REPO}@{COMMIT}#subdirectory=py",
    "bxml-simulator==0.1.0; python_version >= '3.11'",
    'bxml-simulator; platform_version == "a: #b"',  # reads as a mapping and a comment in YAML
])
def test_the_install_line_reads_back_in_yaml_and_the_shell(requirement):
    line = scaffold.install_line(requirement)
    run = yaml.safe_load(f"- run: {line}")[0]["run"]
    assert shlex.split(run) == ["pip", "install", requirement, "pytest"]


def test_the_sample_needs_no_extra_of_bxml_simulator():
    """The sample app and its tests import the standard library and each other only (and use
    the core plugin's fixture): the install line names no extra."""
    for text in (scaffold.APP, scaffold.TEST):
        for node in ast.walk(ast.parse(text)):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] in {*sys.stdlib_module_names, "voice_app"}, name
    assert scaffold.EXTRAS == ()
    # were one needed, it is in the requirement, whatever the source
    with_extra = scaffold.source_from({"url": REPO, "vcs_info": {"vcs": "git",
                                                                 "commit_id": COMMIT}},
                                      extras=("samples",))
    assert with_extra.requirement == f"bxml-simulator[samples] @ git+{REPO}@{COMMIT}"
    assert scaffold.source_from(None, extras=("samples",)).requirement == "bxml-simulator[samples]"
    assert scaffold.source_from(None, extras=("samples",), version="0.2.0").requirement == \
        "bxml-simulator[samples]==0.2.0"


def test_a_requirement_by_name_is_pinned_to_the_version_that_ran_init():
    """CI then installs what the user ran, not an index's newest (nor another package's)."""
    assert scaffold.source_from(None, version="0.1.0").requirement == "bxml-simulator==0.1.0"
    local = {"url": "file:///home/sam/bxml-simulator", "dir_info": {}}
    assert scaffold.source_from(local, version="0.1.0").requirement == "bxml-simulator==0.1.0"
    # a URL names its own version: not pinned again
    assert scaffold.source_from({"url": WHEEL, "archive_info": {}}, version="0.1.0"
                                ).requirement == f"bxml-simulator @ {WHEEL}"
    assert scaffold.source_from(None).requirement == "bxml-simulator"   # version unknown


def test_the_scaffold_passes_as_written_with_its_ci_commands(tmp_path):
    CliRunner().invoke(main, ["init", str(tmp_path)])
    installed_requirement(tmp_path)  # the project's environment has it already: not run
    workflow = yaml.safe_load((tmp_path / WORKFLOW).read_text())
    commands = [step["run"] for step in workflow["jobs"]["test"]["steps"] if "run" in step]
    assert commands[0].startswith("pip install")
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


@pytest.mark.parametrize("direct_url, link", [
    pytest.param({"url": WHEEL, "archive_info": {"hash": "sha256=" + "AB" * 32}},
                 f"{WHEEL}#sha256={'ab' * 32}", id="older-hash-key"),
    pytest.param({"url": WHEEL, "archive_info": {"hashes": {"sha256": "not hex"}}},
                 WHEEL, id="not-a-sha256-left-out"),
    pytest.param({"url": WHEEL, "archive_info": {"hashes": {"md5": "0" * 32}}},
                 WHEEL, id="another-algorithm-left-out"),
    pytest.param({"url": f"{WHEEL}#sha256={'1' * 64}",
                  "archive_info": {"hashes": {"sha256": "1" * 64}}},
                 f"{WHEEL}#sha256={'1' * 64}", id="already-in-the-url"),
    pytest.param({"url": "https://example.com/bxml-simulator-0.1.0.tar.gz",
                  "subdirectory": "python", "archive_info": {"hashes": {"sha256": "2" * 64}}},
                 f"https://example.com/bxml-simulator-0.1.0.tar.gz#sha256={'2' * 64}"
                 "&subdirectory=python", id="with-a-subdirectory"),
    pytest.param({"url": "https://github.com/OWNER/REPO/archive/refs/heads/main.zip",
                  "archive_info": {"hashes": {"sha256": "3" * 64}}},
                 "https://github.com/OWNER/REPO/archive/refs/heads/main.zip",
                 id="a-moving-url-not-pinned"),
    pytest.param({"url": "https://example.com/dl/bxml_simulator-0.2.0-py3-none-any.whl",
                  "archive_info": {"hashes": {"sha256": "4" * 64}}},
                 "https://example.com/dl/bxml_simulator-0.2.0-py3-none-any.whl",
                 id="another-versions-file-not-pinned"),
    pytest.param({"url": "https://example.com/dl/bxml_simulator-0.1.01-py3-none-any.whl",
                  "archive_info": {"hashes": {"sha256": "5" * 64}}},
                 "https://example.com/dl/bxml_simulator-0.1.01-py3-none-any.whl",
                 id="a-version-that-only-starts-the-same-not-pinned"),
    pytest.param({"url": "https://example.com/dl/Bxml.Simulator-0.1.0.tar.gz",
                  "archive_info": {"hashes": {"sha256": "6" * 64}}},
                 f"https://example.com/dl/Bxml.Simulator-0.1.0.tar.gz#sha256={'6' * 64}",
                 id="a-name-spelt-otherwise-as-pip-compares-it"),
])
def test_an_archive_is_installed_checked_against_the_sha256_it_had(direct_url, link):
    """pip checks a URL's ``#sha256=`` fragment: CI installs the very archive the user ran,
    when its file names the version that ran (a branch's archive changes with every push: a
    hash pinned to it would stop CI at the next one)."""
    assert scaffold.source_from(direct_url, version="0.1.0").requirement == \
        f"bxml-simulator @ {link}"


def test_the_fallback_shape_refuses_a_trailing_comma():
    """packaging 22+ takes ``NAME>=0.1,``; the pips of some CI images (23.2) do not: without
    packaging to ask, the shape refuses it, rather than write a line CI may reject."""
    assert scaffold._SHAPE.match("bxml-simulator>=0.1,") is None
    assert scaffold._SHAPE.match("bxml-simulator>=0.1,<1") is not None
