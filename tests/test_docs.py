"""The documentation's examples are real: every complete scenario in README.md and docs/*.md
(a YAML block with a top-level `name:` and no `...` placeholder; key references are not
scenarios) loads, runs and meets its own expectations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import simulator
from simulator.scenario.load import load_text

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


SCENARIOS = [p for p in _blocks("ya?ml") if _is_scenario(p.values[2])]


def test_the_docs_hold_scenario_examples():
    assert any(page.name == "README.md" for page, _, _ in (p.values for p in SCENARIOS))


@pytest.mark.parametrize("page, line, block", SCENARIOS)
def test_documented_scenario_passes(page, line, block, tmp_path):
    for scenario in load_text(block, file=f"{page.name}:{line}", base_dir=ROOT / "scenarios"):
        result = simulator.run_scenario(scenario, out_dir=tmp_path / "out")
        assert result.passed, f"{page.name}:{line}: {result.failures}"
