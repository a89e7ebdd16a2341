"""The YAML shape of a scenario file, as attrs classes, and the strict structurer for it.

The YAML keys of design/contract.md (``from`` becomes ``from_``) are read into attrs classes:
``load.py`` structures a document into them (type errors, unknown keys) and then turns them into
the typed model of ``model.py`` (value checks, paths, line numbers). Where a YAML mapping has
the model's shape, the model class itself is the shape (``call:`` is ``model.CallSettings``,
``call.refer`` ``model.ReferResponse``, ``machine_detection`` ``model.MachineDetection`` without
its ``line``, ``skip``/``xfail`` mappings ``model.Condition`` (without its ``line`` too),
``rest[i].update_call`` ``model.UpdateCall``, ``update_conference`` and
``update_conference_member`` their model classes, ``api`` ``model.ApiSettings``); a ``*Doc`` class exists only where the YAML
shape truly differs from the model's:

* ``RouteDoc``: ``file`` is a path relative to the scenario (the model's is absolute), and an
  omitted ``status`` is told from ``status: 200``;
* ``AppDoc``: ``routes`` values are a string or a ``RouteDoc``, ``static`` a relative folder;
* the caller steps (``SayDoc`` ...): one key names the kind and holds its main value
  (``say: text``), the model has one class per kind with named fields;
* ``PartyDoc``, ``CreatedCallDoc``: their ``caller`` is a list of step mappings;
* ``RestDoc``: ``call`` is optional (main) and the actions are checked together;
* ``ScenarioDoc``: the whole file, ``expect`` left raw for expect.py.

A default both share is written once, in ``model.py``, and read from there.

The structurer (:func:`structure`) is strict on purpose: YAML 1.2 reads ``press: 0123`` as the
integer 123, and a lenient ``str`` conversion would silently turn that into ``"123"``, losing
the leading zero. Here a string field only accepts a string, a number field only a number
(never a bool), and so on. It is also **tolerant**: it reports every problem it meets and keeps
going, so that the value checks of ``load.py`` still run on everything that did structure and a
file's problems are all reported in one pass. A broken optional key takes its default, a
broken required scalar a placeholder (its path is returned as broken, so no second problem is
reported on it), a broken list item or mapping value becomes ``None`` (indexes stay those of
the file); an unknown key is reported (with the closest known key) and left out.
"""

from __future__ import annotations

import difflib
import functools
import math
import types
import typing
from typing import Any, Union

import attrs

from simulator.scenario import model


def _model_defaults(cls: type) -> dict[str, Any]:
    """The value defaults of a ``model.py`` class, by field name.

    A default the YAML shares with the typed model is written once, in model.py, and read from
    there. ``None`` (the key left out) and collection defaults stay written here."""
    return {f.name: f.default for f in attrs.fields(cls)
            if f.default is not None and f.default is not attrs.NOTHING
            and not isinstance(f.default, attrs.Factory)}


_APP = _model_defaults(model.AppSettings)
_ROUTE = _model_defaults(model.Route)
_PRESS = _model_defaults(model.Press)
_PARTY = _model_defaults(model.Party)
_CREATED = _model_defaults(model.CreatedCall)
_SCENARIO = _model_defaults(model.Scenario)


@attrs.frozen
class RouteDoc:
    file: str | None = None
    bxml: str | None = None
    status: int | None = None  # None: 200 (None tells an omitted status from `status: 200`)
    delay: float = _ROUTE["delay"]
    body: str | None = None
    content_type: str | None = None
    fault: str | None = None  # refused | reset


@attrs.frozen
class AppDoc:
    base_url: str = _APP["base_url"]
    bxml: str | None = None
    routes: dict[str, Union[str, RouteDoc]] = attrs.Factory(dict)
    wsgi: str | None = None
    asgi: str | None = None
    static: str | None = None


@attrs.frozen
class WaitForDoc:
    wait_for: str
    at: float | None = None


@attrs.frozen
class SayDoc:
    say: str
    seconds: float | None = None
    at: float | None = None


@attrs.frozen
class SilenceDoc:
    silence: float
    at: float | None = None


@attrs.frozen
class PressDoc:
    press: str
    tone: float = _PRESS["tone"]
    gap: float = _PRESS["gap"]
    at: float | None = None


@attrs.frozen
class PlayDoc:
    play: str
    at: float | None = None


@attrs.frozen
class HangupDoc:
    hangup: bool
    at: float | None = None


StepDoc = Union[WaitForDoc, SayDoc, SilenceDoc, PressDoc, PlayDoc, HangupDoc]

