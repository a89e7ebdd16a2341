"""Coverage of call flows: which BXML documents, verbs, Gather outcomes and webhook routes of
the apps a suite talked to its runs reached (``bxmlsim run --coverage``, ``pytest
--bxmlsim-coverage``, ``bxmlsim coverage`` to combine files, and explore's own coverage).

Modules: ``outline`` (a document's verbs and a Gather's menu), ``trace`` (a result.json's verbs
attributed to their documents), ``universe`` (what an app can return, known up front),
``data`` (the numbers, merging, JSON), ``report`` (text, HTML, JSON files). Only result.json
objects and the scenarios are read; nothing reaches into the engine. docs/coverage.md.
"""

from simulator.coverage.data import FORMAT, Count, Coverage, Totals
from simulator.coverage.report import (HTML_FILE, JSON_FILE, percent_text, read_json,
                                       render_html, text_report, write_reports)

__all__ = ["FORMAT", "HTML_FILE", "JSON_FILE", "Count", "Coverage", "Totals", "percent_text",
           "read_json", "render_html", "text_report", "write_reports"]
