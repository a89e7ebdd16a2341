"""``bxmlsim schema``: the JSON Schema of the scenario format, derived from the loader's classes,
accepts every bundled and documented scenario and refuses what the loader refuses by shape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.scenario import schema
from simulator.scenario.jsonschema import DESCRIPTIONS, scenario_schema
from simulator.scenario.reader import read_file, read_yaml

jsonschema = pytest.importorskip("jsonschema")  # the test extra

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "scenarios").rglob("*.yaml"))


@pytest.fixture(scope="module")
def validator():
    document = scenario_schema()
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


def plain(data):
    return json.loads(json.dumps(data))


def test_the_command_prints_the_schema():
    done = CliRunner().invoke(main, ["schema"])
    assert done.exit_code == 0
    assert json.loads(done.output) == scenario_schema()


@pytest.mark.parametrize("path", BUNDLED, ids=[str(p.relative_to(ROOT)) for p in BUNDLED])
def test_every_bundled_scenario_is_valid(validator, path):
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in validator.iter_errors(plain(read_file(path)))]
    assert not errors, errors


def test_every_documented_scenario_is_valid(validator):
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    count = 0
    for page in pages:
        for block in re.findall(r"```ya?ml\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            if re.search(r"^(name|scenarios):", block, re.M) and "..." not in block:
                count += 1
                errors = list(validator.iter_errors(plain(read_yaml(block, page.name))))
                assert not errors, (page.name, block[:60], errors[0].message)
    assert count >= 4  # README and docs examples (tests/test_docs.py runs them)


def test_every_key_of_the_format_is_in_the_schema():
    defs = scenario_schema()["$defs"]
    for cls in (schema.ScenarioDoc, schema.AppDoc, schema.RouteDoc, schema.PressDoc):
        keys = set(defs[cls.__name__]["properties"])
        assert keys == set(schema.yaml_keys(cls)), cls
    assert "from" in defs["CallSettings"]["properties"]  # YAML names, not Python ones
    assert defs["ScenarioDoc"]["required"] == ["name"]


def test_descriptions_name_real_keys():
    for cls, key in DESCRIPTIONS:
        assert key in schema.yaml_keys(cls), (cls, key)


@pytest.mark.parametrize("document", [
    {"seed": 1},                                            # no name
    {"name": "x", "colour": "red"},                          # unknown key
    {"name": "x", "caller": [{"press": 123}]},               # digits must be quoted
    {"name": "x", "caller": [{"say": "a", "press": "1"}]},   # one kind a step
    {"name": "x", "rest": [{"at": 1}]},                      # exactly one action
    {"name": "x", "rest": [{"at": 1, "put_bxml": "<Bxml/>", "recording": "paused"}]},
    {"name": "x", "expect": {"recording": 1}},               # unknown section
    {"name": "x", "expect": {"callbacks": [{"evnt": "gather"}]}},
    {"name": "x", "skip": 3},
    {"scenarios": [{"name": "a"}], "name": "b"},
], ids=repr)
def test_shapes_the_loader_refuses_are_refused(validator, document):
    assert list(validator.iter_errors(document))


def test_defaults_are_the_models(validator):
    defs = scenario_schema()["$defs"]
    assert defs["CallSettings"]["properties"]["callback_timeout"]["default"] == 15.0
    assert defs["ScenarioDoc"]["properties"]["tts"]["default"] == "model"
    assert attrs.fields(schema.ScenarioDoc).seed.default == \
        defs["ScenarioDoc"]["properties"]["seed"]["default"]
