"""Where a call can go another way, and the caller behaviours that take it there.

``points(result, scenario)`` reads one run (a result.json object, through
``coverage.trace``) and lists its **points**: each verb the scenario's own call ran (the caller
may hang up during any of them), the Gathers, Records and Transfers among them (which also
take input), and each call the app created (``calls:``; its far end may answer, be busy or not
answer). Each point carries its **choices**, what the explorer tries there besides what the
run did (the caller stayed silent, the parties did what the scenario says):

* Gather: each single key 0-9 * #, the numbers its prompt offers (``coverage.outline``), with
  a terminating key after them, a full entry of ``maxDigits`` keys (up to 16); a Gather that
  takes speech (``input="speech"`` or ``"dtmf_speech"``) is also spoken at: each of its
  ``hints`` (split as engine/recognition.py splits them), then a phrase no hint matches (an
  unrecognised answer); a speech-only one gets no keys (the engine ignores them there:
  engine/verbs/gather_speech.py, docs/engine.md "Speech input in Gather");
* Record: speaking then each terminating key, speaking then silence (with silenceTimeout),
  speaking past maxDuration, speaking then hanging up;
* Transfer: every target busy, none answering, each one answering (then talking and hanging
  up, so the transfer ends);
* a created call: answered, busy, not answered; with ``machine_detection``, answered by a far
  end that greets as each verdict needs (the choices below, set as that call's steps);
* answering-machine detection of an outbound call (``call.machine_detection``): at the answer,
  the far end greets like a person (a short "Hello?", then silence), like a machine (a
  greeting past speechThreshold), starts talking too late to be decided before
  detectionTimeout, or hangs up before the verdict (a silent far end is the run itself);
  each is a verdict of engine/amd.py (human, answering-machine, timeout, none; silence);
* any verb that lasts: the caller hanging up in its middle.

Choices are scenario changes: caller steps at virtual times taken from the run (``at``,
seconds since the answer, to the millisecond), party/created-call statuses, or a created
call's far-end steps (``at`` since that call's answer). The run with a choice replays the run
it came from up to the point (determinism), then goes its own way.
"""

from __future__ import annotations

from typing import Any

import attrs

from simulator.bxml import nodes
from simulator.coverage.outline import menu_keys, spoken_hints
from simulator.coverage.trace import Document, Executed, Trace, trace
from simulator.engine.caller import SECONDS_PER_WORD
from simulator.engine.recognition import apply_hints
from simulator.scenario import model

#: keys pressed at every Gather (A-D, which phones rarely have, are left out)
KEYS = "0123456789*#"
#: seconds after a verb starts before the caller acts (so the verb listens already)
REACTION = 0.1
SPEECH = "This is a test message from the explorer."
SPEECH_SECONDS = 2.0
PARTY_SPEECH = "Hello, you have reached the party you called."
#: how long a spoken answer lasts: the engine's pace for a `say` without seconds
#: (engine/caller.py SECONDS_PER_WORD), at least SAY_MIN_SECONDS, so a one-word answer is heard
#: as a word; the Gather then ends speechTimeout after it ("speech-timeout")
SAY_MIN_SECONDS = 0.6
#: what a caller says that no hint matches: the first of these in which no word is a hint's
#: word and that recognition leaves as it is (so an app looking for a hint's word finds none)
UNRECOGNISED = ("I am not sure", "Could you repeat that", "Banana pancakes")
MAX_FULL_ENTRY = 16  # a full entry of maxDigits keys is tried up to this many digits
#: verbs that take input from the caller or reach another party
INPUT_VERBS = ("Gather", "Record", "Transfer")
#: ``Point.verb`` of the answering-machine detection of the scenario's outbound call
DETECTION = "machine-detection"
PERSON_GREETING = "Hello?"
MACHINE_GREETING = ("Hi, you have reached the voicemail of the person you called. Please "
                    "leave a message after the tone.")


