"""The ``bxmlsim`` console script: the command's status and output as before; the objects
alive when it returns frozen, so the interpreter's exit does not walk them again, while what
an exit does that can be seen still happens."""

from __future__ import annotations

import gzip
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = [sys.executable, "-c", "from simulator.console import main; main()"]


def console(body: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """A fresh interpreter running ``body``, then the console script with ``args``."""
    script = (textwrap.dedent(body) + "\nimport sys\nsys.argv = ['bxmlsim', *sys.argv[1:]]\n"
              "from simulator.console import main\nmain()\n")
    return subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_the_console_script_is_this_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["bxmlsim"] == "simulator.console:main"


def test_the_objects_alive_at_the_end_are_frozen_before_the_exit(tmp_path):
    done = console("""
        import atexit, gc, pathlib
        atexit.register(lambda: pathlib.Path("frozen").write_text(str(gc.get_freeze_count())))
    """, "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: bxmlsim")
    assert int((tmp_path / "frozen").read_text()) > 10_000   # the modules, click, the CLI


def test_the_exit_still_flushes_and_closes_what_an_app_left_open(tmp_path):
    # An app's own log, opened in a global and never closed; a gzip file never finished.
    done = console("""
        import gzip
        log = open("app.log", "w")
        log.write("call answered\\n")
        archive = gzip.open("calls.gz", "wt")
        archive.write("c-1,answered\\n")
    """, "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "app.log").read_text() == "call answered\n"
    assert gzip.decompress((tmp_path / "calls.gz").read_bytes()) == b"c-1,answered\n"


def test_files_alive_only_through_a_cycle_are_finished_as_the_collector_would(tmp_path):
    # Frozen, the collector would never finalise them: they are closed before the freeze.
    done = console("""
        import gzip, logging, tempfile, zipfile
        class Log:                      # a class is in a cycle (its own __mro__)
            file = open("class.log", "w")
        Log.file.write("class attribute\\n")
        class Holder:
            pass
        held = Holder()
        held.me = held                  # alive, in a cycle of its own, until the exit
        held.log = open("cycle.log", "w")
        held.log.write("in a cycle\\n")
        held.zip = zipfile.ZipFile("cycle.zip", "w")
        held.zip.writestr("a.txt", "zipped")
        raw = open("wrapped.gz", "wb")  # a gzip file writing into a file it was given
        held.gz = gzip.GzipFile(fileobj=raw, mode="wb")
        held.gz.write(b"gzipped")
        held.raw = raw
        held.temp = tempfile.NamedTemporaryFile(dir=".", prefix="temp-")
        held.temp.write(b"scratch")
        held.reader = open("class.log")  # open for reading: left alone
        logging.basicConfig(filename="app_logging.log", level=logging.INFO)
        logging.getLogger("app").info("logged")
    """, "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "class.log").read_text() == "class attribute\n"
    assert (tmp_path / "cycle.log").read_text() == "in a cycle\n"
    with zipfile.ZipFile(tmp_path / "cycle.zip") as archive:
        assert archive.read("a.txt") == b"zipped"
    assert gzip.decompress((tmp_path / "wrapped.gz").read_bytes()) == b"gzipped"
    assert not list(tmp_path.glob("temp-*"))   # removed, as its finaliser would
    assert "logged" in (tmp_path / "app_logging.log").read_text()


def test_a_run_keeps_its_output_and_status(tmp_path):
    scenario = ROOT / "scenarios" / "voicemail-hangup.scenario.yaml"
    out = tmp_path / "out"
    done = subprocess.run([*SCRIPT, "run", str(scenario), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("PASS ")
    assert list(out.glob("*/result.json"))
    missing = subprocess.run([*SCRIPT, "run", str(tmp_path / "absent.yaml")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2
    assert "no such file or folder" in missing.stderr


def test_the_script_itself_imports_nothing_a_command_does_not_use():
    code = ("import sys, simulator.console; print([m for m in ('zipfile', 'tempfile', 'click') "
            "if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
