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
    {1: "a", "1": "a", True: ["true", "true"], "true": {"true": "true"}, 2.0: 2.0, "2.0": 2},
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


def test_keys_and_strings_remembered_between_calls_and_depths_give_the_standard_text():
    # the text of a key is kept per depth across calls, a string's within a call
    shallow = {"callId": "c-1", "at": 1.5, "nested": {"callId": "c-1", "at": 1.5}}
    deeper = [[{"callId": "c-2", "nested": [{"callId": "c-1"}]}]]
    for value in (shallow, deeper, shallow, [shallow, deeper], {"callId": shallow}):
        assert dumps_indented(value) == standard(value)


def test_more_keys_than_are_remembered_give_the_standard_text():
    value = {"many": {f"key{i}": i for i in range(5000)}}
    assert dumps_indented(value) == standard(value)
    assert dumps_indented(value) == standard(value)


def test_deep_nesting_gives_the_standard_text():
    # loops are looked for only below the 32nd level; deeper values are written all the same
    value: list = ["bottom", {"k": 1.0}]
    for depth in range(120):
        value = [depth, {"level": value, "name": f"n{depth % 3}"}]
    assert dumps_indented(value) == standard(value)


@pytest.mark.parametrize("depth", [0, 1, 31, 32, 33, 80])
def test_a_loop_at_any_depth_is_refused(depth):
    loop: dict = {"self": None}
    loop["self"] = [1, loop]
    value: object = loop
    for _ in range(depth):
        value = {"down": [value]}
    with pytest.raises(ValueError, match="Circular reference"):
        dumps_indented(value)


def test_a_shared_value_that_is_no_loop_is_written_twice():
    shared = {"a": [1, 2]}
    value = {"x": shared, "y": [shared, shared]}
    for _ in range(40):
        value = {"down": value, "again": shared}
    assert dumps_indented(value) == standard(value)


@pytest.mark.parametrize("value", [
    [0.1 + 0.2, 1e16, 1e-7, -1e-7, 5e-324, 1.7976931348623157e308, 123456789.125, -0.0, 2.0],
    {"nan": float("nan"), "inf": [float("inf"), {"minus": -float("inf")}]},
    [10 ** 400, -(10 ** 19), True, False, None, 0],
    {"\u2028\u2029": "\x1f\x7f\\\"/\b\f\n\r\t", "\U0001f600": "\ud83d", "": ""},
    [{}, [], [{}], {"a": [[]]}, [[], {}], {"": {"": {"": []}}}],
    {"k": {"k": {"k": [{"k": "k"}, {"k": 1.5}]}}, "k2": [1, [2, [3, [4.5, {"x": None}]]]]},
    {0: {1.5: {None: {False: [{2: 3}]}}}},
])
def test_adversarial_values_at_every_depth_give_the_standard_text(value):
    for wrapped in (value, [value], {"a": {"b": [value, value]}}):
        assert dumps_indented(wrapped) == standard(wrapped)
