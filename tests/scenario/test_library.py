"""Every scenario of the bundled scenarios/ library passes against the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.api import run_loaded
from simulator.batch import collect_files
from simulator.scenario.load import load_scenarios

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"
FILES = collect_files([LIBRARY])  # exactly what `bxmlsim run scenarios/` runs (recursively)


def test_library_has_at_least_twelve_flows_including_those_in_subfolders():
    assert len(FILES) >= 12
    assert any(path.parent != LIBRARY for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(LIBRARY)) for p in FILES])
def test_library_scenario_passes(path):
    for scenario in load_scenarios(path):
        assert scenario.expect is not None and scenario.expect.items, "needs an expect block"
        result = run_loaded(scenario)
        assert result.passed, "\n".join(f"{path}:{f['line']}: {f['message']}"
                                        for f in result.failures)
        webhooks = [e for e in result.to_json()["timeline"] if e["kind"] == "webhook"]
        assert all("ok" in e["detail"] for e in webhooks), "every webhook entry has its outcome"
