"""Scenario files -> ``model.Scenario`` objects, with ``file:line: $.path`` errors.

Pipeline per scenario: ``reader.py`` reads the YAML (YAML 1.2, duplicate keys refused, the
line of every key kept, the reading limits) -> ``schema.structure`` builds the YAML shape of
``schema.py`` (unknown keys, wrong types; it keeps going past a broken piece) -> ``_Builder``
checks values and builds the typed model (directions, methods, seconds, DTMF digits, files that
must exist, relative paths resolved against the scenario's folder) -> ``expect.parse_expect``
compiles the ``expect`` block. Every problem found is reported, each as ``file:line: $.path:
what; expected X, got Y`` (``; did you mean ...?`` when a known name is close), in one
``simulator.errors.ScenarioError``: the value checks run on every part that structured, even
when another part did not, so one pass shows them all.

A file holds one scenario (a mapping with ``name``) or several under ``scenarios:``.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import re
import stat
from pathlib import Path
from typing import Any

import attrs

from simulator import rest_rules as rules
from simulator.bxml.nodes import VERB_NAMES
from simulator.errors import ScenarioError, shorten
from simulator.scenario import model, refs, schema
from simulator.scenario.expect import parse_expect
from simulator.scenario.load_conference import build_conference_action
from simulator.scenario.reader import read_file, read_yaml
from simulator.scenario.source import Locator, PathPart, Problems, format_path

DTMF_DIGITS = re.compile(r"^[0-9*#A-D]+$")
_MODULE_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_URL = re.compile(r"^https?://[^\s/]+")
_CALL_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_MARKER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_URL_EXPECTED = "an http:// or https:// URL, or a path such as /answer"
MAX_PATH, MAX_NAME = 4096, 255  # what Linux opens (PATH_MAX, NAME_MAX): quoted in the message
#: ``machine_detection`` keys that only matter to machineDetectionComplete's delivery.
_AMD_DELIVERY = ("callback_url", "callback_method", "username", "password", "fallback_url",
                 "fallback_method", "fallback_username", "fallback_password")
#: How the loader words a bad ``state``/``status`` and a missing redirect_url of each update
#: (the rules themselves: simulator/rest_rules.py).
_UPDATE_WORDS = {
    rules.CALL_UPDATE: ("active or completed", "redirect_url (state: active redirects)"),
    rules.CONFERENCE_UPDATE: ("active (redirect) or completed (end the conference)",
                              "redirect_url (status: active sends conferenceRedirect there), "
                              "or status: completed"),
}


def _url_problem(value: str) -> str | None:
    """What a webhook URL (absolute http(s), or relative to base_url) should be, if it is not
    (rest_rules.url_problem; its length is the caller's: ``_Builder.url``)."""
    problem = rules.url_problem("url", value, relative_ok=True)
    if problem is None or problem.code == rules.TOO_LONG:
        return None
    if problem.reason == rules.SPACES:
        return _URL_EXPECTED + " (no spaces)"
    if problem.reason == rules.UNPARSEABLE:
        return f"a valid URL ({problem.detail})"
    return _URL_EXPECTED


def _plainly_below(base: Path, relative: str, folder: bool) -> bool:
    """Whether ``relative`` names an existing file (or folder) below the resolved ``base``
    through no symbolic link and no ``..``: then ``base / relative`` is its resolved path
    (an lstat a name below ``base``; ``Path.resolve`` lstats every name from the root, then
    stats it). False when not so or unsure (an error): the caller resolves it."""
    if relative.startswith("/"):
        return False
    names = [name for name in relative.split("/") if name and name != "."]
    if not names or ".." in names:
        return False
    current = str(base)
    try:
        for name in names:
            current = os.path.join(current, name)
            mode = os.lstat(current).st_mode
            if stat.S_ISLNK(mode):
                return False
    except (OSError, ValueError):  # missing, a name too long, a NUL byte: resolve() says
        return False
    return stat.S_ISDIR(mode) if folder else stat.S_ISREG(mode)


def load_scenarios(path: str | Path, *,
                   overrides: dict[str, Any] | None = None) -> list[model.Scenario]:
    """Every scenario of one YAML file; raises ScenarioError listing every problem found.
    ``overrides`` replaces top-level keys of every scenario in it (the Python API's keywords)."""
    path = Path(path)
    return load_mapping(read_file(path), file=path, base_dir=path.parent,  # resolved there
                        overrides=overrides)


def load_text(text: str, *, file: str | Path = "<scenario>", base_dir: Path | None = None,
              overrides: dict[str, Any] | None = None) -> list[model.Scenario]:
    """Scenarios from YAML text; ``file`` names it in errors, its folder is the base folder."""
    file_path = Path(file)
    data = read_yaml(text, str(file))
    base = base_dir if base_dir is not None else (
        file_path.parent.resolve() if str(file) != "<scenario>" else Path.cwd())
    return load_mapping(data, file=file_path if str(file) != "<scenario>" else None,
                        base_dir=base, overrides=overrides)


def load_mapping(data: Any, *, file: Path | None = None, base_dir: Path | None = None,
                 overrides: dict[str, Any] | None = None) -> list[model.Scenario]:
    """Scenarios from an already-read document (``reader.read_yaml``'s, with lines, or plain
    dicts); ``overrides`` replaces top-level keys of each scenario (at the scenario's line)."""
    label = str(file) if file is not None else "<mapping>"
    base = (base_dir or Path.cwd()).resolve()
    problems = Problems(label)
    root = Locator(data, 1 if file is not None else 0)
    if isinstance(data, dict) and "scenarios" in data:
        extra = [k for k in data if k != "scenarios"]
        for key in extra:
            problems.add(root.line([key]), format_path([key]), "unknown key next to `scenarios`",
                         expected="only `scenarios:` (a list of scenario mappings)", got=repr(key))
        items = data["scenarios"]
        if not isinstance(items, list) or not items:
            problems.add(root.line(["scenarios"]), "$.scenarios", "wrong type",
                         expected="a non-empty list of scenario mappings",
                         got=schema.WrongType("", items).got)
            problems.raise_if_any()
        docs = [(item, ("scenarios", i)) for i, item in enumerate(items)]
    else:
        docs = [(data, ())]
    # a document read without any `{{` needs no look for references (a caller's mapping
    # or overrides may hold some)
    braces = getattr(data, "braces", True) or bool(overrides)
    scenarios = []
    for doc, prefix in docs:
        if overrides and isinstance(doc, dict):
            doc = _overridden(doc, overrides)
        scenario = _Builder(doc, prefix, root, problems, file, base, braces).build()
        if scenario is not None:
            scenarios.append(scenario)
    problems.raise_if_any()
    return scenarios


# ---- structure problems -> located problems


def _report_structure(problems_found: list[schema.Problem], prefix: tuple, root: Locator,
                      problems: Problems) -> None:
    for found in problems_found:
        full = prefix + found.path
        # a missing key has no line of its own: the mapping that lacks it
        line = root.line(full[:-1] if found.message == "missing required key" else full)
        problems.add(line, format_path(full), found.message, expected=found.expected,
                     got=found.got, hint=found.hint)


def _overridden(doc: dict, overrides: dict[str, Any]) -> dict:
    """``doc`` with top-level keys replaced; a read document is changed in place, its new keys
    placed at the scenario's own line; a caller's plain dict is copied, not changed."""
    if not hasattr(doc, "key_lines"):
        return {**doc, **overrides}
    doc.update(overrides)
    for key in overrides:
        doc.key_lines[key] = doc.line
    return doc


# ---- YAML shape -> typed model, with value checks


class _Builder:
    """Builds one ``model.Scenario`` from one scenario mapping, reporting into ``problems``."""

    def __init__(self, doc: Any, prefix: tuple, root: Locator, problems: Problems,
                 file: Path | None, base_dir: Path, braces: bool = True) -> None:
        self.doc, self.prefix, self.root, self.problems = doc, prefix, root, problems
        self.file, self.base_dir = file, base_dir
        self.braces = braces  # whether a string of the document may hold `{{`
        self.broken: set[tuple] = set()  # paths whose structure problem is already reported

    # helpers
    def line(self, *parts: PathPart) -> int:
        return self.root.line(self.prefix + parts)

    def is_broken(self, parts: tuple) -> bool:
        """Whether ``parts`` is (inside) a value whose structure problem is reported."""
        full = self.prefix + parts
        return any(full[:len(broken)] == broken for broken in self.broken)

    def bad(self, parts: tuple, message: str, expected: str | None = None,
            got: object = None, hint: str | None = None) -> None:
        if self.is_broken(parts):
            return  # its structure problem is reported; a placeholder stands there
        full = self.prefix + parts
        self.problems.add(self.line(*parts), format_path(full), message,
                          expected=expected, got=None if got is None else repr(got), hint=hint)

    def url(self, parts: tuple, value: str | None) -> None:
        """A webhook URL: absolute http(s) or a path, at most rest_rules.MAX_URL characters
        (a {{...}} reference counts as an id there)."""
        if value is None:
            return
        problem = _url_problem(refs.stand_in(value))
        if problem is not None:
            self.bad(parts, "bad URL", problem, value)
        elif len(value) > rules.MAX_URL:
            self.too_long(rules.Problem(rules.TOO_LONG, parts[-1], value, limit=rules.MAX_URL),
                          parts[:-1])

    def too_long(self, problem: rules.Problem, owner: tuple) -> None:
        """A rest_rules TOO_LONG problem of the field ``problem.field`` under ``owner``."""
        self.bad(owner + (problem.field,), "too long", f"at most {problem.limit} characters",
                 f"{len(problem.value)} characters")

    def limits(self, owner: tuple, values: Any, fields: tuple[str, ...]) -> None:
        """Credentials (rest_rules.MAX_CREDENTIAL) among ``fields`` of ``values``, and a
        ``tag`` (rest_rules.MAX_TAG)."""
        given = {f: getattr(values, f) for f in fields}
        problems = rules.credential_problems(given, [f for f in fields if f in rules.CREDENTIALS])
        if "tag" in given:
            problems.append(rules.too_long("tag", given["tag"], rules.MAX_TAG))
        for problem in problems:
            if problem is not None:
                self.too_long(problem, owner)

    def seconds(self, parts: tuple, value: float | None, *, positive: bool = False,
                most: tuple[float, str] = (model.MAX_SECONDS, "24 hours")) -> None:
        """Every duration and time of a scenario: finite, at most ``most`` (docs/limits.md)."""
        if value is None:
            return
        lowest = "a positive number of seconds" if positive else "a number of seconds >= 0"
        if value < 0 or (positive and value == 0):
            self.bad(parts, "bad value", lowest, value)
        elif not value <= most[0]:   # too long, infinite or NaN
            self.bad(parts, "bad value", f"{lowest}, at most {most[0]:g} ({most[1]})", value)

    def existing_file(self, parts: tuple, relative: str, *, folder: bool = False) -> Path:
        """``relative`` resolved against the scenario's folder, reported unless it names an
        existing file (or folder); a path the system refuses is reported too, not raised."""
        what = "folder" if folder else "file"
        path = self.base_dir / relative
        if _plainly_below(self.base_dir, relative, folder):
            return path  # what resolve() would answer, without its system calls
        try:
            path = path.resolve()
            found = path.is_dir() if folder else path.is_file()
        except (OSError, ValueError) as exc:  # ENAMETOOLONG, ELOOP, a NUL byte
            self.bad(parts, "unusable path", f"a {what} path the system can open (at most "
                     f"{MAX_PATH:,} bytes, {MAX_NAME} a name)",
                     f"{shorten(relative)}: {getattr(exc, 'strerror', None) or exc}")
            return path
        if not found and "{{" not in relative:  # a reference: check_refs says why
            self.bad(parts, f"{what} not found", f"a {what} relative to {self.base_dir}",
                     relative)
        return path

    def build(self) -> model.Scenario | None:
        if not isinstance(self.doc, dict):
            self.bad((), "wrong type", "a scenario mapping with at least `name:`",
                     schema.WrongType("", self.doc).got)
            return None
        count = len(self.problems.items)
        doc, found, broken = schema.structure(self.doc, schema.ScenarioDoc)
        _report_structure(found, self.prefix, self.root, self.problems)
        self.broken = {self.prefix + path for path in broken}
        if doc is None:
            return None
        if not doc.name.strip():
            self.bad(("name",), "bad value", "a non-empty scenario name", doc.name)
        if doc.seed < 0:
            self.bad(("seed",), "bad value", "an integer >= 0", doc.seed)
        self.check_epoch(doc.epoch)
        if doc.tts not in model.TTS_ENGINES:
            self.bad(("tts",), "bad value", "model (the default, speech-like synthesis) or "
                     "espeak (real speech; the tts extra)", doc.tts)
        skip = self.build_condition("skip", doc.skip)
        xfail = self.build_condition("xfail", doc.xfail)
        for i, marker in enumerate(doc.markers):
            if marker is not None and not _MARKER.match(marker):
                self.bad(("markers", i), "bad marker name", "a pytest marker name such as slow",
                         marker)
        processing = self.build_processing(doc.recording_processing)
        call = self.build_call(doc.call)
        api = self.build_api(doc.api)
        app = self.build_app(doc.app)
        caller = self.build_steps(("caller",), doc.caller)
        parties = {number: self.build_party(number, party)
                   for number, party in doc.parties.items() if party is not None}
        calls = {name: self.build_created_call(name, spec)
                 for name, spec in doc.calls.items() if spec is not None}
        rest = tuple(self.build_rest(i, action, set(doc.calls))
                     for i, action in enumerate(doc.rest) if action is not None)
        plain = not self.check_refs(app, set(doc.calls))
        expect = None
        if doc.expect is not None:
            expect = parse_expect(self.doc["expect"], self.root, self.prefix + ("expect",),
                                  self.problems)
        if len(self.problems.items) > count:
            return None
        scenario = model.Scenario(
            name=doc.name, seed=doc.seed, call=call, app=app, caller=caller, parties=parties,
            calls=calls, rest=rest, expect=expect, file=self.file,
            line=self.line("name") or self.line(), base_dir=self.base_dir, epoch=doc.epoch,
            tts=doc.tts, tts_line=self.line("tts") if "tts" in self.doc else 0,
            strict=doc.strict, skip=skip, xfail=xfail,
            markers=tuple(m for m in doc.markers if m is not None),
            recording_processing=processing, api=api)
        if plain:   # no {{ anywhere: nothing for refs.expand to substitute at run time
            refs.mark_plain(scenario, expect)
        return scenario

    def build_condition(self, key: str, value: bool | str | model.Condition | None
                        ) -> model.Condition | None:
        """``skip:`` / ``xfail:``: ``true``, a reason, or ``{reason, tts[, strict]}``."""
        if value is None or value is False:
            return None
        line = self.line(key)
        if value is True:
            return model.Condition(line=line)
        if isinstance(value, str):
            if not value.strip():
                self.bad((key,), "bad value", "a reason (or true)", value)
            return model.Condition(reason=value, line=line)
        if value.tts is not None and value.tts not in model.TTS_ENGINES:
            self.bad((key, "tts"), "bad value", "model or espeak (the engine under which the "
                     f"scenario is {'skipped' if key == 'skip' else 'expected to fail'})",
                     value.tts)
        if key == "skip" and value.strict:
            self.bad((key, "strict"), "not allowed", "strict only with xfail: (a skipped "
                     "scenario does not run)", value.strict)
        return model.Condition(reason=value.reason, tts=value.tts, strict=value.strict,
                               line=line)

    def build_processing(self, given: model.RecordingProcessing | None
                         ) -> model.RecordingProcessing:
        """``recording_processing``: seconds >= 0 (at most MAX_PROCESSING_SECONDS); the
        transcription never before the recording it transcribes."""
        if given is None:
            return model.RecordingProcessing()
        parts = ("recording_processing",)
        for key in ("recording_available", "transcription_available"):
            value = getattr(given, key)
            if value is not None and not 0 <= value <= model.MAX_PROCESSING_SECONDS:
                self.bad(parts + (key,), "bad value", f"seconds from 0 to "
                         f"{model.MAX_PROCESSING_SECONDS:g}", value)
        if given.transcription_available is not None and \
                given.transcription_available < given.recording_available:
            self.bad(parts + ("transcription_available",), "bad value",
                     f">= recording_available ({given.recording_available:g} s): a "
                     f"transcription is made from the processed recording",
                     given.transcription_available)
        return given

    def build_api(self, api: model.ApiSettings) -> model.ApiSettings:
        """``api:`` (docs/hermetic.md): an account id of digits; username and password
        together, within the API's credential limit; ``network`` block or allow."""
        if api.account_id is not None and not api.account_id.isdigit():
            self.bad(("api", "account_id"), "bad value", "a Bandwidth account id: digits "
                     "only, as a string (\"9900000\")", api.account_id)
        if (api.username is None) != (api.password is None):
            given = "username" if api.username is not None else "password"
            missing = "password" if given == "username" else "username"
            self.bad(("api", given), "missing key", f"api.{missing} beside api.{given} (the "
                     f"API credentials are a pair)", f"no api.{missing}")
        given = {"username": api.username, "password": api.password}
        for problem in rules.credential_problems(given, ("username", "password")):
            self.bad(("api", problem.field), "bad value",
                     f"at most {problem.limit} characters", f"{len(problem.value)} characters")
        if api.network not in model.NETWORK_MODES:
            self.bad(("api", "network"), "bad value", "block (the app's connections beyond "
                     "this machine are refused, the default) or allow", api.network)
        return attrs.evolve(api, line=self.line("api") if "api" in self.doc else 0)

    def check_epoch(self, epoch: str) -> None:
        try:
            stamp = _dt.datetime.fromisoformat(epoch)
            if stamp.tzinfo is None:
                raise ValueError
        except ValueError:
            self.bad(("epoch",), "bad value", "an ISO 8601 UTC time like 2026-01-01T00:00:00.000Z",
                     epoch)

    def build_call(self, call: model.CallSettings) -> model.CallSettings:
        if call.direction not in ("inbound", "outbound"):
            self.bad(("call", "direction"), "bad value", "inbound or outbound", call.direction)
        if call.answer_method not in ("GET", "POST"):
            self.bad(("call", "answer_method"), "bad value", "GET or POST", call.answer_method)
        self.url(("call", "answer_url"), call.answer_url)
        self.url(("call", "disconnect_url"), call.disconnect_url)
        self.seconds(("call", "max_duration"), call.max_duration, positive=True)
        if not 1 <= call.callback_timeout <= 25:
            self.bad(("call", "callback_timeout"), "bad value",
                     "1 to 25 seconds (Bandwidth's callbackTimeout range)", call.callback_timeout)
        fields = attrs.asdict(call, recurse=False)
        fields["refer"] = self.build_refer(call.refer)
        fields["machine_detection"] = self.build_machine_detection(("call",),
                                                                   call.machine_detection)
        if call.machine_detection is not None and call.direction == "inbound":
            self.bad(("call", "machine_detection"), "conflicting keys", "direction: outbound "
                     "(machine detection is a createCall option: only calls the app places)",
                     "direction: inbound")
        return model.CallSettings(**fields)

    def build_refer(self, refer: model.ReferResponse) -> model.ReferResponse:
        """``call.refer``; a NOTIFY key beside a REFER that gets no NOTIFY is a conflict."""
        parts = ("call", "refer")
        codes_ok = True
        for key, means, none in (("response", "accepts the REFER", "no response"),
                                 ("notify", "is success", "no final NOTIFY")):
            code = getattr(refer, key)
            if code is not None and not 200 <= code <= 699:
                codes_ok = False
                self.bad(parts + (key,), "bad value", f"a final SIP status code 200-699 (2xx "
                         f"{means}), or null ({none})", code)
        self.seconds(parts + ("notify_after",), refer.notify_after)
        result = refer
        call = self.doc.get("call")
        written = call.get("refer") if isinstance(call, dict) else None
        written = written if isinstance(written, dict) else {}
        if codes_ok and not (refer.response is not None and 200 <= refer.response < 300):
            extra = [key for key in ("notify", "notify_after") if key in written]
            if extra:
                self.bad(parts, "conflicting keys", "no " + " or ".join(extra) + ": a REFER "
                         "that is not accepted (response not 2xx) gets no NOTIFY",
                         ", ".join(["response", *extra]))
        elif codes_ok and refer.notify is None and "notify_after" in written:
            self.bad(parts, "conflicting keys", "no notify_after with notify: null (the final "
                     "NOTIFY never comes)", "notify, notify_after")
        return result

    def build_app(self, app: schema.AppDoc) -> model.AppSettings:
        if not _URL.match(app.base_url) or _url_problem(refs.stand_in(app.base_url)):
            self.bad(("app", "base_url"), "bad value", "an http:// or https:// URL", app.base_url)
        for key in ("wsgi", "asgi"):
            spec = getattr(app, key)
            if spec is not None and not _MODULE_SPEC.match(spec) and "{{" not in spec:
                self.bad(("app", key), "bad value", '"module:attribute", e.g. "app:app"', spec)
        if app.wsgi is not None and app.asgi is not None:
            self.bad(("app", "asgi"), "conflicting keys", "either wsgi or asgi, not both")
        routes = {}
        for key, value in app.routes.items():
            if value is None:  # its structure problem is reported
                continue
            parts = ("app", "routes", key)
            if not (key.startswith("/") or _URL.match(key)) or _url_problem(refs.stand_in(key)):
                self.bad(parts, "bad route", "a path starting with / or an absolute URL", key)
            routes[key] = self.build_route(parts, value)
        static = None
        if app.static is not None:
            static = self.existing_file(("app", "static"), app.static, folder=True)
        written = self.doc.get("app") if isinstance(self.doc.get("app"), dict) else {}
        lines = {key: self.line("app", key) for key in written if isinstance(key, str)}
        return model.AppSettings(base_url=app.base_url, bxml=app.bxml, routes=routes,
                                 wsgi=app.wsgi, asgi=app.asgi, static=static,
                                 line=self.line("app"),
                                 lines=lines)

    def build_route(self, parts: tuple, value: str | schema.RouteDoc) -> model.Route:
        line = self.line(*parts)
        if isinstance(value, str):
            return model.Route(bxml=value, line=line)
        path = None
        if value.file is not None:
            path = self.existing_file(parts + ("file",), value.file)
        if value.file is not None and value.bxml is not None:
            self.bad(parts, "conflicting keys", "either file or bxml, not both")
        if value.status is not None and not 100 <= value.status <= 599:
            self.bad(parts + ("status",), "bad value", "an HTTP status 100-599", value.status)
        self.seconds(parts + ("delay",), value.delay)
        if value.fault is not None:
            if value.fault not in model.ROUTE_FAULTS:
                self.bad(parts + ("fault",), "bad value",
                         " or ".join(model.ROUTE_FAULTS) + " (the connection fails)", value.fault)
            reply = [key for key in ("status", "body", "bxml", "file", "content_type")
                     if getattr(value, key) is not None]
            if reply:
                self.bad(parts, "conflicting keys",
                         "either fault or a reply (status, body, bxml, file, content_type)",
                         ", ".join(["fault", *reply]))
        return model.Route(bxml=value.bxml, file=path, status=value.status or 200,
                           delay=value.delay, body=value.body, content_type=value.content_type,
                           line=line, fault=value.fault)

    def build_party(self, number: str, party: schema.PartyDoc) -> model.Party:
        parts = ("parties", number)
        if party.status not in ("answer", "busy", "no-answer"):
            self.bad(parts + ("status",), "bad value", "answer, busy or no-answer", party.status)
        self.seconds(parts + ("answer_after",), party.answer_after)
        caller = self.build_steps(parts + ("caller",), party.caller)
        return model.Party(status=party.status, answer_after=party.answer_after, caller=caller,
                           line=self.line(*parts))

    def method(self, parts: tuple, value: str) -> None:
        if value not in ("GET", "POST"):
            self.bad(parts, "bad value", "GET or POST", value)

    def build_created_call(self, name: str, spec: schema.CreatedCallDoc) -> model.CreatedCall:
        parts = ("calls", name)
        if not _CALL_NAME.match(name) or name == "main":
            self.bad(parts, "bad call name", "letters, digits, - and _ (`main` is the "
                     "scenario's own call)", name)
        if not spec.to.strip():
            self.bad(parts + ("to",), "bad value", "a number or SIP URI to call", spec.to)
        self.method(parts + ("answer_method",), spec.answer_method)
        self.url(parts + ("answer_url",), spec.answer_url)
        self.url(parts + ("disconnect_url",), spec.disconnect_url)
        self.method(parts + ("disconnect_method",), spec.disconnect_method)
        self.seconds(parts + ("at",), spec.at)
        if not 1 <= spec.call_timeout <= 300:
            self.bad(parts + ("call_timeout",), "bad value", "1 to 300 seconds (createCall "
                     "callTimeout)", spec.call_timeout)
        if spec.status not in ("answer", "busy", "no-answer"):
            self.bad(parts + ("status",), "bad value", "answer, busy or no-answer", spec.status)
        self.seconds(parts + ("answer_after",), spec.answer_after)
        self.limits(parts, spec, ("tag",))
        caller = self.build_steps(parts + ("caller",), spec.caller)
        fields = attrs.asdict(spec, recurse=False)
        fields["caller"] = caller
        fields["machine_detection"] = self.build_machine_detection(parts, spec.machine_detection)
        return model.CreatedCall(**fields, line=self.line(*parts))

    def build_machine_detection(self, owner: tuple, amd: model.MachineDetection | None
                                ) -> model.MachineDetection | None:
        """``<owner>.machine_detection`` (createCall machineDetection, voice-api.md §3.1).

        Keys that deliver machineDetectionComplete are conflicts where that event is never
        sent: in sync mode (the result rides on the answer webhook), and without
        ``callback_url`` (an event with no URL is not sent, callbacks.md §1.4)."""
        if amd is None:
            return None
        parts = owner + ("machine_detection",)
        if amd.mode not in model.MACHINE_DETECTION_MODES:
            self.bad(parts + ("mode",), "bad value", "sync (the answer webhook waits for the "
                     "result) or async (machineDetectionComplete to callback_url)", amd.mode)
        for key in ("detection_timeout", "silence_timeout", "speech_threshold",
                    "speech_end_threshold", "machine_speech_end_threshold"):
            value = getattr(amd, key)
            self.seconds(parts + (key,), value, positive=True,
                         most=(model.MACHINE_DETECTION_MAX_SECONDS,
                               "4 hours, the longest call by default"))
        for key in ("callback_url", "fallback_url"):
            self.url(parts + (key,), getattr(amd, key))
        self.limits(parts, amd, rules.CREDENTIALS)
        self.method(parts + ("callback_method",), amd.callback_method)
        self.method(parts + ("fallback_method",), amd.fallback_method)
        written = [key for key in _AMD_DELIVERY if key in self.written(parts)]
        if amd.mode == "sync" and written:
            self.bad(parts, "conflicting keys", "no " + ", ".join(written) + " with mode: sync "
                     "(the answer webhook carries the result; machineDetectionComplete is "
                     "async only)", ", ".join(["mode", *written]))
        elif amd.mode == "async" and amd.callback_url is None and written:
            self.bad(parts, "conflicting keys", "callback_url beside " + ", ".join(written)
                     + " (without it no machineDetectionComplete is sent)", ", ".join(written))
        return attrs.evolve(amd, line=self.line(*parts))

    def written(self, parts: tuple) -> dict:
        """The mapping written at ``parts`` of this scenario's YAML ({} when there is none)."""
        node = self.doc
        for part in parts:
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                node = None
        return node if isinstance(node, dict) else {}

    def build_rest(self, index: int, action: schema.RestDoc, names: set) -> model.RestAction:
        parts = ("rest", index)
        self.seconds(parts + ("at",), action.at)
        call = action.call if action.call is not None else "main"
        if call != "main" and call not in names:
            self.bad(parts + ("call",), "unknown call", "main or a name under `calls:` ("
                     + (", ".join(sorted(names)) or "none defined") + ")", call)
        given = [key for key in schema.REST_ACTIONS  # a broken one was written all the same
                 if getattr(action, key) is not None or self.is_broken(parts + (key,))]
        if len(given) != 1:
            self.bad(parts, "wrong type", "exactly one of " + ", ".join(schema.REST_ACTIONS)
                     + " in a REST action", ", ".join(given) or "none")
        conference = self.rest_target(parts, action, given, names)
        update = None
        if action.update_call is not None:
            update = self.build_update(parts + ("update_call",), action.update_call)
        if action.recording is not None and rules.recording_problem(action.recording):
            self.bad(parts + ("recording",), "bad value", "paused or recording",
                     action.recording)
        if action.put_bxml is not None:
            if not action.put_bxml.strip():
                self.bad(parts + ("put_bxml",), "bad value", "a BXML document", action.put_bxml)
        return model.RestAction(at=action.at, call=call, update_call=update,
                                recording=action.recording, put_bxml=action.put_bxml,
                                line=self.line(*parts), **conference)

    def rest_target(self, parts: tuple, action: schema.RestDoc, given: list,
                    names: set) -> dict:
        """A request names one target: ``call`` for a call action, ``conference`` for a
        conference action (load_conference.py checks those); the conference fields."""
        if action.call is not None and action.conference is not None:
            self.bad(parts, "conflicting keys", "either call (the target of update_call, "
                     "recording, put_bxml) or conference (of update_conference, "
                     "put_conference_bxml, update_conference_member), not both",
                     "call, conference")
            return {}
        if len(given) != 1:  # reported above
            return {}
        if given[0] not in model.CONFERENCE_ACTIONS:
            if action.conference is not None:
                self.bad(parts + ("conference",), "not allowed", f"call (or nothing: main) with "
                         f"{given[0]}, which acts on a call", action.conference)
            return {}
        if action.conference is None:
            self.bad(parts, "missing required key", f"conference (the <Conference> name that "
                     f"{given[0]} acts on)")
            return {}
        return build_conference_action(self, parts, action, names)

    def build_update(self, parts: tuple, update: model.UpdateCall | model.UpdateConference,
                     rule: rules.UpdateRule = rules.CALL_UPDATE):
        """A REST update (``update_call``, load_conference's ``update_conference``) checked
        by its rest_rules rule: the state, redirect_url when active, the keys written that
        completed forbids; then its redirect webhook."""
        key = rule.state_key
        written = self.written(parts)
        given = {field: getattr(update, field) for field in rule.not_when_completed
                 if field in written}
        given["redirect_url"] = update.redirect_url
        bad_state, missing = _UPDATE_WORDS[rule]
        for problem in rules.update_problems(rule, getattr(update, key), given):
            if problem.code == rules.BAD_VALUE:
                self.bad(parts + (key,), "bad value", bad_state, problem.value)
            elif problem.code == rules.MISSING:
                self.bad(parts, "missing required key", missing)
            else:
                self.bad(parts + (problem.field,), "not allowed", f"no {problem.field} with "
                         f"{key}: completed ({rule.section})", problem.value)
        self.redirect(parts, update)
        if isinstance(update, model.UpdateCall):
            self.limits(parts, update, ("tag",))
        return update

    def redirect(self, parts: tuple, redirect: model.Redirect) -> None:
        """The URLs, methods and credentials of a REST update's redirect webhook."""
        self.method(parts + ("redirect_method",), redirect.redirect_method)
        self.url(parts + ("redirect_url",), redirect.redirect_url)
        self.url(parts + ("redirect_fallback_url",), redirect.redirect_fallback_url)
        self.method(parts + ("redirect_fallback_method",), redirect.redirect_fallback_method)
        self.limits(parts, redirect, rules.CREDENTIALS)

    def check_refs(self, app: model.AppSettings, names: set) -> bool:
        """Every ``{{...}}`` of the scenario (any string, expect included) and of its text
        route files must be a reference that can be expanded (refs.py). True when a string of
        the scenario holds a ``{{``."""
        def report(parts, message, expected, got, hint) -> None:
            self.bad(parts, message, expected, got, hint=hint)

        found = self.braces and refs.check(self.doc, names, report)
        for key, route in app.routes.items():
            if route.file is None or route.file.suffix.lower() not in refs.TEXT_SUFFIXES \
                    or route.bxml is not None:
                continue
            try:
                text = refs.route_text(route.file)
            except (OSError, UnicodeDecodeError, ValueError):
                continue  # reported above (missing, unusable) or by transports.py (unreadable)
            if text is None:
                continue  # no `{{` in it
            for ref, hint in refs.problems(text, names):
                self.bad(("app", "routes", key), f"unknown call reference in {route.file.name}",
                         refs.expected(names), ref, hint=hint)
        return found

    def build_steps(self, parts: tuple, steps: list) -> tuple[model.Step, ...]:
        return tuple(self.build_step(parts + (i,), step) for i, step in enumerate(steps)
                     if step is not None)

    def build_step(self, parts: tuple, step: schema.StepDoc) -> model.Step:
        line = self.line(*parts)
        self.seconds(parts + ("at",), step.at)
        if isinstance(step, schema.WaitForDoc):
            if step.wait_for not in VERB_NAMES:
                close = difflib.get_close_matches(step.wait_for, VERB_NAMES, n=1)
                self.bad(parts + ("wait_for",), "unknown BXML verb", "a verb name such as Record",
                         step.wait_for, hint=repr(close[0]) if close else None)
            return model.WaitFor(verb=step.wait_for, at=step.at, line=line)
        if isinstance(step, schema.SayDoc):
            if not step.say.strip():
                self.bad(parts + ("say",), "bad value", "some words to say", step.say)
            self.seconds(parts + ("seconds",), step.seconds, positive=True)
            return model.Say(text=step.say, seconds=step.seconds, at=step.at, line=line)
        if isinstance(step, schema.SilenceDoc):
            self.seconds(parts + ("silence",), step.silence)
            return model.Silence(seconds=step.silence, at=step.at, line=line)
        if isinstance(step, schema.PressDoc):
            if not DTMF_DIGITS.match(step.press):
                self.bad(parts + ("press",), "bad DTMF digits", "characters from 0-9 * # A-D",
                         step.press)
            self.seconds(parts + ("tone",), step.tone, positive=True)
            self.seconds(parts + ("gap",), step.gap)
            return model.Press(digits=step.press, tone=step.tone, gap=step.gap, at=step.at,
                               line=line)
        if isinstance(step, schema.PlayDoc):
            path = self.existing_file(parts + ("play",), step.play)
            return model.Play(path=path, at=step.at, line=line)
        if not step.hangup:
            self.bad(parts + ("hangup",), "bad value", "true (omit the step to stay on the line)",
                     step.hangup)
        return model.Hangup(at=step.at, line=line)
