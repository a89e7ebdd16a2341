"""Value matchers of the ``expect`` block: YAML values compiled into checks on result.json values.

A YAML value becomes a matcher like this (docs/scenarios.md, "Matching values"):

* a scalar                      -> equal (``1`` equals ``1.0``; strings compare exactly)
* ``"~4.2"`` / ``"~4.2±0.3"``   -> a number within a tolerance (default ``DEFAULT_TOLERANCE``)
* a mapping of operators        -> ``equals``, ``approx`` (+ ``tolerance``), ``min``/``max``,
                                   ``regex`` (``re.search``), ``contains`` (substring or list
                                   element), ``one_of``, ``absent: true``, ``present: true``,
                                   ``length`` (a matcher on ``len()``); several are all required
* any other mapping             -> field by field on an object (missing fields read as null)
* a list                        -> element by element, same length

Numbers are also read from ISO 8601 durations (``"PT4.2S"``), so a payload ``duration`` can be
matched with ``~4.2``. ``Matcher.check(actual, path)`` returns ``Mismatch`` records; empty = pass.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from simulator.scenario.source import Locator, PathPart, Problems, format_path

DEFAULT_TOLERANCE = 0.1
OPERATORS = frozenset({"equals", "approx", "tolerance", "min", "max", "regex", "contains",
                       "one_of", "absent", "present", "length"})
_APPROX = re.compile(r"^~\s*(-?\d+(?:\.\d+)?)\s*(?:(?:±|\+-|\+/-)\s*(\d+(?:\.\d+)?))?\s*$")
_ISO_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")


@attrs.frozen
class Mismatch:
    path: str  # relative to the object the expectation looks at, "" for the value itself
    expected: str
    got: Any

    def render(self) -> str:
        where = f"{self.path}: " if self.path else ""
        got = "missing" if self.got is _MISSING else short(self.got)
        return f"{where}expected {self.expected}, got {got}"


class _Missing:
    def __repr__(self) -> str:
        return "missing"


_MISSING = _Missing()


@attrs.frozen
class Shown:
    """A description of the actual value, printed as is (not quoted) in a Mismatch."""

    text: str

    def __repr__(self) -> str:
        return self.text


def short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_number(value: Any) -> float | None:
    """A number, or an ISO 8601 duration string as seconds; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        m = _ISO_DURATION.match(value)
        if m and value != "PT":
            hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
            return hours * 3600 + minutes * 60 + seconds
    return None


def _join(path: str, part: PathPart) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else str(part)


class Matcher:
    """Base: ``check`` returns the mismatches of ``actual``; ``describe`` says what is expected."""

    def check(self, actual: Any, path: str = "") -> list[Mismatch]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def matches(self, actual: Any) -> bool:
        """``not check(actual)``; the matchers below answer it without building the
        mismatches (a sequence expectation tries every result item until one matches)."""
        return not self.check(actual)


class ValueMatcher(Matcher):
    """A matcher of a value as a whole: :meth:`matches` says whether it is as expected, and
    otherwise its one mismatch says what was (:meth:`describe`)."""

    def check(self, actual: Any, path: str = "") -> list[Mismatch]:
        return [] if self.matches(actual) else [Mismatch(path, self.describe(), actual)]

    def matches(self, actual: Any) -> bool:
        raise NotImplementedError


def _present(actual: Any) -> bool:
    return actual is not _MISSING and actual is not None


@attrs.frozen
class Equals(ValueMatcher):
    value: Any

    def matches(self, actual):
        got = None if actual is _MISSING else actual
        return got == self.value and isinstance(got, bool) == isinstance(self.value, bool)

    def describe(self):
        return repr(self.value)


@attrs.frozen
class Approx(ValueMatcher):
    value: float
    tolerance: float = DEFAULT_TOLERANCE

    def matches(self, actual):
        number = as_number(actual)
        return number is not None and abs(number - self.value) <= self.tolerance + 1e-9

    def describe(self):
        return f"{self.value:g} ± {self.tolerance:g}"