#: The key that names each kind of caller step.
STEP_KEYS: dict[str, type] = {
    "wait_for": WaitForDoc, "say": SayDoc, "silence": SilenceDoc,
    "press": PressDoc, "play": PlayDoc, "hangup": HangupDoc,
}


@attrs.frozen
class PartyDoc:
    status: str = _PARTY["status"]
    answer_after: float = _PARTY["answer_after"]
    caller: list[StepDoc] = attrs.Factory(list)


@attrs.frozen
class CreatedCallDoc:
    """A call the app creates by REST (``calls.<name>``)."""

    to: str
    from_: str | None = None
    answer_url: str = _CREATED["answer_url"]
    answer_method: str = _CREATED["answer_method"]
    disconnect_url: str | None = None
    disconnect_method: str = _CREATED["disconnect_method"]
    tag: str | None = None
    at: float = _CREATED["at"]
    call_timeout: float = _CREATED["call_timeout"]
    status: str = _CREATED["status"]
    answer_after: float = _CREATED["answer_after"]
    caller: list[StepDoc] = attrs.Factory(list)
    machine_detection: Union[model.MachineDetection, None] = None


@attrs.frozen
class RestDoc:
    """One timed REST request (``rest[i]``); exactly one action, on a call or a conference."""

    at: float
    # the target: `call` (None: main) for a call action, `conference` for a conference action
    call: str | None = None
    conference: str | None = None
    update_call: Union[model.UpdateCall, None] = None  # already the model's shape: no Doc twin
    recording: str | None = None
    put_bxml: str | None = None
    update_conference: Union[model.UpdateConference, None] = None  # the model's shape too
    put_conference_bxml: str | None = None
    update_conference_member: Union[model.UpdateConferenceMember, None] = None


#: The keys that name each kind of REST action.
REST_ACTIONS = model.CALL_ACTIONS + model.CONFERENCE_ACTIONS


_CONDITION_EXPECTED = "true, a reason string, or a mapping {reason, tts, strict}"


@attrs.frozen
class ScenarioDoc:
    name: str
    seed: int = _SCENARIO["seed"]
    call: model.CallSettings = attrs.Factory(model.CallSettings)
    app: AppDoc = attrs.Factory(AppDoc)
    caller: list[StepDoc] = attrs.Factory(list)
    parties: dict[str, PartyDoc] = attrs.Factory(dict)
    calls: dict[str, CreatedCallDoc] = attrs.Factory(dict)
    rest: list[RestDoc] = attrs.Factory(list)
    expect: Any = None  # parsed by expect.py, which keeps its own line numbers
    epoch: str = _SCENARIO["epoch"]
    tts: str = _SCENARIO["tts"]  # model | espeak (model.TTS_ENGINES)
    api: model.ApiSettings = attrs.Factory(model.ApiSettings)  # the model's shape
    strict: bool = False  # BXML warnings fail the scenario too
    # true, a reason, or {reason, tts} (the model's shape, its line set by the loader)
    skip: Union[bool, str, model.Condition, None] = None
    xfail: Union[bool, str, model.Condition, None] = None  # ... or {reason, tts, strict}
    markers: list[str] = attrs.Factory(list)  # pytest marker names
    # seconds after a recording ends to its webhooks; already the model's shape: no Doc twin
    recording_processing: Union[model.RecordingProcessing, None] = None


#: Python attribute name -> YAML key, where they differ (used to print error paths).
RENAMES = {"from_": "from"}
#: Fields of a model class read from YAML that are not YAML keys (the loader sets them).
NOT_KEYS: dict[type, tuple[str, ...]] = {model.MachineDetection: ("line",),
                                         model.ApiSettings: ("line",),
                                         model.Condition: ("line",)}


def yaml_keys(cls: type) -> list[str]:
    """The YAML keys of a mapping read as ``cls``, in field order."""
    return list(_keys(cls)[1])


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping with keys " + ", ".join(map(str, value)) if value else "an empty mapping"
    if isinstance(value, list):
        return "a list"
    for kind, name in ((bool, "a boolean"), (int, "an integer"), (float, "a number"),
                       (str, "a string")):
        if isinstance(value, kind):
            return f"{name} ({kind(value)!r})"
    return "null" if value is None else type(value).__name__


class WrongType(TypeError):
    """A value of the wrong YAML type; carries expected/got for the error message."""

    def __init__(self, expected: str, value: object) -> None:
        self.expected = expected
        self.got = _describe(value)
        super().__init__(f"expected {expected}, got {self.got}")