@attrs.frozen
class Choice:
    """Something the explorer makes happen at a point."""

    label: str  # "press 1", 'say "sales"', "speak, then press #", "+15555550123 busy", ...
    kind: str  # press | say | record | hangup | party | call | detection
    steps: tuple[model.Step, ...] = ()  # caller steps to add (each with its own `at`)
    parties: tuple[tuple[str, model.Party], ...] = ()  # parties to set
    calls: tuple[tuple[str, str], ...] = ()  # (created call name, status) to set
    # (created call name, its far end's steps) to set: what it does at its own answer
    call_callers: tuple[tuple[str, tuple[model.Step, ...]], ...] = ()
    ends: bool = False  # the caller hangs up: nothing is explored after it


@attrs.frozen
class Point:
    """A verb (or a created call) where a run can branch."""

    index: int  # its timeline position (verb-start, or the created call's rest entry)
    at: float
    verb: str  # the verb name, or "call" for a created call
    document: Document | None
    path: str | None
    line: int | None
    col: int | None
    takes_input: bool  # Gather/Record/Transfer/created call: counts towards --max-depth
    choices: tuple[Choice, ...]
    node: nodes.Node | None = attrs.field(default=None, eq=False, repr=False)
    name: str | None = None  # a created call's name
    outcome: tuple = ()  # how the verb ended in this run (reason, cause): what it lasted

    @property
    def state(self) -> tuple:
        """What the point is, whatever run it is in: the document (its body: the same BXML
        from another URL is the same menu, since its webhooks name where they go) and the
        verb's place in it. A path that comes back to a state has been here already."""
        if self.verb == "call":
            return ("call", self.name)
        if self.verb == DETECTION:
            return (DETECTION,)
        return (self.document.digest if self.document else None, self.path or self.line,
                self.verb)

    @property
    def where(self) -> str:
        """``/menu 2:3 Gather``: where the point is, for people."""
        url = self.document.url if self.document and self.document.url else "?"
        short = url.split("://", 1)[-1].partition("/")[2]
        place = f"{self.line}:{self.col}" if self.col else f"line {self.line}"
        if self.verb == "call":
            return f"created call {self.name}"
        if self.verb == DETECTION:
            return "answering-machine detection"
        return f"/{short} {place} {self.verb}"


def answer_time(result: dict[str, Any]) -> float | None:
    """When the scenario's own call was answered (the caller script starts then)."""
    calls = result.get("calls") or []
    if not calls:
        return None
    main = calls[0]["callId"]
    return next((float(e["at"]) for e in result.get("timeline") or []
                 if e.get("kind") == "answer" and e.get("callId") == main), None)


def points(result: dict[str, Any], scenario: model.Scenario,
           run: Trace | None = None) -> list[Point]:
    """Every point of the run, in timeline order (see the module doc)."""
    calls = result.get("calls") or []
    answered = answer_time(result)
    if not calls:
        return []
    main = calls[0]["callId"]
    found: list[Point] = []
    for executed in (run or trace(result)).executed:
        if executed.call_id != main or answered is None or executed.start < answered:
            continue  # the caller script runs from the answer, on its own call only
        node = _node(executed)
        choices = list(_input_choices(executed, node, answered, scenario))
        if executed.end is not None and executed.end > executed.start:
            middle = round((executed.start + executed.end) / 2 - answered, 3)
            choices.append(Choice("hang up", "hangup",
                                  (model.Hangup(at=middle),), ends=True))
        if choices:
            detail = executed.end_detail or {}
            found.append(Point(executed.index, executed.start, executed.verb, executed.document,
                               executed.path, executed.line, executed.col,
                               executed.verb in INPUT_VERBS and not executed.nested,
                               tuple(choices), node,
                               outcome=(detail.get("reason"), detail.get("cause"))))
    found += _created_calls(result, scenario)
    found += _machine_detection(result, scenario)
    return sorted(found, key=lambda p: p.index)


def _node(executed: Executed) -> nodes.Node | None:
    """The parsed verb of a verb run (None when its document is not known)."""
    if executed.document is None or executed.path is None:
        return None
    verb = executed.document.outline.by_path(executed.path)
    return verb.node if verb is not None else None