@attrs.frozen
class Range(ValueMatcher):
    low: float | None
    high: float | None

    def matches(self, actual):
        number = as_number(actual)
        return number is not None and (self.low is None or number >= self.low) and (
            self.high is None or number <= self.high)

    def describe(self):
        if self.low is not None and self.high is not None:
            return f"between {self.low:g} and {self.high:g}"
        return f">= {self.low:g}" if self.low is not None else f"<= {self.high:g}"


@attrs.frozen
class Regex(ValueMatcher):
    pattern: str

    def matches(self, actual):
        return isinstance(actual, str) and re.search(self.pattern, actual) is not None

    def describe(self):
        return f"text matching /{self.pattern}/"


@attrs.frozen
class Contains(ValueMatcher):
    value: Any

    def matches(self, actual):
        if isinstance(actual, str) and isinstance(self.value, str):
            return self.value in actual
        return isinstance(actual, list) and self.value in actual

    def describe(self):
        return f"something containing {self.value!r}"


@attrs.frozen
class OneOf(ValueMatcher):
    values: tuple

    def matches(self, actual):
        return actual in self.values

    def describe(self):
        return "one of " + ", ".join(repr(v) for v in self.values)


@attrs.frozen
class Presence(ValueMatcher):
    present: bool

    def matches(self, actual):
        return _present(actual) == self.present

    def describe(self):
        return "a value" if self.present else "no value (absent or null)"


@attrs.frozen
class Length(Matcher):
    inner: Matcher

    def check(self, actual, path=""):
        if not isinstance(actual, (list, str, dict)):
            return [Mismatch(path, "a list or text", actual)]
        return [Mismatch(m.path, f"length {m.expected}", Shown(f"length {len(actual)}"))
                for m in self.inner.check(len(actual), path)]

    def matches(self, actual):
        return isinstance(actual, (list, str, dict)) and self.inner.matches(len(actual))

    def describe(self):
        return f"length {self.inner.describe()}"


@attrs.frozen
class AllOf(Matcher):
    matchers: tuple[Matcher, ...]

    def check(self, actual, path=""):
        return [m for matcher in self.matchers for m in matcher.check(actual, path)]

    def matches(self, actual):
        return all(matcher.matches(actual) for matcher in self.matchers)

    def describe(self):
        return " and ".join(m.describe() for m in self.matchers)


@attrs.frozen
class Fields(Matcher):
    fields: dict[str, Matcher]

    def check(self, actual, path=""):
        if not isinstance(actual, dict):
            return [Mismatch(path, "an object", actual)]
        if self.matches(actual):  # the common case, without a path string per field
            return []
        out = []
        for key, matcher in self.fields.items():
            out.extend(matcher.check(actual.get(key, _MISSING), _join(path, key)))
        return out

    def describe(self):
        return "{" + ", ".join(f"{k}: {m.describe()}" for k, m in self.fields.items()) + "}"

    def matches(self, actual):
        if not isinstance(actual, dict):
            return False
        get = actual.get
        for key, matcher in self.fields.items():
            if not matcher.matches(get(key, _MISSING)):
                return False
        return True


@attrs.frozen
class Items(Matcher):
    items: tuple[Matcher, ...]

    def check(self, actual, path=""):
        if not isinstance(actual, list):
            return [Mismatch(path, f"a list of {len(self.items)}", actual)]
        if len(actual) != len(self.items):
            return [Mismatch(path, f"{len(self.items)} item(s)",
                             Shown(f"{len(actual)}: {short(actual)}"))]
        return [m for i, (matcher, value) in enumerate(zip(self.items, actual))
                for m in matcher.check(value, _join(path, i))]

    def describe(self):
        return "[" + ", ".join(m.describe() for m in self.items) + "]"

    def matches(self, actual):
        return (isinstance(actual, list) and len(actual) == len(self.items)
                and all(matcher.matches(value) for matcher, value in zip(self.items, actual)))


