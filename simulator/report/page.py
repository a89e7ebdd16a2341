"""The report's edges: reading and checking a result.json, and rendering the HTML page.

The view model (what is drawn where) comes from ``view.py`` and ``recordings.py``; this module
only checks the input, runs the jinja2 template of ``simulator/report_assets/`` (autoescaped:
every text from the run is escaped) with the inline CSS and JS, and writes the page.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jinja2

from simulator.errors import SimulatorError

from . import shape
from .recordings import EMBED_LIMIT_BYTES, PAGE_EMBED_LIMIT_BYTES
from .layout import clock
from .values import secs, value_text
from .view import build_view

RESULT_FORMAT = "bxmlsim-result/1"
#: Template, CSS and JS of the page (package data of ``simulator``).
ASSETS = Path(__file__).resolve().parent.parent / "report_assets"
_LIST_KEYS = ("calls", "callbacks", "recordings", "timeline")


def load_result(path: str | Path) -> dict:
    """Read a result.json and check that it is a ``bxmlsim-result/1`` object.

    Raises:
        SimulatorError: the file is missing, unreadable, not JSON or not a bxmlsim result;
            ``where`` is the path (with the line for a JSON syntax error).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SimulatorError("result file not found", where=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SimulatorError(f"cannot read the result file ({exc})", where=str(path)) from None
    try:
        result = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SimulatorError(f"not valid JSON: {exc.msg}",
                             where=f"{path}:{exc.lineno}:{exc.colno}") from None
    check_result(result, where=str(path))
    return result


def check_result(result: Any, *, where: str = "<result>") -> None:
    """Raise ``SimulatorError`` unless ``result`` has the shape of a result.json object."""
    if not isinstance(result, dict):
        raise SimulatorError("not a bxmlsim result", where=where,
                             expected="a JSON object", got=type(result).__name__)
    if result.get("format") != RESULT_FORMAT:
        raise SimulatorError("not a bxmlsim result", where=where,
                             expected=f'"format": "{RESULT_FORMAT}"',
                             got=json.dumps(result.get("format")))
    for key in _LIST_KEYS:
        items = result.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise SimulatorError(f'"{key}" must be a list of objects', where=where)
    broken = shape.problem(result) or shape.unreadable(result)   # damaged or hand-edited
    if broken is not None:
        raise SimulatorError(f"not a valid bxmlsim result: {broken}", where=where)


def write_report(result: dict, result_dir: Path, out: Path, *,
                 embed_limit: int = EMBED_LIMIT_BYTES,
                 page_embed_limit: int = PAGE_EMBED_LIMIT_BYTES,
                 index_href: str | None = None) -> Path:
    """Write the HTML page of ``result`` to ``out`` (parents created); return ``out``.

    ``result_dir`` is the folder of result.json: recording ``file`` paths are relative to it.
    ``index_href``: a link back to the page over all scenarios (``run --html``), if any.
    """
    html = render_report(result, Path(result_dir), embed_limit=embed_limit,
                         page_embed_limit=page_embed_limit, index_href=index_href)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


def render_report(result: dict, result_dir: Path, *, embed_limit: int = EMBED_LIMIT_BYTES,
                  page_embed_limit: int = PAGE_EMBED_LIMIT_BYTES,
                  index_href: str | None = None) -> str:
    """The self-contained HTML page of one run (see docs/report.md for how to read it)."""
    check_result(result)
    view = build_view(result, Path(result_dir), embed_limit, page_embed_limit)
    return render_page("report.html.j2", **view, index_href=index_href)


def render_page(template: str, **context: Any) -> str:
    """One of the templates of ``report_assets/`` with the shared CSS and its own script
    (``report.html.j2`` -> ``report.js``) inlined."""
    script = ASSETS / (template.split(".")[0] + ".js")
    return _environment().get_template(template).render(
        **context, css=(ASSETS / "report.css").read_text(encoding="utf-8"),
        js=script.read_text(encoding="utf-8"))


@functools.cache
def _environment() -> jinja2.Environment:
    """One jinja2 environment a process: ``run --html`` compiles each template once."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ASSETS), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["secs"] = secs
    env.filters["value"] = value_text
    env.filters["clock"] = clock
    return env