def _input_choices(executed: Executed, node: nodes.Node | None, answered: float,
                   scenario: model.Scenario):
    start = round(executed.start - answered + REACTION, 3)
    if isinstance(node, nodes.Gather) and not executed.nested:
        if node.input != "speech":  # a speech-only Gather ignores keys
            for digits in gather_entries(node):
                yield Choice(f"press {digits}", "press", (model.Press(digits=digits, at=start),))
        if node.input in ("speech", "dtmf_speech"):
            for text in spoken_answers(node):
                yield Choice(f'say "{text}"', "say", (model.Say(text=text, at=start,
                                                              seconds=say_seconds(text)),))
    elif isinstance(node, nodes.Record):
        say = model.Say(text=SPEECH, seconds=SPEECH_SECONDS, at=start)
        for key in node.terminating_digits:
            yield Choice(f"speak, then press {key}", "record", (say, model.Press(digits=key)))
        if node.silence_timeout > 0:
            yield Choice("speak, then stay silent", "record", (say,))
        yield Choice(f"speak past maxDuration ({node.max_duration:g} s)", "record",
                     (attrs.evolve(say, seconds=node.max_duration + 1),))
        yield Choice("speak, then hang up", "hangup", (say, model.Hangup()), ends=True)
    elif isinstance(node, nodes.Transfer):
        yield from _transfer_choices(node, scenario)


def gather_entries(gather: nodes.Gather) -> list[str]:
    """What is pressed at a Gather: each key, the numbers the prompt offers (also followed by
    a terminating key), one key then each terminating key, a full entry of maxDigits keys."""
    entries = list(KEYS)
    terminators = gather.terminating_digits
    for number in menu_keys(gather):
        entries.append(number)
        if terminators and number not in terminators:
            entries.append(number + terminators[0])
    if gather.max_digits > 1:
        entries += ["1" + key for key in terminators]
        if gather.max_digits <= MAX_FULL_ENTRY:
            entries.append(("1234567890" * 2)[:gather.max_digits])
    return list(dict.fromkeys(e for e in entries
                              if len(e.rstrip(terminators)) <= gather.max_digits))


def spoken_answers(gather: nodes.Gather) -> list[str]:
    """What is said at a Gather that takes speech: each hint as written, then a phrase no hint
    matches (``UNRECOGNISED``; none when every candidate matches one). A hint's words are said
    one space apart (recognition compares words: a newline of ``&#10;`` in the attribute is
    the same hint, and is not written into an emitted file's lines)."""
    hints = list(spoken_hints(gather))
    words = {word.lower() for hint in hints for word in hint.split()}
    other = next((phrase for phrase in UNRECOGNISED
                  if not words & {w.lower() for w in phrase.split()}
                  and apply_hints(phrase, hints) == phrase), None)
    return list(dict.fromkeys([*hints, *([other] if other else [])]))


def say_seconds(text: str) -> float:
    """How long saying ``text`` lasts: the caller's pace (engine/caller.py ``SECONDS_PER_WORD``),
    at least ``SAY_MIN_SECONDS``."""
    return round(max(SAY_MIN_SECONDS, SECONDS_PER_WORD * len(text.split())), 3)


def _transfer_choices(node: nodes.Transfer, scenario: model.Scenario):
    targets = [getattr(t, "number", None) or getattr(t, "uri", None) for t in node.targets]
    targets = [t for t in targets if t]
    silent = model.Party(status="no-answer")

    def answering(number: str) -> model.Party:
        known = scenario.parties.get(number)
        if known is not None and known.status == "answer" and known.caller:
            return known
        return model.Party(status="answer", answer_after=2.0, caller=(
            model.Say(text=PARTY_SPEECH, seconds=SPEECH_SECONDS), model.Hangup()))

    many = len(targets) > 1
    yield Choice("every target busy" if many else f"{targets[0]} busy", "party",
                 parties=tuple((t, model.Party(status="busy")) for t in targets))
    yield Choice("no target answers" if many else f"{targets[0]} does not answer", "party",
                 parties=tuple((t, silent) for t in targets))
    for target in targets:
        others = tuple((t, silent) for t in targets if t != target)
        yield Choice(f"{target} answers", "party", parties=((target, answering(target)),
                                                             *others))


