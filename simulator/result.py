"""The outcome of one simulated scenario, typed: ``Result.to_json()`` is result.json.

Layout and key order follow design/contract.md (``"format": "bxmlsim-result/1"``;
docs/result-format.md lists every field). The runner fills calls, callbacks (one entry per HTTP
attempt), recordings and timeline from the engine's JSON objects; the expectations layer
(simulator.api) fills ``passed`` and ``failures``. Each entry becomes a typed record
(:class:`Call`, :class:`Callback`, :class:`Recording`, :class:`TimelineEntry`,
:class:`Failure`) that keeps the JSON object it was made from: ``to_json()`` gives those objects
back untouched, so the bytes of result.json never depend on this typing, and ``record["key"]``
still reads a result.json key. Lists of records are :class:`Records`: lists that filter when
called (``result.callbacks("gather")``). Reprs are short; the data is in ``to_json()``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar, overload

import attrs

from simulator.jsontext import dumps_indented
from simulator.output import RESULT_FILE

FORMAT = "bxmlsim-result/1"


class ResultFailed(AssertionError):
    """``Result.assert_ok()`` on a run that did not pass; the message is the readable failure
    text (``file:line: message`` per failure, then where the result was written)."""


@functools.lru_cache(maxsize=1024)   # the same few dozen keys in every result
def _snake(key: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in key)


_ATTRIBUTE_NAMES: dict[type, frozenset[str]] = {}  # per record class, computed once


def _attribute_names(cls: type) -> frozenset[str]:
    names = _ATTRIBUTE_NAMES.get(cls)
    if names is None:
        names = _ATTRIBUTE_NAMES[cls] = frozenset(a.name for a in attrs.fields(cls)) - {"raw"}
    return names


class _Record:
    """A result.json entry: typed attributes plus the JSON object (``raw``) it came from."""

    #: result.json key -> attribute name, for keys whose name differs from ``_snake(key)``.
    _RENAMES: ClassVar[dict[str, str]] = {}
    #: The attribute a positional argument of ``Records.__call__`` is compared with.
    _NAME: ClassVar[str] = ""

    raw: dict[str, Any]

    @classmethod
    def _fields_of(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        names, renames = _attribute_names(cls), cls._RENAMES
        out = {}
        for key, value in data.items():
            name = renames.get(key) or _snake(key)
            if name in names:
                out[name] = value
        return out

    def __init__(self, raw: dict[str, Any]) -> None:  # replaced by attrs in each subclass
        self.raw = raw

    @classmethod
    def from_json(cls: type[R], data: Mapping[str, Any] | R) -> R:
        """The record of a result.json object (a record is returned as it is)."""
        if isinstance(data, cls):
            return data
        assert isinstance(data, Mapping)
        return cls(raw=dict(data), **cls._fields_of(data))

    def __getitem__(self, key: str) -> Any:
        """The result.json key ``key`` (``callback["eventType"]``), as in the JSON object."""
        return self.raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def __eq__(self, other: object) -> bool:
        """Records are equal when they hold the same JSON; a record equals its JSON object."""
        if isinstance(other, _Record):
            return type(other) is type(self) and other.raw == self.raw
        if isinstance(other, Mapping):
            return self.raw == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dict it wraps

    def to_json(self) -> dict[str, Any]:
        """The result.json object of this entry (a fresh dict)."""
        return dict(self.raw)


R = TypeVar("R", bound=_Record)


class Records(list[R], Generic[R]):
    """A list of records that filters when called: ``result.callbacks("gather")`` is the gather
    attempts, ``result.timeline("verb-start", verb="Gather")`` the Gathers that began.

    The positional argument is compared with the records' main name (a callback's
    ``event_type``, a timeline entry's ``kind``, a recording's ``verb``, a call's
    ``direction``); keywords with attributes of that name. The result is a Records too."""

    def __call__(self, name: str | None = None, /, **fields: Any) -> Records[R]:
        def keep(record: R) -> bool:
            if name is not None and getattr(record, record._NAME) != name:
                return False
            return all(getattr(record, key) == value for key, value in fields.items())
        for key in fields:
            if self and not hasattr(self[0], key):
                raise AttributeError(f"{type(self[0]).__name__} has no field {key!r}")
        return Records(r for r in self if keep(r))

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self]

    def __repr__(self) -> str:
        return "[" + ", ".join(repr(r) for r in self) + "]"


def _records(cls: type[R], items: Iterable[Any] | None) -> Records[R]:
    """JSON objects (or records already) -> Records of ``cls``."""
    return Records(cls.from_json(item) for item in items or ())


@attrs.define(eq=False, repr=False)
class Call(_Record):
    """One call leg (result.json ``calls[i]``)."""

    _NAME: ClassVar[str] = "direction"
    _RENAMES: ClassVar[dict[str, str]] = {"from": "from_"}

    raw: dict[str, Any]
    call_id: str = ""
    parent_call_id: str | None = None
    direction: str = ""
    from_: str = ""
    to: str = ""
    start_time: str | None = None
    answer_time: str | None = None
    end_time: str | None = None
    disconnect_cause: str | None = None
    error_message: str | None = None

    def __repr__(self) -> str:
        return (f"Call({self.call_id} {self.direction} {self.from_} -> {self.to}, "
                f"{self.disconnect_cause})")


@attrs.define(eq=False, repr=False)
class Callback(_Record):
    """One webhook HTTP attempt (result.json ``callbacks[i]``)."""

    _NAME: ClassVar[str] = "event_type"

    raw: dict[str, Any]
    at: float = 0.0
    event_type: str = ""
    url: str = ""
    method: str = "POST"
    attempt: int = 1
    fallback: bool = False
    payload: dict[str, Any] = attrs.Factory(dict)
    status: int | None = None
    response_body: str | None = None
    error: str | None = None
    app_error: dict[str, Any] | None = None  # C2: the in-process app raised on this attempt

    def __repr__(self) -> str:
        outcome = self.status if self.status is not None else self.error
        flags = " fallback" if self.fallback else ""
        again = f" attempt {self.attempt}" if self.attempt != 1 else ""
        return (f"Callback({self.event_type}@{self.at:.3f} {self.method} {self.url}{again}"
                f"{flags} -> {outcome})")


@attrs.define(eq=False, repr=False)
class Segment(_Record):
    """A recorded stretch of a recording (virtual seconds)."""

    raw: dict[str, Any]
    start_at: float = 0.0
    end_at: float = 0.0

    def __repr__(self) -> str:
        return f"Segment({self.start_at:.3f}-{self.end_at:.3f})"


def _segments(items: Iterable[Any] | None) -> Records[Segment]:
    return _records(Segment, items)


@attrs.define(eq=False, repr=False)
class Recording(_Record):
    """One recording (result.json ``recordings[i]``); ``audio()`` reads its file."""

    _NAME: ClassVar[str] = "verb"

    raw: dict[str, Any]
    recording_id: str = ""
    call_id: str = ""
    verb: str = ""
    file: str | None = None
    file_format: str = "wav"
    channels: int = 1
    sample_rate: int = 8000
    duration: float = 0.0
    start_at: float = 0.0
    end_at: float = 0.0
    segments: Records[Segment] = attrs.field(factory=Records, converter=_segments)
    end_reason: str | None = None
    recording_name: str | None = None
    transcription: dict[str, Any] | None = None
    #: The folder of result.json (``file`` is relative to it); None when nothing was written.
    folder: Path | None = attrs.field(default=None, kw_only=True)

    @property
    def path(self) -> Path | None:
        """The audio file, when the run wrote one (an output folder was given)."""
        if self.file is None or self.folder is None:
            return None
        return self.folder / self.file

    @property
    def transcription_text(self) -> str | None:
        return (self.transcription or {}).get("text")

    def audio(self) -> Any:
        """The samples as a float32 numpy array in [-1, 1]: shape (n,) for one channel,
        (n, 2) for two (caller left, platform right), at ``sample_rate``. Needs the file:
        run with an output folder (the ``bxmlsim`` fixture always has one)."""
        import soundfile  # type: ignore[import-untyped]  # loaded only by a test that listens

        path = self.path
        if path is None:
            raise FileNotFoundError(
                f"recording {self.recording_id} has no audio file: the run had no output "
                f"folder (run_scenario(..., out_dir=DIR), or the bxmlsim fixture)")
        data, _rate = soundfile.read(str(path), dtype="float32", always_2d=False)
        return data

    def __repr__(self) -> str:
        return (f"Recording({self.recording_id} {self.verb} {self.duration:g} s "
                f"{self.end_reason})")


@attrs.define(eq=False, repr=False)
class TimelineEntry(_Record):
    """One timeline entry (result.json ``timeline[i]``). ``col``/``path``/``document`` (the
    verb's position in its BXML document, contract C1) are None in files that lack them."""

    _NAME: ClassVar[str] = "kind"

    raw: dict[str, Any]
    at: float = 0.0
    call_id: str | None = None
    kind: str = ""
    verb: str | None = None
    line: int | None = None
    col: int | None = None
    path: str | None = None
    document: str | None = None
    detail: dict[str, Any] = attrs.Factory(dict)

    @property
    def position(self) -> str | None:
        """Where the verb is in its document: ``3:5 /Response/Gather[1]`` (as much as known)."""
        return position_text(self.raw)

    def __repr__(self) -> str:
        verb = f" {self.verb}" if self.verb else ""
        where = f" ({self.position})" if self.position else ""
        return f"TimelineEntry({self.kind}{verb}@{self.at:.3f}{where})"


def position_text(entry: Mapping[str, Any]) -> str | None:
    """``line:col /element/path`` of a timeline entry, with what it carries (C1 keys may be
    absent: older files); None without a line. The one rule -v, goldens and reprs use."""
    line = entry.get("line")
    if not line:
        return None
    col, path = entry.get("col"), entry.get("path")
    text = f"{line}:{col}" if col else f"line {line}"
    return f"{text} {path}" if path else text


@attrs.define(eq=False, repr=False)
class Failure(_Record):
    """Why a run did not pass (result.json ``failures[i]``; ``kind``, ``call_id``, ``at``,
    ``accept`` only when the failure carries them, contract C3)."""

    raw: dict[str, Any]
    message: str = ""
    line: int = 0
    kind: str | None = None
    call_id: str | None = None
    at: float | None = None
    accept: str | None = None

    def text(self, file: str | Path | None = None) -> str:
        """``file:line: message`` (a message's later lines come indented already)."""
        head = f"{file or '<mapping>'}:{self.line}: " if file is not None or self.line else ""
        return head + self.message

    def __repr__(self) -> str:
        first = self.message.splitlines()[0] if self.message else ""
        return f"Failure(line {self.line}: {first})" if self.line else f"Failure({first})"


class Failures(Records[Failure]):
    """The failures of a run; ``str()`` is their readable text, one per line."""

    def __str__(self) -> str:
        return "\n".join(f.text() for f in self) or "no failures"


def _failures(items: Iterable[Any] | None) -> Failures:
    return Failures(Failure.from_json(item) for item in items or ())


def _optional_path(value: str | Path | None) -> Path | None:
    return value if value is None or isinstance(value, Path) else Path(value)


def _pending(items: Iterable[Any] | None) -> list[Any]:
    """What a record list holds until it is first read: the entries as they came (JSON
    objects copied, records as they are); :class:`_RecordList` makes the records."""
    return [item if isinstance(item, _Record) else dict(item) for item in items or ()]


def _entries_json(items: list[Any]) -> list[dict[str, Any]]:
    """The result.json objects of a record list, typed yet or not (fresh dicts)."""
    if isinstance(items, Records):
        return items.to_json()
    return [item.to_json() if isinstance(item, _Record) else dict(item) for item in items]


def _entries_held(items: list[Any]) -> list[dict[str, Any]]:
    """The result.json objects of a record list as held (not copied): for reading only."""
    return [item.raw if isinstance(item, _Record) else item for item in items]


#: The record lists are set as they are (typed by their property, or :func:`_pending` by its
#: setter), not run through the converter again.
_AS_IS = attrs.setters.NO_OP


def _rebind(result: Result, _attribute: Any, out_dir: Path | None) -> Path | None:
    recordings = result._recordings   # noqa: SLF001 - records made later get the folder then
    if isinstance(recordings, Records):
        for recording in recordings:
            recording.folder = out_dir
    return out_dir


class _RecordList(Generic[R]):
    """A Result's record list (``result.calls``, ...): held as the JSON objects it came as,
    made :class:`Records` of ``cls`` when first read; set, the new entries are held as they
    come. ``folder``: the records point at the result's ``out_dir`` (recordings' files)."""

    def __init__(self, cls: type[R], *, folder: bool = False) -> None:
        self.cls, self.folder, self.slot = cls, folder, ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name   # the attrs field holding the list

    @overload
    def __get__(self, result: None, owner: type) -> _RecordList[R]: ...

    @overload
    def __get__(self, result: Result, owner: type) -> Records[R]: ...

    def __get__(self, result: Result | None, owner: type) -> _RecordList[R] | Records[R]:
        if result is None:
            return self
        records = getattr(result, self.slot)
        if not isinstance(records, Records):
            records = _records(self.cls, records)
            setattr(result, self.slot, records)
            if self.folder:
                _rebind(result, None, result.out_dir)
        return records

    def __set__(self, result: Result, items: Iterable[Any] | None) -> None:
        setattr(result, self.slot, _pending(items))


@attrs.define(repr=False)
class Result:
    """One run: what happened, and whether it met its expectations.

    ``calls``, ``callbacks``, ``recordings`` and ``timeline`` are :class:`Records`, made from
    the run's JSON objects when first read: a run whose result is only written (the CLI, a
    batch) never types its entries; ``to_json()`` reads the objects either way."""

    name: str
    file: str | None
    seed: int
    _calls: list[Any] = attrs.field(factory=list, converter=_pending, on_setattr=_AS_IS)
    _callbacks: list[Any] = attrs.field(factory=list, converter=_pending, on_setattr=_AS_IS)
    _recordings: list[Any] = attrs.field(factory=list, converter=_pending, on_setattr=_AS_IS)
    _timeline: list[Any] = attrs.field(factory=list, converter=_pending, on_setattr=_AS_IS)
    passed: bool = True
    failures: Failures = attrs.field(factory=Failures, converter=_failures)
    # Set when an internal error (a simulator bug) stopped the run: the traceback text. The
    # result is then partial (runner.simulate); not part of result.json, whose timeline has an
    # ``internal-error`` entry and whose failures say so.
    internal_error: str | None = None
    # The id of each call the scenario names (``main``, the keys of ``calls:``), drawn before
    # the run: the expectations' ``{{calls.NAME.callId}}`` are expanded with them. Not part of
    # result.json.
    call_ids: dict[str, str] = attrs.Factory(dict)
    #: The folder holding result.json and recordings/ (None: the run wrote nothing); setting
    #: it points the recordings' files there too.
    out_dir: Path | None = attrs.field(default=None, converter=_optional_path,
                                       on_setattr=[attrs.setters.convert, _rebind])

    calls = _RecordList(Call)                  #: the call legs
    callbacks = _RecordList(Callback)          #: every webhook HTTP attempt
    recordings = _RecordList(Recording, folder=True)   #: their files under ``out_dir``
    timeline = _RecordList(TimelineEntry)      #: what happened, in order

    def __copy__(self) -> Result:
        """A shallow copy, sharing its values as a copy of any object does: the record lists
        are typed first, so the copy and this Result read (and append to) the same Records."""
        for name in ("calls", "callbacks", "recordings", "timeline"):
            getattr(self, name)   # a record list is typed when first read
        copied = object.__new__(Result)
        for field in attrs.fields(Result):
            object.__setattr__(copied, field.name, getattr(self, field.name))
        return copied

    @classmethod
    def from_json(cls, data: Mapping[str, Any], out_dir: str | Path | None = None) -> Result:
        """A Result from a result.json object (``out_dir``: the folder it was read from)."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a result.json of format {FORMAT!r}: format is "
                             f"{data.get('format')!r}")
        scenario = data.get("scenario") or {}
        return cls(name=scenario.get("name", ""), file=scenario.get("file"),
                   seed=data.get("seed", 0), calls=data.get("calls"),
                   callbacks=data.get("callbacks"), recordings=data.get("recordings"),
                   timeline=data.get("timeline"), passed=bool(data.get("passed")),
                   failures=data.get("failures"), out_dir=out_dir)

    @classmethod
    def load(cls, path: str | Path) -> Result:
        """Read a result.json file (or the folder holding one) back as a Result."""
        path = Path(path)
        if path.is_dir():
            path = path / RESULT_FILE
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")), path.parent)

    def to_json(self) -> dict[str, Any]:
        """The result.json object (a fresh dict; safe to mutate)."""
        return self._json(_entries_json)

    def _json(self, entries: Callable[[list[Any]], list[dict[str, Any]]]) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "scenario": {"name": self.name, "file": self.file},
            "seed": self.seed,
            "passed": self.passed,
            "failures": entries(self.failures),
            "calls": entries(self._calls),
            "callbacks": entries(self._callbacks),
            "recordings": entries(self._recordings),
            "timeline": entries(self._timeline),
        }

    def dumps(self) -> str:
        """result.json text: UTF-8-safe, 2-space indent, stable key order, trailing newline."""
        # json.dumps(indent=2), faster; the entries are read where they are, not copied first
        return dumps_indented(self._json(_entries_held)) + "\n"

    @property
    def call(self) -> Call:
        """The scenario's own call (the first leg)."""
        return self.calls[0]

    @property
    def path(self) -> Path | None:
        """result.json, when the run wrote one."""
        return self.out_dir / RESULT_FILE if self.out_dir is not None else None

    @property
    def digits(self) -> str:
        """Every digit gathered: the first attempt of each gather webhook, joined."""
        return "".join(str(cb.payload.get("digits", "")) for cb in self.callbacks("gather")
                       if cb.attempt == 1 and not cb.fallback)

    def failure_text(self) -> str:
        """The readable failure text: ``file:line: message`` per failure, then where the
        result is. Empty when the run passed."""
        if self.passed:
            return ""
        lines = [f"scenario {self.name!r} failed:"]
        lines += ["  " + f.text(self.file).replace("\n", "\n  ") for f in self.failures]
        if self.path is not None:
            lines.append(f"  result: {self.path}")
        return "\n".join(lines)

    def assert_ok(self) -> Result:
        """Raise :class:`ResultFailed` with the readable failure text unless the run passed;
        returns the result, so ``bxmlsim.run(...).assert_ok()`` chains."""
        __tracebackhide__ = True  # pytest: the failure is the test's, not this line's
        if not self.passed:
            raise ResultFailed(self.failure_text())
        return self

    def __repr__(self) -> str:
        calls, callbacks, recordings = (len(self._calls), len(self._callbacks),
                                        len(self._recordings))
        counts = (f"{calls} call{'s' if calls != 1 else ''}, "
                  f"{callbacks} callback{'s' if callbacks != 1 else ''}, "
                  f"{recordings} recording{'s' if recordings != 1 else ''}")
        if self.passed:
            return f"<Result {self.name!r} passed: {counts}>"
        first = repr(self.failures[0]) if self.failures else "no failure recorded"
        more = f" (+{len(self.failures) - 1} more)" if len(self.failures) > 1 else ""
        return f"<Result {self.name!r} FAILED: {first}{more}; {counts}>"

    __str__ = __repr__
