"""The documentation's examples are real: every complete scenario in README.md and docs/*.md
(a YAML block with a top-level `name:` and no `...` placeholder; key references are not
scenarios) loads, runs and meets its own expectations; the tutorial and python.md are followed
step by step in an empty folder (tests/doc_blocks.py: files written, commands run, outputs
compared); every `bxmlsim` command of the docs parses from the repository root and names files
that ship (the cheap ones run); every docs/... page named by a page, a --help text or a
docstring exists."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import click
import pytest

import simulator
from simulator.scenario.load import load_text

from doc_blocks import environment, follow, steps

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _blocks(language: str):
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(rf"```{language}\n(.*?)```", text, re.S):
            line = text.count("\n", 0, match.start()) + 2
            yield pytest.param(page, line, match.group(1), id=f"{page.name}:{line}")


def _is_scenario(block: str) -> bool:
    return re.search(r"^(name|scenarios):", block, re.M) is not None and "..." not in block


#: Pages a reader follows in an empty folder (tests/doc_blocks.py), and what the folder holds
#: first: python.md's examples name the bundled scenarios, as from the repository root.
FOLLOWED = {"tutorial.md": (), "python.md": ("scenarios",)}

SCENARIOS = [p for p in _blocks("ya?ml")
             if _is_scenario(p.values[2]) and p.values[0].name not in FOLLOWED]


def test_the_docs_hold_scenario_examples():
    assert any(page.name == "README.md" for page, _, _ in (p.values for p in SCENARIOS))


@pytest.mark.parametrize("page, line, block", SCENARIOS)
def test_documented_scenario_passes(page, line, block, tmp_path):
    for scenario in load_text(block, file=f"{page.name}:{line}", base_dir=ROOT / "scenarios"):
        result = simulator.run_scenario(scenario, out_dir=tmp_path / "out")
        assert result.passed, f"{page.name}:{line}: {result.failures}"


# ---- pages followed step by step: every file written, every command run ---------------------

@pytest.mark.parametrize("page", sorted(FOLLOWED))
def test_the_page_works_as_written(page, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    for name in FOLLOWED[page]:
        (folder / name).symlink_to(ROOT / name)
    follow(ROOT / "docs" / page, folder)


def test_followed_pages_check_what_they_show():
    for page in FOLLOWED:
        kinds = [step.kind for step in steps(ROOT / "docs" / page)]
        assert "run" in kinds and "output" in kinds and "file" in kinds, page


# ---- commands of the docs: from the repository root, verbatim -------------------------------

#: Commands that stand for the reader's own files or machines, not the repository's.
PLACEHOLDERS = ("my-menu.xml", "my-app.yaml", "scenarios/my-app.yaml", "tcp://", "shard1/")


def _commands():
    for page in PAGES:
        if page.name in FOLLOWED:  # run for real, in the reader's folder
            continue
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r"```[\w-]*\n(.*?)```", text, re.S):
            first = text.count("\n", 0, match.start()) + 2
            for offset, line in enumerate(match.group(1).splitlines()):
                line = line.strip().removeprefix("$ ")
                if line.startswith("bxmlsim ") and "[" not in line and "PATH" not in line \
                        and "TARGET" not in line:
                    args = shlex.split(line, comments=True)[1:]
                    args = args[:args.index(">")] if ">" in args else args  # a redirect
                    yield pytest.param(args, id=f"{page.name}:{first + offset}")


COMMANDS = list(_commands())


def test_the_docs_hold_commands():
    assert len(COMMANDS) > 20


@pytest.mark.parametrize("args", COMMANDS)
def test_a_documented_command_parses_and_names_files_that_ship(args, monkeypatch):
    """From the repository root, the command line parses (options, choices, existing paths)
    and every file it reads is in the repository (or written by an earlier documented
    command: out/...)."""
    from simulator.cli import main

    if any(p in arg for arg in args for p in PLACEHOLDERS):
        pytest.skip("the reader's own file or cluster")
    monkeypatch.chdir(ROOT)
    command = main.get_command(click.Context(main), args[0])
    assert command is not None, f"no command bxmlsim {args[0]}"
    with command.make_context(args[0], list(args[1:])) as ctx:
        for name, value in ctx.params.items():
            values = value if isinstance(value, tuple) else (value,)
            for item in values:
                if name in ("paths", "target", "files", "callee", "result_file") and \
                        isinstance(item, str) and not item.startswith("out/"):
                    assert (ROOT / item).exists(), f"bxmlsim {' '.join(args)}: {item} is missing"


def test_the_readme_quick_looks_run_from_the_root(tmp_path):
    """The cheap ones for real, in a folder that is the repository root to them."""
    for name in ("scenarios", "docs"):
        (tmp_path / name).symlink_to(ROOT / name)
    env = environment()
    for line in ('bxmlsim lint scenarios/flows/voicemail.xml',
                 'bxmlsim run scenarios/flows/voicemail.xml --say "Hi, it\'s Sam" --press "#"',
                 'bxmlsim run scenarios/voicemail-pound.scenario.yaml --out out',
                 'bxmlsim report out/voicemail-ended-by-the-pound-key/result.json -o call.html'):
        done = subprocess.run(line, shell=True, cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"{line}:\n{done.stdout}{done.stderr}"
    assert (tmp_path / "call.html").is_file()


def test_the_shipped_callee_is_the_documented_one():
    from simulator.server.callee import load_callee

    shipped = ROOT / "docs" / "examples" / "callee.yaml"
    callee = load_callee(shipped)
    assert callee.parties and callee.caller
    server = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    assert "--callee docs/examples/callee.yaml" in server
    documented = re.search(r"```yaml\n(caller:.*?)```", server, re.S).group(1)
    assert documented.strip() in shipped.read_text(encoding="utf-8")


# ---- doc references: every docs/... a page, a --help or a docstring names ships -----------

def test_every_doc_reference_ships():
    named = set()
    sources = [*PAGES, *sorted((ROOT / "simulator").rglob("*.py"))]
    for source in sources:
        for match in re.finditer(r"\bdocs/([\w./-]+?\.md)\b", source.read_text(encoding="utf-8")):
            named.add((match.group(1), source.relative_to(ROOT).as_posix()))
    missing = sorted(f"{where}: docs/{name}" for name, where in named
                     if not (ROOT / "docs" / name).is_file())
    assert not missing, missing


def test_relative_links_of_the_pages_resolve():
    missing = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text("utf-8")):
            if not (page.parent / target).is_file():
                missing.append(f"{page.name}: {target}")
    assert not missing, missing