def _strict_str(value):
    if isinstance(value, str):
        return str(value)
    raise WrongType("a string (quote digits, e.g. \"0123\")"
                    if isinstance(value, int) and not isinstance(value, bool) else "a string", value)


def _strict_int(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise WrongType("an integer", value)


def _strict_float(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):  # YAML .nan / .inf would poison the virtual clock
            raise WrongType("a finite number (seconds)", value)
        return float(value)
    raise WrongType("a number (seconds)", value)


def _strict_bool(value):
    if isinstance(value, bool):
        return value
    raise WrongType("true or false", value)


_SCALARS = {str: _strict_str, int: _strict_int, float: _strict_float, bool: _strict_bool}
#: what a required scalar that is broken stands in for while the rest is checked
_PLACEHOLDERS = {str: "", int: 0, float: 0.0, bool: False}
#: an optional section written with the wrong type: "expected a mapping such as ..."
_EXAMPLES = {
    model.MachineDetection: "{mode: sync, delay_result: true}",
    model.UpdateCall: "{redirect_url: /interrupt}",
    model.UpdateConference: "{status: completed} or {redirect_url: /conference-redirect}",
    model.UpdateConferenceMember: "{member: agent, mute: true}",
}
_ROUTE_EXPECTED = "an inline BXML string or a mapping {file|bxml|body|status|delay|fault}"


@attrs.frozen
class Problem:
    """One structure problem at ``path`` (YAML keys and indexes below the structured value).

    ``message`` is ``unknown key``, ``wrong type`` or ``missing required key`` (then the line
    is the one of the mapping that lacks it); ``hint``: the closest known key, if any."""

    path: tuple
    message: str
    expected: str
    got: str | None = None
    hint: str | None = None


BROKEN = object()  # a value that could not be structured (never returned from structure())


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


# What the walker does with a type is the same for every scenario: worked out once a process,
# as a rule ``(kind, detail)`` per type (a scalar's strict converter, a list's item rule, ...).
_ANY, _SCALAR, _UNION, _LIST, _TUPLE, _DICT, _OBJECT = (
    "any", "scalar", "union", "list", "tuple", "dict", "object")


@attrs.frozen
class _UnionRule:
    """A union of the schema: whether null is allowed, its other members (and their set);
    for one member, its rule and whether a mapping is expected there."""

    nullable: bool
    options: tuple
    members: frozenset
    only: tuple | None
    only_object: bool


@functools.cache
def _rule(type_: Any) -> tuple[str, Any]:
    """How :class:`_Walker` structures a value of ``type_``."""
    if type_ is Any:
        return _ANY, None
    if type_ in _SCALARS:
        return _SCALAR, _SCALARS[type_]
    origin, args = typing.get_origin(type_), typing.get_args(type_)
    if origin in (Union, types.UnionType):
        options = tuple(arg for arg in args if arg is not type(None))
        only = options[0] if len(options) == 1 else None
        return _UNION, _UnionRule(len(options) < len(args), options, frozenset(options),
                                  _rule(only) if only is not None else None,
                                  only is not None and attrs.has(only))
    if origin is list:
        return _LIST, _rule(args[0])
    if origin is tuple and args[1:] == (Ellipsis,):  # e.g. call_ids_to_coach: names
        return _TUPLE, _rule(args[0])
    if origin is dict:
        return _DICT, _rule(args[1])
    if attrs.has(type_):
        return _OBJECT, type_
    raise TypeError(f"no structure rule for {type_!r}")  # pragma: no cover - schema bug


@functools.cache
def _keys(cls: type) -> tuple[dict[str, tuple[str, Any, bool]], list[str]]:
    """The YAML keys of an attrs class: key -> (field name, type, required), and the keys in
    field order (``NOT_KEYS`` left out, ``RENAMES`` applied)."""
    skipped = NOT_KEYS.get(cls, ())   # set by the loader, not read from YAML
    hints = _hints(cls)
    fields = {RENAMES.get(f.name, f.name): (f.name, hints[f.name], f.default is attrs.NOTHING)
              for f in attrs.fields(cls) if f.name not in skipped}
    return fields, list(fields)


@functools.cache
def _plan(cls: type) -> tuple[tuple[tuple[str, str, tuple, bool, Any], ...], dict, list]:
    """What :meth:`_Walker.object` does with each YAML key of ``cls``: (key, field name,
    rule, required, the placeholder of a broken required value); the keys as ``_keys``."""
    fields, names = _keys(cls)
    plan = tuple((key, name, _rule(type_), required, _PLACEHOLDERS.get(type_, BROKEN))
                 for key, (name, type_, required) in fields.items())
    return plan, fields, names


_STEP_OPTIONS = frozenset(typing.get_args(StepDoc))
_ABSENT = object()


def structure(value: Any, cls: type) -> tuple[Any, list[Problem], set[tuple]]:
    """``value`` (plain YAML data) as ``cls``: the object (None when nothing usable was
    written), every problem met, and the paths of the broken values left in it."""
    walker = _Walker()
    result = walker.walk(value, _rule(cls), ())
    return (None if result is BROKEN else result), walker.problems, walker.broken


class _Walker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.broken: set[tuple] = set()

    def fail(self, path: tuple, message: str, expected: str, got: str | None = None,
             hint: str | None = None) -> Any:
        self.problems.append(Problem(path, message, expected, got, hint))
        self.broken.add(path)
        return BROKEN

    def wrong(self, path: tuple, expected: str, value: Any) -> Any:
        return self.fail(path, "wrong type", expected, _describe(value))

    def walk(self, value: Any, rule: tuple[str, Any], path: tuple) -> Any:
        kind, detail = rule
        if kind == _SCALAR:
            try:
                return detail(value)
            except WrongType as exc:
                return self.fail(path, "wrong type", exc.expected, exc.got)
        if kind == _OBJECT:
            return self.object(value, detail, path)
        if kind == _UNION:
            return self.union(value, detail, path)
        if kind == _LIST or kind == _TUPLE:
            if not isinstance(value, list):
                return self.wrong(path, "a list", value)
            items = [self.walk(item, detail, path + (i,)) for i, item in enumerate(value)]
            items = [None if item is BROKEN else item for item in items]
            return items if kind == _LIST else tuple(items)
        if kind == _DICT:
            if not isinstance(value, dict):
                return self.wrong(path, "a mapping", value)
            out = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    self.fail(path + (key,), "wrong type", "a string key (quote it, e.g. "
                              "\"+15555550123\")", _describe(key))
                    continue
                result = self.walk(item, detail, path + (key,))
                out[key] = None if result is BROKEN else result
            return out
        return value  # Any

    def union(self, value: Any, rule: _UnionRule, path: tuple) -> Any:
        if value is None and rule.nullable:
            return None
        if rule.only is not None:
            if rule.only_object and not isinstance(value, dict):
                example = _EXAMPLES.get(rule.options[0])
                return self.wrong(path, f"a mapping such as {example}" if example
                                  else "a mapping", value)
            return self.walk(value, rule.only, path)
        members = rule.members
        if members == {bool, str, model.Condition}:
            if isinstance(value, (bool, str)):
                return value
            if isinstance(value, dict):
                return self.object(value, model.Condition, path)
            return self.wrong(path, _CONDITION_EXPECTED, value)
        if members == {str, RouteDoc}:
            if isinstance(value, str):
                return value
            if isinstance(value, dict):
                return self.object(value, RouteDoc, path)
            return self.wrong(path, _ROUTE_EXPECTED, value)
        if members == _STEP_OPTIONS:
            if not isinstance(value, dict):
                return self.wrong(path, 'a step mapping such as {say: "hello"}', value)
            kinds = [key for key in value if key in STEP_KEYS]
            if len(kinds) != 1:
                return self.wrong(path, "exactly one of " + ", ".join(STEP_KEYS)
                                  + " in a caller step", dict(value))
            return self.object(value, STEP_KEYS[kinds[0]], path)
        raise TypeError(f"no structure rule for {rule.options!r}")  # pragma: no cover

    def object(self, value: Any, cls: type, path: tuple) -> Any:
        if not isinstance(value, dict):
            return self.wrong(path, "a mapping", value)
        plan, fields, names = _plan(cls)
        for key in value:
            if key not in fields:
                close = difflib.get_close_matches(str(key), names, n=1)
                self.fail(path + (key,), "unknown key", "one of " + ", ".join(names),
                          repr(key), repr(close[0]) if close else None)
        kwargs: dict[str, Any] = {}
        broken = False  # a required value with no placeholder is broken: so is the object
        for key, name, rule, required, placeholder in plan:
            item = value.get(key, _ABSENT)
            if item is _ABSENT:
                if required:
                    self.fail(path + (key,), "missing required key", repr(key))
                    kwargs[name] = placeholder
                    broken = broken or placeholder is BROKEN
                continue
            result = self.walk(item, rule, path + (key,))
            if result is not BROKEN:
                kwargs[name] = result
            elif required:
                kwargs[name] = placeholder
                broken = broken or placeholder is BROKEN
        if broken:
            self.broken.add(path)
            return BROKEN
        return cls(**kwargs)
