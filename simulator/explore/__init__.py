"""``bxmlsim explore``: search the call paths of a flow, report what goes wrong on them.

``explore(scenario, options, run_many)`` returns an :class:`Exploration`: every distinct path
found (``search``), what went wrong on each (``paths.problems``) and across them
(``findings``: Gathers whose keys change nothing, documents and routes no path reached, verbs
never run), and the app's coverage by all of them. ``emit`` writes the paths as scenario
files; ``report`` renders the tables ``bxmlsim explore`` prints. docs/explore.md explains the
search and its bounds.

Modules: ``choices`` (where a run can branch, and how), ``search`` (the breadth-first search),
``paths`` (signatures, endings, per-path problems), ``findings``, ``runners`` (inline, -j,
dask), ``emit``, ``report``.
"""

from __future__ import annotations

from typing import Any

import attrs

from simulator.coverage.data import Coverage
from simulator.explore.findings import coverage_of, same_document, unreached, unreached_verbs
from simulator.explore.paths import Finding
from simulator.explore.search import (MERGE_MODES, ExploredPath, ExploreError, Options, RunMany,
                                      Stats, explore as search)
from simulator.scenario import model

FORMAT = "bxmlsim-explore/1"

__all__ = ["FORMAT", "MERGE_MODES", "NOTICE_RANK", "Exploration", "ExploreError",
           "ExploredPath", "Finding", "Options", "explore"]


#: findings from this rank on are notices (unreached things), not failures of a path
NOTICE_RANK = Finding("same-document", "").rank


@attrs.frozen
class Exploration:
    scenario: model.Scenario = attrs.field(repr=False)
    options: Options
    paths: tuple[ExploredPath, ...]
    stats: Stats
    findings: tuple[Finding, ...]  # every finding, the most serious first
    coverage: Coverage = attrs.field(repr=False)

    @property
    def failed(self) -> bool:
        """True when some finding is a failure (not only something unreached or unusual)."""
        return any(f.rank < NOTICE_RANK for f in self.findings)

    @property
    def complete(self) -> bool:
        return not (self.stats.unexplored or self.stats.beyond_depth)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT,
                "scenario": {"name": self.scenario.name,
                             "file": str(self.scenario.file) if self.scenario.file else None},
                "options": attrs.asdict(self.options), "complete": self.complete,
                "stats": self.stats.to_json(),
                "findings": [f.to_json() for f in self.findings],
                "paths": [p.to_json() for p in self.paths],
                "coverage": self.coverage.totals().to_json()}


def explore(scenario: model.Scenario, options: Options, run_many: RunMany,
            on_progress=None) -> Exploration:
    paths, stats = search(scenario, options, run_many, on_progress)
    coverage = coverage_of(scenario, paths)
    per_path = [f for path in paths for f in path.findings]
    found = per_path + same_document(paths, scenario) + unreached(coverage, stats) \
        + unreached_verbs(coverage)
    ordered = sorted(found, key=lambda f: (f.rank, f.path or 0))
    return Exploration(scenario, options, tuple(paths), stats, tuple(ordered), coverage)
