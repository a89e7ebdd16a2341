"""Value matchers: ``matches`` (the boolean the sequence search asks for) says what ``check``
says, without building mismatches."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.scenario.match import _MISSING, compile_matcher
from simulator.scenario.source import Locator, Problems

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.0, 1.0, 1.05, 4.2]),
                    st.sampled_from(["", "a", "ab", "PT4.2S", "hangup", "~1", "~4.2±0.3"]))
KEYS = st.sampled_from(["a", "b", "status"])


def _operators() -> st.SearchStrategy[dict]:
    one = st.one_of(
        st.builds(lambda v: {"equals": v}, SCALARS),
        st.builds(lambda v, t: {"approx": v, "tolerance": t}, st.sampled_from([1, 4.2]),
                  st.sampled_from([0.1, 0.5])),
        st.builds(lambda lo: {"min": lo}, st.integers(-1, 3)),
        st.builds(lambda lo, hi: {"min": lo, "max": hi}, st.integers(-1, 1), st.integers(1, 4)),
        st.builds(lambda r: {"regex": r}, st.sampled_from(["^a", "b$", "PT"])),
        st.builds(lambda v: {"contains": v}, SCALARS),
        st.builds(lambda vs: {"one_of": vs}, st.lists(SCALARS, max_size=3)),
        st.just({"absent": True}), st.just({"present": True}),
        st.builds(lambda n: {"length": n}, st.integers(0, 2)),
    )
    return st.lists(one, min_size=1, max_size=3).map(lambda ds: {k: v for d in ds for k, v in d.items()})


SPECS = st.recursive(
    st.one_of(SCALARS, _operators()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=8)
VALUES = st.recursive(
    SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                     st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=8)


@settings(max_examples=600, deadline=None)
@given(SPECS, st.one_of(VALUES, st.just(_MISSING)))
def test_matches_is_not_check(spec, value):
    problems = Problems("test")
    matcher = compile_matcher(spec, Locator(spec), (), problems)
    assert matcher.matches(value) == (not matcher.check(value))


def test_equal_constants_of_other_types_stay_apart():
    """A constant's matcher is kept by its type and value: 1, True and 1.0 (equal in Python)
    each say and match themselves, as do 0.0 and -0.0."""
    values = [1, True, 1.0, 0, False, 0.0, -0.0, None, "1", "x"]

    def compiled(value):
        return compile_matcher(value, Locator({}), (), Problems("f"))

    first = [compiled(v).describe() for v in values]
    again = [compiled(v).describe() for v in values]
    assert first == again == [repr(v) for v in values]
    assert compiled(True).matches(True) and not compiled(True).matches(1)
    assert compiled(1).matches(1.0) and not compiled(1).matches(True)
