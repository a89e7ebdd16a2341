"""``bxmlsim init``: the files of a starting test suite, for a project that has none yet.

:data:`FILES` maps each path (relative to the project folder) to its text: a sample voice app
(a plain WSGI app, no dependency, in the shape of Bandwidth's samples: an answer webhook that
greets and records, a recordComplete webhook that hangs up), a pytest test of it through the
``bxmlsim`` fixture, a scenario file running the same app, and a CI workflow running both with
JUnit reports. ``tests/test_scaffold.py`` runs what it writes, the workflow's commands included,
so the scaffold always passes as written.
"""

from __future__ import annotations

from pathlib import Path

APP = '''\
"""A sample voice app: replace it with yours (Flask, FastAPI, Django: any WSGI/ASGI app).

Bandwidth calls /answer when a call comes in; the BXML returned greets the caller and records
a message; /recordComplete is called when the recording ends and hangs up.
"""

import json

GREETING = (
    "<Response>"
    "<SpeakSentence>Please leave a message, then press pound.</SpeakSentence>"
    '<Record recordCompleteUrl="/recordComplete" maxDuration="60" terminatingDigits="#"/>'
    "</Response>"
)
GOODBYE = "<Response><SpeakSentence>Thank you, goodbye.</SpeakSentence><Hangup/></Response>"


def create_app():
    """A fresh app (the bxmlsim fixture calls a factory for every scenario)."""
    messages = []

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "/")
        size = int(environ.get("CONTENT_LENGTH") or 0)
        event = json.loads(environ["wsgi.input"].read(size) or b"{}") if size else {}
        if path == "/answer":
            body = GREETING
        elif path == "/recordComplete":
            messages.append(event.get("duration"))
            body = GOODBYE
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [body.encode()]

    return app
'''

TEST = '''\
"""The sample app under test: each test runs one call in virtual time (docs/tutorial.md)."""

from voice_app import create_app


def test_the_caller_leaves_a_message(bxmlsim):
    result = bxmlsim.run(
        app=create_app,
        caller=[{"wait_for": "Record"}, {"say": "Hi, it's Sam, call me back"}, {"press": "#"}],
        expect={"callbacks": ["initiate", "recordComplete"],
                "recordings": [{"endReason": "terminating-digit"}]},
    )
    result.assert_ok()
    [recording] = result.recordings
    assert 1.0 < recording.duration < 5.0
    assert len(recording.audio()) == round(recording.duration * recording.sample_rate)


def test_a_caller_who_hangs_up_still_leaves_a_recording(bxmlsim):
    result = bxmlsim.run(app=create_app,
                         caller=[{"wait_for": "Record"}, {"say": "never mind"}, {"hangup": True}])
    result.assert_ok()
    assert result.recordings[0].end_reason == "hangup"
    assert result.call.disconnect_cause == "hangup"
'''

SCENARIO = '''\
# A scenario file: pytest collects it (one test per scenario), and `bxmlsim run tests/` runs it.
# The format: docs/scenarios.md; editors: `bxmlsim schema` is its JSON Schema.
name: caller leaves a voicemail and presses pound
app:
  wsgi: "voice_app:create_app"     # voice_app.py beside this file; a factory: a fresh app
caller:
  - wait_for: Record
  - say: "Hi, it's Sam, call me back"
  - press: "#"
expect:
  callbacks: [initiate, recordComplete]
  recordings:
    - endReason: terminating-digit
  disconnect_cause: hangup
'''

CI = '''\
# CI for the voice app: the pytest suite and the scenario files, with JUnit reports.
# GitHub Actions; other CIs run the same two commands (and keep reports/, bxmlsim-out/).
name: voice-app
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {python-version: "3.12"}
      - run: pip install bxml-simulator pytest
      - run: python -m pytest tests --junit-xml=reports/pytest.xml
      - run: bxmlsim run tests --junit-xml reports/bxmlsim.xml --out bxmlsim-out
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: bxmlsim
          path: |
            reports/
            bxmlsim-out/
'''

#: path (relative to the project folder) -> text
FILES: dict[str, str] = {
    "tests/voice_app.py": APP,
    "tests/test_voice_app.py": TEST,
    "tests/voicemail.scenario.yaml": SCENARIO,
    ".github/workflows/bxmlsim.yml": CI,
}


def existing(folder: Path) -> list[Path]:
    """The scaffold's files that already exist in ``folder`` (init never overwrites them)."""
    return [folder / name for name in FILES if (folder / name).exists()]


def write(folder: Path) -> list[Path]:
    """Write every file of the scaffold under ``folder``; returns their paths."""
    written = []
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