def plain(value: Any) -> Any:
    """ruamel round-trip types -> plain Python (dict, list, str, int, float, bool, None)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


_EXACT_SCALARS = frozenset((int, float, bool, type(None)))
#: ``Equals`` of a short text, an int, a bool or null, by type and value: the same few
#: constants are expected in every file of a suite, and a matcher is immutable (a float is
#: left out: 0.0 and -0.0 are one key but say themselves apart).
_CONSTANTS: dict[tuple[type, Any], Equals] = {}


def _constant(kind: type, value: Any) -> Equals:
    matcher = _CONSTANTS.get((kind, value))
    if matcher is None:
        matcher = Equals(value)
        if len(_CONSTANTS) < 4096:
            _CONSTANTS[(kind, value)] = matcher
    return matcher


def compile_matcher(node: Any, root: Locator, parts: tuple, problems: Problems) -> Matcher:
    """Compile the YAML ``node`` found at ``parts`` (for error lines) into a Matcher."""

    def bad(message: str, expected: str, got: Any, at: tuple = parts) -> Matcher:
        problems.add(root.line(at), format_path(at), message, expected=expected, got=short(got))
        return Equals(None)

    kind = type(node)
    if kind is str:  # most values: a name, a status, an approximate number
        if node[:1] == "~":
            m = _APPROX.match(node)
            if m:
                tolerance = float(m.group(2)) if m.group(2) else DEFAULT_TOLERANCE
                return Approx(float(m.group(1)), tolerance)
        return _constant(kind, node) if len(node) <= 64 else Equals(node)
    if kind in _EXACT_SCALARS:  # plain() would give them back as they are
        return Equals(node) if kind is float else _constant(kind, node)
    if isinstance(node, list):
        return Items(tuple(compile_matcher(v, root, parts + (i,), problems)
                           for i, v in enumerate(node)))
    if isinstance(node, dict):
        keys = set(node)
        if not keys & OPERATORS:
            return Fields({str(k): compile_matcher(v, root, parts + (k,), problems)
                           for k, v in node.items()})
        if keys - OPERATORS:
            odd = sorted(map(str, keys - OPERATORS))
            return bad("cannot mix operators with field names", "only operators (" +
                       ", ".join(sorted(OPERATORS)) + ") or only field names", odd)
        return _compile_operators(plain(node), parts, bad, root, problems)
    value = plain(node)
    if isinstance(value, str):
        m = _APPROX.match(value)
        if m:
            tolerance = float(m.group(2)) if m.group(2) else DEFAULT_TOLERANCE
            return Approx(float(m.group(1)), tolerance)
    return Equals(value)


def _compile_operators(ops: dict, parts: tuple, bad, root: Locator,
                       problems: Problems) -> Matcher:
    def number(key: str) -> float | None:
        value = ops.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            bad("wrong type", "a number", value, parts + (key,))
            return None
        return float(value)

    out: list[Matcher] = []
    if "equals" in ops:
        out.append(Equals(ops["equals"]))
    if "approx" in ops:
        tolerance = number("tolerance")
        out.append(Approx(number("approx") or 0.0,
                          DEFAULT_TOLERANCE if tolerance is None else tolerance))
    elif "tolerance" in ops:
        bad("`tolerance` without `approx`", "approx: NUMBER next to it", ops["tolerance"],
            parts + ("tolerance",))
    if "min" in ops or "max" in ops:
        out.append(Range(number("min"), number("max")))
    if "regex" in ops:
        try:
            re.compile(str(ops["regex"]))
            out.append(Regex(str(ops["regex"])))
        except re.error as exc:
            bad("bad regular expression", f"a Python regex ({exc})", ops["regex"],
                parts + ("regex",))
    if "contains" in ops:
        out.append(Contains(ops["contains"]))
    if "one_of" in ops:
        if not isinstance(ops["one_of"], list):
            bad("wrong type", "a list of allowed values", ops["one_of"], parts + ("one_of",))
        else:
            out.append(OneOf(tuple(ops["one_of"])))
    for key, present in (("absent", False), ("present", True)):
        if key in ops:
            if ops[key] is not True:
                bad("bad value", "true", ops[key], parts + (key,))
            out.append(Presence(present))
    if "length" in ops:
        out.append(Length(compile_matcher(ops["length"], root, parts + ("length",), problems)))
    return out[0] if len(out) == 1 else AllOf(tuple(out))
