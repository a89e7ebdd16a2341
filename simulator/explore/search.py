"""The search: breadth-first over the caller behaviours of ``choices``, bounded, deterministic.

A :class:`Branch` is a scenario to run: the starting scenario with the caller steps and party
statuses chosen so far. The first branch is the starting scenario with a silent caller; each
run is a path (unless its signature, ``paths.signature``, was seen already: a duplicate, not
expanded again). Expanding a run means: for every point after the one its own choice was made
at, every choice there becomes a new branch, queued behind all the branches already waiting
(breadth first). The caller stays silent at the points a branch passes without a choice, so
one run also explores "no input" through every timeout and repeat that follows.

Bounds: ``max_paths`` distinct paths; ``max_depth`` points taking input (Gather, Record,
Transfer, created call) along a path, the one branched at included; ``revisits``: how many
times a path may branch at the same point (the same verb of the same document): a path that
comes back to a menu has explored it already, so by default it does not branch there again
(the app's hidden state may differ: raise it to look). ``merge``: whether a point reached by
two paths is branched at once overall ("states": right when the app's replies depend only on
the URL, canned routes and static files, the default for them) or once per path ("paths":
the default for an app with code, whose replies may depend on state it keeps).

Runs go through ``run_many(scenarios) -> outcomes`` (``batch.Outcome``: inline, a process
pool, dask; see ``explore.runners``); whatever runs them, branches are taken in queue order in
batches whose size only depends on the bounds, so the paths found and their numbers are the
same for -j 1, -j N and dask, and for the same seed.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from simulator.coverage.trace import Trace, requests, trace
from simulator.errors import SimulatorError
from simulator.explore.choices import DETECTION, Choice, Point, answer_time, points
from simulator.explore.paths import Finding, ending, problems, signature
from simulator.scenario import model

RunMany = Callable[[Sequence[model.Scenario]], Sequence[Any]]  # -> batch.Outcome per scenario
_ACTIONS = ("digit", "speech", "audio", "remote-hangup")  # timeline kinds a caller step makes


class ExploreError(SimulatorError):
    """The starting scenario cannot run at all (its app does not import, ...)."""


#: ``Options.merge`` values
MERGE_MODES = ("auto", "states", "paths")


@attrs.frozen
class Options:
    max_paths: int = 200
    max_depth: int = 10
    revisits: int = 1
    seed: int | None = None
    # "states": a point is branched at once in the whole exploration (sound when replies depend
    # only on the URL: canned routes, static files); "paths": once per path (an app with code
    # may answer the same document differently later, from state it keeps); "auto": "states"
    # for an app without code, else "paths"
    merge: str = "auto"
    # virtual seconds a call may last while exploring (at most the scenario's max_duration):
    # a path still going then is a loop; a shorter bound keeps loops cheap to find
    max_duration: float = 900.0

    def merges_states(self, scenario: model.Scenario) -> bool:
        if self.merge != "auto":
            return self.merge == "states"
        app = scenario.app
        return not (app.wsgi or app.asgi or app.unmatched == "http" or
                    not (app.routes or app.bxml is not None or app.static is not None
                         or app.unmatched == "no-app"))


@attrs.frozen
class Branch:
    steps: tuple[model.Step, ...] = ()
    parties: tuple[tuple[str, model.Party], ...] = ()
    calls: tuple[tuple[str, str], ...] = ()
    call_callers: tuple[tuple[str, tuple[model.Step, ...]], ...] = ()  # created calls' far ends
    description: tuple[str, ...] = ()
    depth: int = 0
    visits: tuple[tuple[tuple, int], ...] = ()  # points passed (state, times) up to the choice
    anchor: int = -1  # timeline index of the point the last choice was made at
    anchor_at: float | None = None  # absolute time of its first caller step (None: no step)
    ends: bool = False
    parent: int | None = None  # the path it branched from
    prefix: str | None = None  # digest of the parent's timeline up to the anchor
    choice: Choice | None = None
    point: Point | None = attrs.field(default=None, eq=False)


@attrs.frozen
class ExploredPath:
    number: int
    branch: Branch
    scenario: model.Scenario = attrs.field(eq=False, repr=False)
    result: dict[str, Any] = attrs.field(eq=False, repr=False)
    signature: tuple = attrs.field(eq=False, repr=False)
    ended: str
    findings: tuple[Finding, ...] = ()

    @property
    def description(self) -> str:
        return "; ".join(self.branch.description) or "the caller stays silent"

    @property
    def failed(self) -> bool:
        """True when something went wrong on the path (its findings are all failures: the
        notices are about the whole exploration)."""
        return bool(self.findings)

    def to_json(self) -> dict[str, Any]:
        call = (self.result.get("calls") or [{}])[0]
        return {"number": self.number, "parent": self.branch.parent,
                "choices": list(self.branch.description), "depth": self.branch.depth,
                "ended": self.ended, "disconnectCause": call.get("disconnectCause"),
                "endAt": _end_at(self.result),
                "documents": _documents(self.result),
                "findings": [f.to_json() for f in self.findings]}


@attrs.define
class Stats:
    runs: int = 0
    duplicates: int = 0
    beyond_depth: int = 0  # choices not tried: past --max-depth
    revisited: int = 0  # choices not tried: the path had branched at that point already
    merged: int = 0  # choices not tried: another path branched at that point (merge states)
    unexplored: int = 0  # branches left in the queue at --max-paths

    def to_json(self) -> dict[str, int]:
        return attrs.asdict(self)


def explore(base: model.Scenario, options: Options, run_many: RunMany,
            on_progress: Callable[[int, int, int], None] | None = None
            ) -> tuple[list[ExploredPath], Stats]:
    """Every distinct path from ``base`` within the bounds, in the order found."""
    if options.seed is not None:
        base = attrs.evolve(base, seed=options.seed)
    limit = min(base.call.max_duration, options.max_duration)
    base = attrs.evolve(base, name=f"{base.name} (explore)", caller=(), expect=None,
                        call=attrs.evolve(base.call, max_duration=limit))
    in_process = bool(base.app.wsgi or base.app.asgi)
    branched: set[tuple] | None = set() if options.merges_states(base) else None
    queue: deque[Branch] = deque([Branch()])
    seen: set[tuple] = set()
    paths: list[ExploredPath] = []
    stats = Stats()
    while queue and len(paths) < options.max_paths:
        batch = [queue.popleft() for _ in range(min(len(queue), options.max_paths - len(paths)))]
        scenarios = [scenario_for(base, branch) for branch in batch]
        outcomes = list(run_many(scenarios))
        stats.runs += len(batch)
        for branch, scenario, outcome in zip(batch, scenarios, outcomes):
            if outcome.error is not None or outcome.result is None:
                if branch.parent is None:  # the starting scenario itself cannot run
                    raise ExploreError(outcome.error or "the scenario did not run")
                raise ExploreError(f"a run of path {branch.parent}'s branch failed: "
                                   f"{outcome.error}")
            result = outcome.result
            run = trace(result)
            key = signature(result, run)
            if key in seen:
                stats.duplicates += 1
                continue
            seen.add(key)
            number = len(paths) + 1
            findings = problems(result, number, in_process=in_process, run=run)
            if branch.prefix is not None and \
                    _Prefixes(result).digest(branch.anchor) != branch.prefix:
                findings.append(Finding(
                    "nondeterministic", f"replaying path {branch.parent} up to "
                    f"{branch.point.where if branch.point else 'its branch point'} gave a "
                    "different run: the app answers the same call differently (state kept "
                    "between calls?); the paths after it may not be reproducible", number))
            paths.append(ExploredPath(number, branch, scenario, result, key,
                                      ending(result, run), tuple(findings)))
            if not branch.ends:
                queue.extend(_children(branch, number, result, run, base, options, stats,
                                       branched))
        if on_progress is not None:
            on_progress(len(paths), stats.runs, len(queue))
    stats.unexplored = len(queue)
    return paths, stats


def scenario_for(base: model.Scenario, branch: Branch) -> model.Scenario:
    """The scenario that runs a branch: ``base`` with its steps, parties and call statuses."""
    parties = dict(base.parties)
    parties.update(branch.parties)
    calls = dict(base.calls)
    for name, status in branch.calls:
        calls[name] = attrs.evolve(calls[name], status=status)
    for name, steps in branch.call_callers:
        calls[name] = attrs.evolve(calls[name], caller=steps)
    return attrs.evolve(base, caller=branch.steps, parties=parties, calls=calls)


def _children(branch: Branch, number: int, result: dict[str, Any], run: Trace,
              base: model.Scenario,
              options: Options, stats: Stats, branched: set[tuple] | None):
    cursor = _cursor(branch, result)
    prefixes = _Prefixes(result)
    visits = dict(branch.visits)
    depth = branch.depth
    passed: list[str] = []
    for point in points(result, base, run):
        if point.index < cursor or (point.index == cursor and branch.anchor_at is not None):
            continue
        times = visits.get(point.state, 0)
        if point.index == cursor:
            # the choice here was a party's or created call's: what it changed is how long
            # this verb lasts, so hanging up during it is new; the point is not counted again
            point = attrs.evolve(point, takes_input=False, choices=tuple(
                c for c in point.choices if c.kind not in ("party", "call")))
            times = 0
        level = depth + (1 if point.takes_input else 0)
        if times >= options.revisits:
            stats.revisited += len(point.choices)
        elif level > options.max_depth:
            stats.beyond_depth += len(point.choices)
        else:
            fresh = list(point.choices)
            if branched is not None:
                # each choice at a state once overall; hanging up during a verb that ended
                # otherwise (a transfer answered, not rung out) is another choice
                keys = {c: (point.state, c.label, point.outcome if c.kind == "hangup" else ())
                        for c in fresh}
                fresh = [c for c in fresh if keys[c] not in branched]
                stats.merged += len(point.choices) - len(fresh)
                branched.update(keys[c] for c in fresh)
            prefix = prefixes.digest(point.index) if fresh else ""
            here = tuple({**visits, point.state: times + 1}.items())
            for choice in fresh:
                first = next((s.at for s in choice.steps if s.at is not None), None)
                anchor_at = None if first is None else first + _answered(result)
                yield Branch(branch.steps + choice.steps, _merge(branch.parties, choice.parties),
                             _merge(branch.calls, choice.calls),
                             _merge(branch.call_callers, choice.call_callers),
                             (*branch.description, *passed, _told(choice, point)),
                             level, here, point.index, anchor_at, choice.ends, number, prefix,
                             choice, point)
        visits[point.state] = times + 1
        if point.takes_input:
            depth = level
            passed.append(_passed(point))


def _passed(point: Point) -> str:
    """``no input at /menu 2:3 Gather``: a point the path went through without a choice."""
    if point.verb in ("Gather", "Record"):
        return f"no input at {point.where}"
    if point.verb == DETECTION:
        return f"the far end stays silent at {point.where}"
    return f"as scripted at {point.where}"


def _told(choice: Choice, point: Point) -> str:
    """``press 1 at /menu 2:3 Gather``, ``hang up during /menu 3:5 SpeakSentence``."""
    if choice.label == "hang up":
        return f"hang up during {point.where}"
    if choice.kind in ("call", "detection") or point.verb == DETECTION:
        return choice.label
    return f"{choice.label} at {point.where}"


def _merge(old: tuple, new: tuple) -> tuple:
    merged = dict(old)
    merged.update(new)
    return tuple(merged.items())


def _cursor(branch: Branch, result: dict[str, Any]) -> int:
    """The timeline index after which the run goes its own way: the first caller action of
    the branch's choice (a key, speech, hang-up), or the point itself for a party choice."""
    if branch.anchor < 0 or branch.anchor_at is None:
        return branch.anchor
    main = (result.get("calls") or [{}])[0].get("callId")
    timeline = result.get("timeline") or []
    for index in range(branch.anchor + 1, len(timeline)):
        entry = timeline[index]
        if entry.get("kind") in _ACTIONS and entry.get("callId") == main \
                and entry.get("at", 0) >= branch.anchor_at - 0.0005:
            return index
    return branch.anchor


