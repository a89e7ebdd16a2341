"""Start-up: a command imports what it uses, nothing more (docs/performance.md "Start-up").

Each check runs the command in a fresh interpreter and lists the heavy modules it loaded.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

HEAVY = ("numpy", "soundfile", "httpx2", "httpcore2", "a2wsgi", "asyncio", "multiprocessing",
         "lxml", "yaml", "cattrs", "rich.progress", "jinja2", "simulator.engine",
         "simulator.scenario.load", "simulator.report", "http.client", "ssl", "email.parser",
         "simulator.voice_api.routes", "rich.console")


def loaded_after(code: str, cwd) -> list[str]:
    script = textwrap.dedent(f"""
        import contextlib, io, sys
        with contextlib.redirect_stdout(io.StringIO()):
            from simulator.cli import main
            try:
                {code}
            except SystemExit:
                pass
        print(" ".join(m for m in {HEAVY!r} if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_help_imports_none_of_the_heavy_modules(tmp_path):
    assert loaded_after('main(["--help"])', tmp_path) == []


def test_a_run_answered_by_routes_needs_no_http_client_no_libsndfile_no_pool(tmp_path):
    (tmp_path / "s.yaml").write_text(textwrap.dedent("""
        name: routes only
        app:
          routes:
            /answer: '<Response><Record maxDuration="3"/></Response>'
        caller:
          - wait_for: Record
          - say: leave a message
    """))
    loaded = loaded_after('main(["run", "s.yaml", "--out", "out"])', tmp_path)
    assert (tmp_path / "out" / "routes-only" / "recordings").is_dir()   # a WAV was written
    assert [m for m in loaded if m in ("soundfile", "httpx2", "httpcore2", "a2wsgi", "asyncio",
                                       "multiprocessing", "rich.progress", "jinja2",
                                       "simulator.report", "http.client", "ssl",
                                       "email.parser", "simulator.voice_api.routes",
                                       "rich.console")] == []


def test_a_run_of_a_wsgi_app_needs_no_real_http_stack_no_event_loop(tmp_path):
    """An in-process WSGI app goes through httpx2's WSGI transport (transports/client.py):
    not httpcore2 (real HTTP, real_http.py), nor asyncio and a2wsgi (ASGI apps, asgi.py)."""
    (tmp_path / "hello_app.py").write_text(textwrap.dedent("""
        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "application/xml")])
            return [b"<Response><SpeakSentence>hello</SpeakSentence><Hangup/></Response>"]
    """))
    (tmp_path / "s.yaml").write_text(textwrap.dedent("""
        name: wsgi app
        app: {wsgi: "hello_app:app"}
        caller:
          - wait_for: SpeakSentence
    """))
    loaded = loaded_after('main(["run", "s.yaml", "--out", "out"])', tmp_path)
    assert (tmp_path / "out" / "wsgi-app" / "result.json").is_file()
    assert "httpx2" in loaded
    assert [m for m in loaded if m in ("httpcore2", "a2wsgi", "asyncio")] == []
