"""simulator/jsontext.py: the text of ``json.dumps(value, indent=2, ensure_ascii=False)``, byte
for byte, for any JSON-shaped value and for the edge cases the standard encoder has rules for."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.jsontext import dumps_indented


def standard(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text())
keys = st.text() | st.integers() | st.floats() | st.booleans() | st.none()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                      | st.tuples(inner, inner)
                      | st.dictionaries(keys, inner, max_size=5), max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(values)
def test_any_json_value_gives_the_standard_text(value):
    assert dumps_indented(value) == standard(value)


class Level(enum.IntEnum):
    HIGH = 3


@pytest.mark.parametrize("value", [
    {}, [], (), "", 0, -0.0, 1e300, 10 ** 40, float("nan"), float("inf"), -float("inf"),
    {"é\n\"\u2028\ud800": ["\x00", "\x7f", "ü"]},
    {1: "int key", 2.5: "float key", True: "bool key", None: "null key"},
    OrderedDict([("b", 1), ("a", [OrderedDict()])]),
    [Level.HIGH, {"level": Level.HIGH}],
    [[[[]]], {"a": {"b": {"c": {}}}}],
])
def test_edge_cases_give_the_standard_text(value):
    assert dumps_indented(value) == standard(value)


def test_what_the_standard_encoder_refuses_is_refused():
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps_indented({"a": object()})
    with pytest.raises(TypeError, match="keys must be"):
        dumps_indented({(1, 2): 1})
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps_indented(loop)