def _created_calls(result: dict[str, Any], scenario: model.Scenario) -> list[Point]:
    """A point per call the app created (``calls:``), at its createCall entry."""
    found = []
    for index, entry in enumerate(result.get("timeline") or []):
        detail = entry.get("detail") or {}
        if entry.get("kind") != "rest" or detail.get("action") != "create_call":
            continue
        name = detail.get("name")
        spec = scenario.calls.get(name)
        if spec is None:
            continue
        choices = tuple(Choice(f"created call {name} {label}", "call",
                               calls=((name, status),))
                        for status, label in (("answer", "answered"), ("busy", "busy"),
                                              ("no-answer", "not answered"))
                        if status != spec.status)
        if spec.machine_detection is not None:
            # answered, its far end greeting as each verdict needs (its own steps, ``at``
            # since its answer); hanging up there ends that call only, not the path
            choices += tuple(Choice(f"created call {name}: {choice.label}", "call",
                                    calls=((name, "answer"),),
                                    call_callers=((name, choice.steps),))
                             for choice in detection_choices(spec.machine_detection))
        found.append(Point(index, float(entry.get("at") or 0.0), "call", None, None, None,
                           None, True, choices, name=name))
    return found


def detection_choices(config: model.MachineDetection) -> list[Choice]:
    """What the far end of an outbound call does at the answer to reach each verdict of
    engine/amd.py ``classify`` (a silent far end, the run itself, is ``silence``, or
    ``timeout`` when silenceTimeout is past detectionTimeout). Times are seconds since the
    answer; the later choices of a path follow (a step due while one still runs waits)."""
    hello = round(min(1.0, config.speech_threshold / 2), 3)
    greeting = round(config.speech_threshold + 2.0, 3)
    choices = [
        Choice(f"a person answers: 'Hello?' ({hello:g} s), then silence", "detection",
               (model.Say(text=PERSON_GREETING, seconds=hello, at=0.0),)),
        Choice(f"an answering machine answers: a greeting of {greeting:g} s", "detection",
               (model.Say(text=MACHINE_GREETING, seconds=greeting, at=0.0),))]
    # speech that starts so late it neither ends nor lasts speechThreshold by detectionTimeout
    late = round(max(0.5, config.detection_timeout - config.speech_threshold + 0.5), 3)
    if late < min(config.silence_timeout, config.detection_timeout):
        talk = round(config.detection_timeout - late + 1.0, 3)
        choices.append(Choice(f"the far end starts talking at {late:g} s, past "
                              f"detectionTimeout ({config.detection_timeout:g} s)",
                              "detection", (model.Say(text=MACHINE_GREETING, seconds=talk,
                                                      at=late),)))
    before = round(min(config.silence_timeout, config.detection_timeout) / 2, 3)
    choices.append(Choice(f"the far end hangs up at {before:g} s, before a verdict", "hangup",
                          (model.Hangup(at=before),), ends=True))
    return choices


def _machine_detection(result: dict[str, Any], scenario: model.Scenario) -> list[Point]:
    """The point of the outbound call's answering-machine detection, at its answer entry."""
    config = scenario.call.machine_detection
    calls = result.get("calls") or []
    if config is None or scenario.call.direction != "outbound" or not calls:
        return []
    main = calls[0]["callId"]
    timeline = result.get("timeline") or []
    index = next((i for i, e in enumerate(timeline)
                  if e.get("kind") == "answer" and e.get("callId") == main), None)
    if index is None:
        return []
    verdict = next(((e.get("detail") or {}).get("value") for e in timeline
                    if e.get("kind") == DETECTION and e.get("callId") == main), None)
    return [Point(index, float(timeline[index].get("at") or 0.0), DETECTION, None, None, None,
                  None, True, tuple(detection_choices(config)), outcome=(verdict,))]
