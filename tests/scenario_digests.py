"""Byte-identity digests of the bundled scenarios' outputs (tests/data/scenario-digests.txt).

Every scenario of ``scenarios/`` runs as ``bxmlsim run scenarios/ --out OUT`` runs it: the same
files in the same order, one output folder per scenario (``OUT/<slug>/``), and the repository
root as working directory (so ``scenario.file`` in result.json reads ``scenarios/...``). The
manifest lists the SHA-256 of every file written (each ``result.json``, each recording), one
line per file in ``sha256sum`` format, sorted by path. tests/test_scenario_digests.py compares a
fresh run with it, so a change of any output byte is seen.

When a change of the outputs is intended, regenerate the manifest (and say why in the commit)::

    python tests/scenario_digests.py

It prints what changed. ``python tests/scenario_digests.py --out DIR`` also keeps the outputs in
``DIR`` for a look (``diff -r`` against the same command run on main).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "scenarios"
MANIFEST = REPO / "tests" / "data" / "scenario-digests.txt"
REGENERATE = "python tests/scenario_digests.py"

if __name__ == "__main__":  # run as a script: import the simulator of this checkout
    sys.path.insert(0, str(REPO))

from simulator.batch import Job, assign_out_dirs, collect_files, run_batch  # noqa: E402
from simulator.scenario.load import load_scenarios  # noqa: E402


@contextmanager
def _in_repo():
    """The working directory is the repository root while the scenarios run."""
    before = Path.cwd()
    os.chdir(REPO)
    try:
        yield
    finally:
        os.chdir(before)


def run_library(out_root: Path) -> tuple[dict[str, str], list[str]]:
    """Run every bundled scenario into ``out_root``: (output folder name -> the scenario's
    ``file:line``, the problems: scenarios that failed or could not run)."""
    with _in_repo():
        files = collect_files([Path("scenarios")])
        scenarios = [scenario for path in files for scenario in load_scenarios(path)]
        jobs = [Job(s, d) for s, d in zip(scenarios, assign_out_dirs(scenarios, out_root))]
        outcomes = list(run_batch(jobs))
    sources = {job.out_dir.name: outcome.where for job, outcome in zip(jobs, outcomes)}
    problems = [f"{outcome.where}: {outcome.error or outcome.failures}"
                for outcome in outcomes if not outcome.passed]
    return sources, problems


def digests(out_root: Path) -> dict[str, str]:
    """relative path -> SHA-256 of every file under ``out_root``."""
    return {path.relative_to(out_root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(out_root.rglob("*")) if path.is_file()}


def render(table: dict[str, str]) -> str:
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(table.items()))


def read_manifest(path: Path = MANIFEST) -> dict[str, str]:
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split("  ", 1)
            table[name] = digest
    return table


def compare(expected: dict[str, str], actual: dict[str, str],
            sources: dict[str, str] | None = None) -> list[str]:
    """What differs, one line per file: ``changed``, ``new`` or ``missing``, its path
    (``<scenario slug>/result.json``, ``<slug>/recordings/<id>.wav``) and, when ``sources``
    knows it, the scenario's ``file:line``."""
    lines = []
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual:
            what = "missing"
        elif name not in expected:
            what = "new"
        elif expected[name] != actual[name]:
            what = "changed"
        else:
            continue
        source = (sources or {}).get(name.split("/", 1)[0])
        lines.append(f"{what:8} {name}" + (f"  ({source})" if source else ""))
    return lines


def fresh_digests(out_root: Path) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Run the library into ``out_root``: (digests, sources, problems) as :func:`digests` and
    :func:`run_library` give them."""
    sources, problems = run_library(out_root)
    return digests(out_root), sources, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate tests/data/scenario-digests.txt "
                                                 "from a run of every bundled scenario.")
    parser.add_argument("--out", type=Path, help="keep the outputs in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        out_root = (args.out or Path(scratch) / "out").resolve()
        if out_root.exists() and any(out_root.iterdir()):
            parser.error(f"{out_root} is not empty")
        table, sources, problems = fresh_digests(out_root)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    old = read_manifest() if MANIFEST.exists() else {}
    changes = compare(old, table, sources)
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    MANIFEST.write_text(render(table), encoding="utf-8")
    print("\n".join(changes) if changes else "no change")
    print(f"wrote {MANIFEST.relative_to(REPO)} ({len(table)} files)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
