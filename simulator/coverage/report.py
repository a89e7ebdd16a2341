"""Coverage as people read it: a text table like coverage.py's, an HTML page, a JSON file.

``text_report(coverage)`` is the terminal summary (one row per app, a TOTAL row, then what was
not covered); ``render_html(coverage)`` one self-contained page (each document's BXML with its
lines marked run / partly run / not run, Gather outcomes, routes); ``write_reports(coverage,
folder)`` writes ``coverage.json`` and ``coverage.html`` there. ``percent_text`` rounds like
coverage.py: never 100% unless everything, never 0% unless nothing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import jinja2

from simulator.coverage.data import AppCoverage, Count, Coverage, DocumentCoverage

JSON_FILE = "coverage.json"
HTML_FILE = "coverage.html"
_TEMPLATE = Path(__file__).with_name("coverage.html.j2")
MISSING_SHOWN = 8  # per app, in the text report; the HTML page lists everything


def percent_text(count: Count) -> str:
    """``85%``; ``-`` when there is nothing to cover; 99% / 1% rather than a rounded lie."""
    value = count.percent
    if value is None:
        return "-"
    shown = math.floor(value) if value < 100 else 100
    if 0 < value and shown == 0:
        shown = 1
    return f"{shown}%"


def _fraction(count: Count) -> str:
    return f"{count.hit}/{count.total}" if count.total else "-"


def text_report(coverage: Coverage, *, missing: bool = True) -> str:
    """The summary table, then (``missing``) what each app's runs did not reach."""
    apps = coverage.sorted_apps()
    headers = ("Name", "Docs", "Verbs", "Outcomes", "Routes", "Cover")
    rows = []
    for app in apps:
        totals = app.totals()
        rows.append((app.name, _fraction(totals.documents), _fraction(totals.verbs),
                     _fraction(totals.outcomes),
                     _fraction(totals.routes) if app.routes_known else "?",
                     percent_text(totals.total)))
    totals = coverage.totals()
    total = ("TOTAL", _fraction(totals.documents), _fraction(totals.verbs),
             _fraction(totals.outcomes), _fraction(totals.routes), percent_text(totals.total))
    widths = [max(len(row[i]) for row in [headers, *rows, total]) for i in range(6)]
    widths[0] = min(widths[0], 72)

    def line(row) -> str:
        name = row[0] if len(row[0]) <= widths[0] else "..." + row[0][-(widths[0] - 3):]
        return "  ".join([name.ljust(widths[0])] + [cell.rjust(width) for cell, width in
                                                     zip(row[1:], widths[1:])])

    rule = "-" * len(line(headers))
    out = [line(headers), rule, *map(line, rows), rule, line(total)]
    if missing:
        notes = [text for app in apps for text in _missing(app)]
        if notes:
            out += ["", "Not covered:", *notes]
        unknown = [app for app in apps if app.generated or not app.routes_known]
        for app in unknown:
            for note in app.notes:
                out.append(f"note: {app.name}: {note}")
    return "\n".join(out)


def _missing(app: AppCoverage) -> list[str]:
    items = []
    for document in app.sorted_documents():
        where = _document_label(document)
        if document.error is not None:
            items.append(f"{where}: does not parse ({document.error})")
            continue
        if not document.hits:
            items.append(f"{where}: never reached")
            continue
        for verb in document.verbs.values():
            if not verb.hits:
                items.append(f"{where}:{verb.line}:{verb.col} {verb.verb} never ran")
        for gather in document.gathers.values():
            if gather.missing and any(v.hits for k, v in document.verbs.items()
                                      if k == gather.path):
                items.append(f"{where}:{gather.line}:{gather.col} Gather never saw "
                             + ", ".join(gather.missing))
    for route in app.routes.values():
        if route.known and not route.hits and not any(
                d.url == route.route for d in app.documents.values()):
            items.append(f"route {route.route}: never requested")
    if not items:
        return []
    shown = [f"  {item}" for item in items[:MISSING_SHOWN]]
    if len(items) > MISSING_SHOWN:
        shown.append(f"  ... and {len(items) - MISSING_SHOWN} more (coverage.html lists them)")
    return [f"{app.name}:", *shown]


def _document_label(document: DocumentCoverage) -> str:
    label = document.url or "(unknown URL)"
    if document.file:
        label += f" ({document.file})"
    elif document.source == "generated":
        label += f" [reply {document.key.rsplit('#', 1)[-1]}]"
    return label


def render_html(coverage: Coverage, *, title: str = "bxmlsim coverage") -> str:
    """One self-contained HTML page."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True)
    template = environment.from_string(_TEMPLATE.read_text(encoding="utf-8"))
    apps = [_app_view(app) for app in coverage.sorted_apps()]
    return template.render(title=title, totals=_totals_view(coverage.totals()), apps=apps)


def _totals_view(totals) -> dict:
    return {name: {"fraction": _fraction(count), "percent": percent_text(count),
                   "value": count.percent}
            for name, count in (("documents", totals.documents), ("verbs", totals.verbs),
                                ("outcomes", totals.outcomes), ("routes", totals.routes),
                                ("total", totals.total))}


def _app_view(app: AppCoverage) -> dict:
    documents = []
    for index, document in enumerate(app.sorted_documents()):
        documents.append({"anchor": f"{_slug(app.id)}-{index}",
                          "label": _document_label(document), "source": document.source,
                          "hits": document.hits, "error": document.error,
                          "lines": _lines(document), "gathers": list(document.gathers.values()),
                          "verbs": list(document.verbs.values()),
                          "covered": _fraction(Count(sum(1 for v in document.verbs.values()
                                                         if v.hits), len(document.verbs)))})
    routes = sorted(app.routes.values(), key=lambda r: (not r.known, r.route))
    return {"name": app.name, "anchor": _slug(app.id), "kind": app.kind, "notes": app.notes,
            "scenarios": sorted(app.scenarios), "runs": app.runs,
            "totals": _totals_view(app.totals()), "documents": documents, "routes": routes,
            "routes_known": app.routes_known, "unattributed": app.unattributed}


def _lines(document: DocumentCoverage) -> list[dict]:
    """The document's lines, each marked by the verbs that start on it."""
    by_line: dict[int, list] = {}
    for verb in document.verbs.values():
        if verb.line:
            by_line.setdefault(verb.line, []).append(verb)
    lines = []
    for number, text in enumerate((document.text or "").splitlines() or [""], start=1):
        verbs = by_line.get(number, [])
        run = sum(1 for v in verbs if v.hits)
        state = "" if not verbs else "run" if run == len(verbs) else "partial" if run else "miss"
        tip = "; ".join(f"{v.verb} {v.line}:{v.col} ran {v.hits}x" for v in verbs)
        lines.append({"number": number, "text": text, "state": state, "tip": tip})
    return lines


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text)[:80]


def write_reports(coverage: Coverage, folder: Path) -> tuple[Path, Path]:
    """``folder/coverage.json`` and ``folder/coverage.html``; returns both paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / JSON_FILE
    data.write_text(json.dumps(coverage.to_json(), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    page = folder / HTML_FILE
    page.write_text(render_html(coverage), encoding="utf-8")
    return data, page


def read_json(path: Path) -> Coverage:
    """A coverage.json written by ``write_reports`` (ValueError saying why it is not one)."""
    try:
        return Coverage.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a bxmlsim coverage file (missing or wrong {exc})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
