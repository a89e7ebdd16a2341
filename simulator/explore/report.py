"""What ``bxmlsim explore`` prints: findings (failures first), the paths, a summary.

Builds rich renderables and text; the CLI prints them (it is the only module that prints).
Findings come first, each with the path that shows it and the caller behaviour that
reproduces it (and the app's traceback when the app raised); then every path with how it
ended, the failing ones first; then the summary: paths, runs, what the bounds cut, findings by
kind, coverage of the app.
"""

from __future__ import annotations

from collections import Counter

from rich.markup import escape
from rich.table import Table

from simulator.coverage.report import percent_text
from simulator.explore import NOTICE_RANK, Exploration

TRACEBACK_LINES = 12  # the end of an app's traceback, in the terminal


def findings_text(exploration: Exploration, *, verbose: bool = False) -> list[str]:
    """Rich-markup lines: each finding, then how to reproduce it."""
    lines: list[str] = []
    paths = {p.number: p for p in exploration.paths}
    shown_tracebacks: set[str] = set()
    for finding in exploration.findings:
        failure = finding.rank < NOTICE_RANK
        colour = "red" if failure else "yellow"
        head = f"[bold {colour}]{finding.kind}[/bold {colour}]"
        where = f" path {finding.path}:" if finding.path else ""
        lines.append(f"{head}{where} {escape(finding.message)}")
        path = paths.get(finding.path) if finding.path else None
        if path is not None and finding.kind != "same-document":
            lines.append(f"    caller: {escape(path.description)}")
        if finding.detail and (verbose or finding.detail not in shown_tracebacks):
            shown_tracebacks.add(finding.detail)
            detail = finding.detail.rstrip().splitlines()
            if len(detail) > TRACEBACK_LINES and not verbose:
                detail = ["..."] + detail[-TRACEBACK_LINES:]
            lines += [f"    {escape(line)}" for line in detail]
    return lines


def paths_table(exploration: Exploration) -> Table:
    table = Table(title="Paths", title_justify="left", show_lines=False, expand=False)
    table.add_column("#", justify="right")
    table.add_column("caller")
    table.add_column("ended")
    table.add_column("problems")
    ordered = sorted(exploration.paths, key=lambda p: (not p.failed, p.number))
    for path in ordered:
        kinds = ", ".join(sorted({f.kind for f in path.findings}))
        style = "red" if path.failed else None
        table.add_row(str(path.number), escape(path.description), escape(path.ended),
                      escape(kinds), style=style)
    return table


def summary_table(exploration: Exploration, seconds: float | None = None) -> Table:
    stats = exploration.stats
    table = Table(title="Summary", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [("distinct paths", len(exploration.paths)), ("runs", stats.runs),
            ("duplicate runs (same path)", stats.duplicates)]
    if seconds:
        rows.append(("paths per second", f"{len(exploration.paths) / seconds:.1f}"))
    rows += [("choices past --max-depth", stats.beyond_depth),
             ("choices at points the path had branched at", stats.revisited),
             ("choices at points another path had branched at", stats.merged),
             ("branches left at --max-paths", stats.unexplored)]
    for kind, count in sorted(Counter(f.kind for f in exploration.findings).items()):
        rows.append((f"finding: {kind}", count))
    totals = exploration.coverage.totals()
    for name, count in (("documents reached", totals.documents), ("verbs run", totals.verbs),
                        ("Gather outcomes seen", totals.outcomes),
                        ("routes requested", totals.routes)):
        if count.total:
            rows.append((name, f"{count.hit}/{count.total} ({percent_text(count)})"))
    for what, value in rows:
        table.add_row(what, str(value))
    return table


def headline(exploration: Exploration, source: str, seconds: float | None = None) -> str:
    stats = exploration.stats
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    scope = "complete" if exploration.complete else "cut short by the bounds"
    failures = sum(1 for f in exploration.findings if f.rank < NOTICE_RANK)
    return (f"explored {escape(source)}: {len(exploration.paths)} distinct paths "
            f"({stats.runs} runs){took}, {scope}; {failures} failure"
            f"{'s' if failures != 1 else ''}")
