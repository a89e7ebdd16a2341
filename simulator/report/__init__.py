"""The teaching view: one result.json (and its recordings) -> one self-contained HTML page.

Owns the ``bxmlsim report`` page. Public surface (import from ``simulator.report``):

- ``load_result(path) -> dict``: read and check a result.json (``"format": "bxmlsim-result/1"``);
  raises ``SimulatorError`` naming the file for a missing, unreadable or foreign file.
- ``render_report(result, result_dir) -> str``: the page as a string.
- ``write_report(result, result_dir, out) -> Path``: render and write it (used by
  ``bxmlsim report`` and ``bxmlsim run --html``).

The page works offline: inline CSS/JS only, a Content-Security-Policy that forbids every
network fetch, audio embedded as base64 ``data:`` URIs (capped, see ``EMBED_LIMIT_BYTES``),
waveforms drawn as inline SVG, one lane per channel. Modules: ``page`` (input checks, jinja2
rendering, writing), ``view`` (timeline: legs, lanes, steps, documents, webhooks),
``recordings`` (per recording: waveform and embedded audio), ``waveform`` (streamed per-channel
envelope and silences), ``values`` (tolerant readers of result.json values).
"""

from .page import RESULT_FORMAT, check_result, load_result, render_report, write_report
from .recordings import EMBED_LIMIT_BYTES, PAGE_EMBED_LIMIT_BYTES

__all__ = ["EMBED_LIMIT_BYTES", "PAGE_EMBED_LIMIT_BYTES", "RESULT_FORMAT", "check_result",
           "load_result", "render_report", "write_report"]
