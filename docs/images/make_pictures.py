"""Regenerate the pictures of docs/explore.md and docs/coverage.md (from the repository root):

    python docs/images/make_pictures.py

explore-acme.svg is what `bxmlsim explore scenarios/explore/acme-menu.scenario.yaml
--max-depth 1` prints (rich's SVG export of the same renderables); the PNGs are screenshots of
coverage.html pages taken with headless Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from rich.console import Console

from simulator.api import load, run_loaded
from simulator.batch import collect_files
from simulator.coverage import Coverage, write_reports
from simulator.explore import Options, explore
from simulator.explore.report import findings_text, headline, paths_table, summary_table
from simulator.explore.runners import BatchRunner

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"
ACME = "scenarios/explore/acme-menu.scenario.yaml"


def terminal() -> None:
    [scenario] = load(ROOT / ACME)
    exploration = explore(scenario, Options(max_depth=1), BatchRunner())
    console = Console(record=True, width=118, file=io.StringIO(), highlight=False)
    for line in findings_text(exploration):
        console.print(line)
    console.print(paths_table(exploration))
    console.print(summary_table(exploration))
    console.print(headline(exploration, ACME))
    console.save_svg(str(IMAGES / "explore-acme.svg"),
                     title=f"bxmlsim explore {ACME} --max-depth 1")


def screenshot(page: Path, png: Path, height: int) -> None:
    subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", f"--window-size=1100,{height}",
                    f"--screenshot={png}", page.as_uri()], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def suite_coverage(folder: Path) -> None:
    coverage = Coverage()
    for file in collect_files([ROOT / "scenarios"]):
        for scenario in load(file):
            coverage.add_run(scenario, run_loaded(scenario).to_json())
    _, page = write_reports(coverage, folder / "suite")
    screenshot(page, IMAGES / "coverage-suite.png", 900)


def acme_coverage(folder: Path) -> None:
    [scenario] = load(ROOT / ACME)
    exploration = explore(scenario, Options(), BatchRunner())
    _, page = write_reports(exploration.coverage, folder / "acme")
    screenshot(page, IMAGES / "coverage-acme.png", 1250)


if __name__ == "__main__":
    terminal()
    with tempfile.TemporaryDirectory() as tmp:
        suite_coverage(Path(tmp))
        acme_coverage(Path(tmp))
    print("wrote", *sorted(p.name for p in IMAGES.iterdir() if p.suffix in (".svg", ".png")))
