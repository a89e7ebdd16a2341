"""The page over many runs: ``bxmlsim run --html`` writes ``index.html`` in its ``--out`` folder,
one row per scenario (status, virtual duration, calls, webhooks, recordings, failures, the link
to its report), sortable and filterable in the browser (``report_assets/index.js``) and a plain
table without JavaScript.

``error_rows(problems)`` are the rows of files that could not be loaded; ``index_row(outcome,
root)`` reads one ``batch.Outcome`` (its name, where, passed, failures,
error and result.json object) into a small dict as soon as the scenario is done, so the run
keeps no result in memory; ``write_index(root, rows)`` writes the page.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .page import render_page
from .values import run_length

INDEX_NAME = "index.html"
#: A row's status (batch.Outcome.status) and how the page says it.
STATUSES = {"passed": "✔ passed", "failed": "✘ failed", "error": "⚠ error",
            "skipped": "– skipped", "xfailed": "✔ xfailed", "xpassed": "✘ xpassed"}
REPORT_NAME = "report.html"


def index_row(outcome: Any, root: Path) -> dict:
    """One scenario's row; ``root`` is the folder the index is written in (``--out``)."""
    result = outcome.result if isinstance(outcome.result, dict) else None
    status = outcome.status  # batch.Outcome's one rule: passed, failed, error, skipped, ...
    report = None
    if outcome.out_dir is not None and (Path(outcome.out_dir) / REPORT_NAME).is_file():
        report = Path(os.path.relpath(Path(outcome.out_dir) / REPORT_NAME, root)).as_posix()
    failures = [f for f in outcome.failures or () if isinstance(f, dict)]
    messages = [(f"line {f['line']}: " if f.get("line") is not None else "") +
                str(f.get("message", "")) for f in failures]
    if outcome.error is not None:
        messages.insert(0, str(outcome.error))
    if getattr(outcome, "reason", None) and status in ("skipped", "xfailed", "xpassed"):
        messages.insert(0, f"{status}: {outcome.reason}")
    return {
        "name": str(outcome.name), "where": str(outcome.where), "status": status,
        "seconds": run_length(result) if result else None,
        "calls": len(result.get("calls") or []) if result else None,
        "webhooks": len(result.get("callbacks") or []) if result else None,
        "recordings": len(result.get("recordings") or []) if result else None,
        "failures": len(failures), "messages": messages, "report": report,
    }


def error_rows(problems: list[str]) -> list[dict]:
    """A row per scenario file that could not be loaded, with its ``file:line: what`` lines."""
    files: dict[str, list[str]] = {}
    for problem in problems:
        where = problem.split(":", 1)[0] if ":" in problem else ""
        files.setdefault(where, []).append(problem)
    return [{"name": "(not loaded)", "where": where, "status": "error", "seconds": None,
             "calls": None, "webhooks": None, "recordings": None, "failures": 0,
             "messages": lines, "report": None} for where, lines in files.items()]


def write_index(root: Path, rows: list[dict]) -> Path:
    """Write ``root/index.html`` over ``rows`` (in run order); return its path."""
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES}
    html = render_page("index.html.j2", rows=rows, counts=counts, total=len(rows),
                       statuses=STATUSES)
    out = Path(root) / INDEX_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