def _answered(result: dict[str, Any]) -> float:
    return answer_time(result) or 0.0


class _Prefixes:
    """Digests of a run's timeline up to each index, with the app's replies to its webhooks
    (a replay must match its parent's up to the branch point), chained so that all of them
    cost one pass."""

    def __init__(self, result: dict[str, Any]) -> None:
        self._timeline = result.get("timeline") or []
        self._replies = {r.index: [a.get("responseBody") for a in r.attempts]
                         for r in requests(result)}
        self._digests: list[str] = []

    def digest(self, index: int) -> str:
        while len(self._digests) <= index:
            previous = self._digests[-1] if self._digests else ""
            position = len(self._digests)
            entry = json.dumps([self._timeline[position], self._replies.get(position)],
                               sort_keys=True)
            self._digests.append(hashlib.sha1((previous + entry).encode()).hexdigest())
        return self._digests[index]


def _end_at(result: dict[str, Any]) -> float | None:
    ends = [e.get("at") for e in result.get("timeline") or [] if e.get("kind") == "call-end"]
    return ends[0] if ends else None


def _documents(result: dict[str, Any]) -> list[str]:
    """The URLs whose replies the scenario's call ran, in order."""
    main = (result.get("calls") or [{}])[0].get("callId")
    return [r.url for r in requests(result) if r.sync and r.ok and r.call_id == main]
