"""Fuzz the scenario loader: whatever the file says, the only exception is ScenarioError.

Two fronts: YAML text (arbitrary text, and well-formed documents of scenario keys with values of
any type) read from a file by the YAML layer (scenario/reader.py), and mappings handed to
``load_mapping`` (the Python API), whose values are checked after reading (scenario/load.py,
with the bounds of docs/limits.md).
"""

from __future__ import annotations

import json

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.errors import ScenarioError
from simulator.scenario.load import load_mapping, load_scenarios

KEYS = {
    "": ["name", "seed", "call", "app", "caller", "parties", "expect", "tts", "calls", "rest",
         "scenarios", "bogus"],
    "call": ["direction", "from", "to", "answer_url", "max_duration", "callback_timeout",
             "machine_detection", "tag"],
    "app": ["base_url", "bxml", "routes", "wsgi", "static"],
    "step": ["say", "seconds", "silence", "press", "tone", "gap", "play", "wait_for", "hangup",
             "at"],
}
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                    st.text(max_size=12), st.sampled_from(["+15555550100", "/answer", "Record",
                                                           "1#", "1e400", "-0", ".nan"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(sum(KEYS.values(), [])), inner,
                                        max_size=4), max_leaves=10)
STEP = st.dictionaries(st.sampled_from(KEYS["step"]), VALUES, max_size=3)
SCENARIO = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=8), SCALARS)},
    optional={"call": st.dictionaries(st.sampled_from(KEYS["call"]), VALUES, max_size=4),
              "app": st.dictionaries(st.sampled_from(KEYS["app"]), VALUES, max_size=3),
              "caller": st.lists(STEP, max_size=4) | VALUES,
              "seed": VALUES, "expect": VALUES, "bogus": VALUES})
FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def loads_or_refuses(call) -> None:
    try:
        call()
    except ScenarioError as error:
        assert str(error)   # says what is wrong


@FAST
@given(SCENARIO)
def test_a_mapping_of_any_values_loads_or_is_a_scenario_error(mapping):
    loads_or_refuses(lambda: load_mapping(mapping))


@FAST
@given(SCENARIO)
def test_the_same_as_a_yaml_file(tmp_path, mapping):
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(mapping), encoding="utf-8")   # JSON is YAML
    loads_or_refuses(lambda: load_scenarios(path))


@FAST
@given(st.text(max_size=200))
def test_arbitrary_text_loads_or_is_a_scenario_error(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    loads_or_refuses(lambda: load_scenarios(path))


@FAST
@given(st.binary(max_size=200))
def test_arbitrary_bytes_load_or_are_a_scenario_error(tmp_path, data):
    path = tmp_path / "s.yaml"
    path.write_bytes(data)
    loads_or_refuses(lambda: load_scenarios(path))


def test_a_null_key_is_named_not_a_type_error(tmp_path):
    """Found by the fuzz above: ``?`` is a YAML complex key whose value is null."""
    path = tmp_path / "s.yaml"
    path.write_text("?\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"s.yaml:1: \$\[None\]: unknown key"):
        load_scenarios(path)
