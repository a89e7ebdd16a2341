"""The blocks of a documentation page, read as the steps a reader follows (tests/test_docs.py).

A page marks its blocks with HTML comments on the line before the fence (invisible once
rendered):

* ``<!-- file: PATH -->`` before a fence: the reader saves that block as ``PATH``;
* a ``bash`` fence: commands the reader runs, one a line (``#`` lines are comments), each
  expected to exit 0, or with ``<!-- exit: N -->`` before the fence, N;
* a ``python`` fence without a mark: a script the reader runs (``python``, in the folder);
* ``<!-- output -->`` before a ``text`` fence: lines the last command or script printed, in
  that order (``...`` stands for any text);
* ``<!-- not run: WHY -->`` before a fence: shown only (an install, a command tested elsewhere).

:func:`steps` gives them in page order; :func:`follow` carries them out in a folder.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_BLOCK = re.compile(r"(?:<!-- (?P<mark>[^>]*?) -->\n)?```(?P<lang>[\w-]*)\n(?P<body>.*?)```",
                    re.S)
BIN = Path(sys.executable).parent


@dataclass
class Step:
    """One block: ``kind`` is ``file``, ``run``, ``python``, ``output`` or ``shown``."""

    kind: str
    body: str
    line: int                # the fence's line on the page
    path: str | None = None  # file: where it is saved
    exit: int = 0            # run: the exit status every command must have


def steps(page: Path) -> Iterator[Step]:
    text = page.read_text(encoding="utf-8")
    for match in _BLOCK.finditer(text):
        mark, lang, body = (match.group("mark") or "").strip(), match.group("lang"), \
            match.group("body")
        line = text.count("\n", 0, match.start("lang")) + 1  # the fence's line, from 1
        if mark.startswith("not run"):
            yield Step("shown", body, line)
        elif mark.startswith("file:"):
            yield Step("file", body, line, path=mark.removeprefix("file:").strip())
        elif mark == "output":
            yield Step("output", body, line)
        elif lang == "python":
            yield Step("python", body, line)
        elif lang == "bash":
            code = int(mark.removeprefix("exit:")) if mark.startswith("exit:") else 0
            yield Step("run", body, line, exit=code)
        else:
            yield Step("shown", body, line)


def commands(body: str) -> list[str]:
    return [line.strip() for line in body.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def environment() -> dict[str, str]:
    """The reader's shell: this interpreter's scripts first on PATH (pytest, bxmlsim), no
    PYTHONPATH or pytest options inherited from the suite running the page, and not a CI
    machine (pytest writes whole failure lines where CI or BUILD_NUMBER is set)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER",
                        "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST", "COLUMNS",
                        "CI", "BUILD_NUMBER")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def shows(output: str, expected: str) -> str | None:
    """None when ``output`` holds the lines of ``expected`` in order, else what is missing."""
    lines = output.splitlines()
    at = 0
    for want in expected.splitlines():
        if not want.strip():
            continue
        pattern = re.escape(want.rstrip()).replace(re.escape("..."), ".*")
        found = next((i for i in range(at, len(lines))
                      if re.fullmatch(pattern, lines[i].rstrip())), None)
        if found is None:
            return f"expected the line {want!r} (after line {at} of the output)"
        at = found + 1
    return None


def follow(page: Path, folder: Path, timeout: float = 300) -> None:
    """Do what the page says in ``folder``; AssertionError naming the page's line that fails."""
    output = ""
    for step in steps(page):
        where = f"{page.name}:{step.line}"
        if step.kind == "file":
            target = folder / step.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.body, encoding="utf-8")
        elif step.kind == "run":
            for command in commands(step.body):
                done = subprocess.run(command, shell=True, cwd=folder, env=environment(),
                                      capture_output=True, text=True, timeout=timeout)
                output = done.stdout + done.stderr
                assert done.returncode == step.exit, (
                    f"{where}: `{command}` exited {done.returncode}, the page says "
                    f"{step.exit}:\n{output}")
        elif step.kind == "python":
            done = subprocess.run([sys.executable, "-c", step.body], cwd=folder,
                                  env=environment(), capture_output=True, text=True,
                                  timeout=timeout)
            output = done.stdout + done.stderr
            assert done.returncode == 0, f"{where}: the example failed:\n{output}"
        elif step.kind == "output":
            missing = shows(output, step.body)
            assert missing is None, f"{where}: {missing}; the output was:\n{output}"
