"""``simulator.run_scenario``: the contract's Python API."""

from __future__ import annotations

import json

import pytest

import simulator
from simulator.errors import ScenarioError

MAPPING = {
    "name": "quick look",
    "app": {"bxml": "<Response><Gather gatherUrl='/g' maxDigits='2'/></Response>",
            "routes": {"/g": "<Response><Hangup/></Response>"}},
    "caller": [{"press": "42"}],
    "expect": {"digits": "42", "callbacks": ["initiate", "gather"]},
}


def test_run_scenario_from_a_mapping_fills_passed_and_failures():
    result = simulator.run_scenario(MAPPING)
    assert result.passed is True and result.failures == []
    data = result.to_json()
    assert data["passed"] is True and data["scenario"]["name"] == "quick look"


def test_failed_expectations_land_in_the_result():
    result = simulator.run_scenario({**MAPPING, "expect": {"digits": "7"}})
    assert result.passed is False
    [failure] = result.failures
    assert "expected '7', got '42'" in failure["message"] and failure["line"] == 0


def test_out_dir_receives_result_json(tmp_path):
    result = simulator.run_scenario(MAPPING, out_dir=tmp_path / "run")
    written = json.loads((tmp_path / "run" / "result.json").read_text())
    assert written == result.to_json()


def test_run_scenario_from_a_file_with_its_lines(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: f\napp:\n  bxml: <Response/>\nexpect:\n  disconnect_cause: busy\n")
    result = simulator.run_scenario(path)
    assert result.failures[0]["line"] == 5
    assert result.to_json()["scenario"]["file"].endswith("s.yaml")


def test_same_seed_gives_byte_identical_result_json(tmp_path):
    one = simulator.run_scenario(MAPPING, out_dir=tmp_path / "a")
    two = simulator.run_scenario(MAPPING, out_dir=tmp_path / "b")
    assert one.dumps() == two.dumps()
    assert (tmp_path / "a" / "result.json").read_bytes() == (tmp_path / "b" / "result.json").read_bytes()


def test_a_bad_mapping_raises_scenario_error_with_its_path():
    with pytest.raises(ScenarioError, match=r"<mapping>:0: \$\.caller\[0\]\.press: wrong type"):
        simulator.run_scenario({"name": "x", "caller": [{"press": 5}]})


def test_a_file_with_several_scenarios_is_refused(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text("scenarios:\n  - name: a\n  - name: b\n")
    with pytest.raises(ScenarioError, match="run_scenario runs one scenario"):
        simulator.run_scenario(path)
