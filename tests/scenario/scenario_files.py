"""Scenario files for the loader tests: write YAML to a temp folder, collect load problems."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from simulator.errors import ScenarioError
from simulator.scenario.load import load_scenarios


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    """``text`` (dedented) as ``tmp_path/name``."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    """The problems loading ``text`` reports, with paths relative to ``tmp_path``."""
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(write(tmp_path, text))
    return [str(p).removeprefix(f"{tmp_path}/") for p in caught.value.problems]
