"""Where a scenario's app import strings are looked for: one rule for every way of running.

``import_folders(base_dir)`` is the search path of an ``app.wsgi``/``app.asgi`` (or Python
``app="module:attr"``) import string, in order:

1. the scenario's folder (a scenario file's folder; for a mapping or keywords from Python, the
   folder of the calling test file under the ``bxmlsim`` fixture, else the current folder);
2. the project root: the nearest folder at or above it holding one of :data:`ROOT_MARKERS`
   (``pyproject.toml``, ``setup.cfg``, ``setup.py``, ``pytest.ini``, ``tox.ini``, ``.git``) --
   the folder pytest takes as its rootdir in a usual project;
3. the current folder;

then the installed modules (``sys.path``). The rule depends on neither ``sys.path`` nor on how
the process was started, so ``pytest``, ``python -m pytest``, ``bxmlsim run`` and the Python API
import the same file (docs/python.md, "Where app modules are found"). The folders are worked
out once per folder and current folder in a process (the layout is taken not to change while a
suite runs).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "pytest.ini", ".pytest.ini",
                "tox.ini", ".git")


def project_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding a project marker; None if none does."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return None


def import_folders(base_dir: Path) -> list[Path]:
    """The folders searched for an app module, in order, without repeats.

    Worked out once per (folder, current folder) in a process (:func:`_folders`): every run of
    a scenario with an in-process app asks, and the answer is a walk of stat calls up the
    tree (~0.4 ms). A suite's folders, symlinks and project markers are taken not to change
    while it runs; a folder not seen before (a new temporary project) is walked afresh."""
    return list(_folders(Path(base_dir), os.getcwd()))


@functools.lru_cache(maxsize=256)
def _folders(base_dir: Path, cwd: str) -> tuple[Path, ...]:
    base = base_dir.resolve()
    folders = [base, project_root(base), Path(cwd).resolve()]
    out: list[Path] = []
    for folder in folders:
        if folder is not None and folder not in out:
            out.append(folder)
    return tuple(out)
