"""Explorations shared by the explore tests (each runs once per module)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.api import load
from simulator.explore import Options, explore
from simulator.explore.runners import BatchRunner

SCENARIOS = Path(__file__).parent.parent.parent / "scenarios"
ACME = SCENARIOS / "explore" / "acme-menu.scenario.yaml"


@pytest.fixture(scope="module")
def acme():
    """The exploration of the bundled Acme menu (scenarios/explore), with the default bounds."""
    [scenario] = load(ACME)
    return explore(scenario, Options(), BatchRunner())
