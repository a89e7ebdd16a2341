"""The YAML shape of a scenario file, as attrs classes, and the strict cattrs converter for it.

The YAML keys of design/contract.md (``from`` becomes ``from_``) are read into attrs classes:
``load.py`` structures a document into them (type errors, unknown keys) and then turns them into
the typed model of ``model.py`` (value checks, paths, line numbers). Where a YAML mapping has
the model's shape, the model class itself is the shape (``call:`` is ``model.CallSettings``,
``call.refer`` ``model.ReferResponse``, ``machine_detection`` ``model.MachineDetection`` without
its ``line``, ``rest[i].update_call`` ``model.UpdateCall``, ``update_conference`` and
``update_conference_member`` their model classes); a ``*Doc`` class exists only where the YAML
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

The converter is strict on purpose: YAML 1.2 reads ``press: 0123`` as the integer 123, and a
lenient ``str`` hook would silently turn that into ``"123"``, losing the leading zero. Here a
string field only accepts a string, a number field only a number (never a bool), and so on.
"""

from __future__ import annotations

import math
from typing import Any, Union

import attrs
import cattrs
from cattrs.cols import (is_mapping, is_mutable_sequence, list_structure_factory,
                         mapping_structure_factory)
from cattrs.gen import make_dict_structure_fn, override

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


#: Python attribute name -> YAML key, where they differ (used to print error paths).
RENAMES = {"from_": "from"}
#: Fields of a model class read from YAML that are not YAML keys (the loader sets them).
NOT_KEYS: dict[type, tuple[str, ...]] = {model.MachineDetection: ("line",)}


def yaml_keys(cls: type) -> list[str]:
    """The YAML keys of a mapping read as ``cls``, in field order."""
    return [RENAMES.get(f.name, f.name) for f in attrs.fields(cls)
            if f.name not in NOT_KEYS.get(cls, ())]


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


def _strict_str(value, _type):
    if isinstance(value, str):
        return str(value)
    raise WrongType("a string (quote digits, e.g. \"0123\")"
                    if isinstance(value, int) and not isinstance(value, bool) else "a string", value)


def _strict_int(value, _type):
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise WrongType("an integer", value)


def _strict_float(value, _type):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):  # YAML .nan / .inf would poison the virtual clock
            raise WrongType("a finite number (seconds)", value)
        return float(value)
    raise WrongType("a number (seconds)", value)


def _strict_bool(value, _type):
    if isinstance(value, bool):
        return value
    raise WrongType("true or false", value)


def _strict_names(value, _type):
    """A list of strings as a tuple (``call_ids_to_coach``); a bare string is not a list."""
    if not isinstance(value, list):
        raise WrongType("a list", value)
    return tuple(_strict_str(item, str) for item in value)


def _shaped(hook, kind: type, expected: str):
    """``hook`` behind a container check: a section left empty (``app:`` alone is null) or of
    the wrong kind is a WrongType, not a TypeError from inside cattrs."""

    def structure(value, type_):
        if not isinstance(value, kind):
            raise WrongType(expected, value)
        return hook(value, type_)

    return structure


def make_converter() -> cattrs.Converter:
    """The converter for ``ScenarioDoc``: strict scalars, no extra keys, steps by their key."""
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook_func(lambda type_: type_ == tuple[str, ...], _strict_names)
    conv.register_structure_hook_factory(attrs.has, lambda cls: _shaped(
        make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True), dict, "a mapping"))
    conv.register_structure_hook_factory(is_mapping, lambda type_: _shaped(
        mapping_structure_factory(type_, conv), dict, "a mapping"))
    conv.register_structure_hook_factory(is_mutable_sequence, lambda type_: _shaped(
        list_structure_factory(type_, conv), list, "a list"))

    def optional_mapping(cls: type, example: str):
        """The hook of an optional ``cls``: None, or a mapping structured as ``cls``."""
        def structure(value, _type):
            if value is None:
                return None
            if not isinstance(value, dict):
                raise WrongType(f"a mapping such as {example}", value)
            return conv.structure(value, cls)
        return structure

    def model_shape(cls: type, **overrides):
        """``cls`` read from a mapping: no extra keys, and its NOT_KEYS not read at all."""
        omitted = {name: override(omit=True) for name in NOT_KEYS.get(cls, ())}
        return _shaped(make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True,
                                              **omitted, **overrides), dict, "a mapping")

    # before CallSettings and CreatedCallDoc: their structure functions look field hooks up now
    conv.register_structure_hook(model.MachineDetection, model_shape(model.MachineDetection))
    conv.register_structure_hook(Union[model.MachineDetection, None], optional_mapping(
        model.MachineDetection, "{mode: sync, delay_result: true}"))
    conv.register_structure_hook(model.CallSettings, model_shape(
        model.CallSettings, from_=override(rename="from")))

    conv.register_structure_hook(
        CreatedCallDoc, _shaped(make_dict_structure_fn(CreatedCallDoc, conv,
                                                       _cattrs_forbid_extra_keys=True,
                                                       from_=override(rename="from")),
                                dict, "a mapping"))

    conv.register_structure_hook(Union[model.UpdateCall, None], optional_mapping(
        model.UpdateCall, "{redirect_url: /interrupt}"))
    conv.register_structure_hook(Union[model.UpdateConference, None], optional_mapping(
        model.UpdateConference, "{status: completed} or {redirect_url: /conference-redirect}"))
    conv.register_structure_hook(Union[model.UpdateConferenceMember, None], optional_mapping(
        model.UpdateConferenceMember, "{member: agent, mute: true}"))

    def structure_route(value, _type):
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            return conv.structure(value, RouteDoc)
        raise WrongType("an inline BXML string or a mapping {file|bxml|body|status|delay|fault}", value)

    def structure_step(value, _type):
        if not isinstance(value, dict):
            raise WrongType("a step mapping such as {say: \"hello\"}", value)
        kinds = [key for key in value if key in STEP_KEYS]
        if len(kinds) != 1:
            raise WrongType("exactly one of " + ", ".join(STEP_KEYS) + " in a caller step",
                            dict(value))
        return conv.structure(value, STEP_KEYS[kinds[0]])

    conv.register_structure_hook(Union[str, RouteDoc], structure_route)
    conv.register_structure_hook(StepDoc, structure_step)
    return conv
