"""The ``bxmlsim`` console script: the command's status and output as before; the objects
alive when it returns frozen, so the interpreter's exit does not walk them again, while what
an exit does that can be seen still happens."""

from __future__ import annotations

import gzip
import os
import sqlite3
import subprocess
import sys
import textwrap
import tomllib
import wave
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Without PYTHONUNBUFFERED (set on some machines, this project's among them): the standard
#: streams block-buffered, as on most, so what the exit flushes is still to be flushed.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
SCRIPT = [sys.executable, "-c", "from simulator.console import main; main()"]


def console(body: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """A fresh interpreter running ``body``, then the console script with ``args``."""
    script = (textwrap.dedent(body) + "\nimport sys\nsys.argv = ['bxmlsim', *sys.argv[1:]]\n"
              "from simulator.console import main\nmain()\n")
    return subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, env=ENV)


def test_the_console_script_is_this_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["bxmlsim"] == "simulator.console:main"


def test_the_objects_alive_at_the_end_are_frozen_before_the_exit(tmp_path):
    done = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import gc, sys
        sys.argv = ["bxmlsim", "--help"]
        from simulator.console import main
        try:
            main()
        except SystemExit as done:
            print(done.code, gc.get_freeze_count(), file=sys.stderr)
    """)], cwd=tmp_path, capture_output=True, text=True, timeout=60, env=ENV)
    assert done.stdout.startswith("Usage: bxmlsim")
    code, frozen = done.stderr.split()
    assert code == "0" and int(frozen) > 10_000   # the modules, click, the CLI


def test_atexit_functions_run_in_their_order_before_the_files_are_closed(tmp_path):
    # registered before the command (a sitecustomize, coverage's process start-up) or by an
    # app: each writes into a file it keeps open, which must still be open then
    done = console("""
        import atexit
        class Keeper:
            pass
        keeper = Keeper()
        keeper.me = keeper
        keeper.log = open("atexit.log", "w")
        atexit.register(lambda: keeper.log.write("first registered, last run\\n"))
        atexit.register(lambda: keeper.log.write("last registered, first run\\n"))
    """, "--help", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert (tmp_path / "atexit.log").read_text() == (
        "last registered, first run\nfirst registered, last run\n")


def test_the_standard_streams_and_what_they_write_into_are_left_to_the_exit(tmp_path):
    # The exit still writes after the files are closed: a SystemExit's message, to stderr.
    done = console("""
        import sys
        class Tee:
            def __init__(self, *streams):
                self.streams = streams
            def write(self, text):
                for stream in self.streams:
                    stream.write(text)
            def flush(self):
                for stream in self.streams:
                    stream.flush()
        sys.stdout = Tee(sys.stdout, open("tee.log", "w"))
        sys.stderr = Tee(sys.stderr, open("errors.log", "w"))
        import simulator.cli
        def command():
            print("a line of output")
            sys.exit("the command's message")
        simulator.cli.main = command
    """, cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "a line of output\n", "the command's message\n")
    assert (tmp_path / "tee.log").read_text() == "a line of output\n"
    assert (tmp_path / "errors.log").read_text() == "the command's message\n"


def test_a_thread_still_running_leaves_the_exit_as_it_was(tmp_path):
    # a daemon thread blocked writing into a full pipe holds that file's lock: closing the
    # file would wait for it for ever; nothing is closed nor frozen, as at a normal exit
    done = console("""
        import os, threading, time
        read_end, write_end = os.pipe()
        pipe = os.fdopen(write_end, "wb")
        threading.Thread(target=lambda: pipe.write(b"x" * 10_000_000), daemon=True).start()
        time.sleep(0.2)
    """, "--help", cwd=tmp_path)
    assert done.returncode == 0


def test_the_in_process_apps_idle_workers_do_not_count_as_running(tmp_path):
    # in a fresh interpreter: this process's threads are the test runner's
    done = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        from simulator import console
        from simulator.transports import inprocess
        worker = inprocess._Worker.take()
        serving = console._alone()          # a worker serving a run
        worker.release()
        print(serving, worker.ident in inprocess.idle_threads(), console._alone())
    """)], cwd=tmp_path, capture_output=True, text=True, timeout=60, env=ENV)
    assert done.stdout.split() == ["False", "True", "True"], done.stderr


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


def test_writers_that_finish_their_file_when_closed_are_closed_first(tmp_path):
    # An app module's globals (an app is imported, not the script's __main__): a wave writer
    # patches its header when closed, a sqlite3 connection checks its write-ahead log back in,
    # an app's own writer writes its trailer; each holds a file closed after it.
    (tmp_path / "voice_app.py").write_text(textwrap.dedent("""
        import sqlite3, wave
        greeting = wave.open("greeting.wav", "wb")
        greeting.setnchannels(1)
        greeting.setsampwidth(2)
        greeting.setframerate(8000)
        greeting.writeframes(b"\\x01\\x00" * 800)
        calls = sqlite3.connect("calls.db")
        calls.execute("pragma journal_mode=wal")
        calls.execute("create table call(id)")
        calls.execute("insert into call values ('c-1')")
        calls.commit()
        class Report:
            def __init__(self, path):
                self.file = open(path, "w")
                self.me = self            # alive only through a cycle
            def close(self):
                if not self.file.closed:
                    self.file.write("end of report\\n")
                    self.file.close()
            def __del__(self):
                self.close()
        report = Report("report.txt")
        report.file.write("1 call\\n")
    """))
    done = console("""
        import sys
        sys.path.insert(0, ".")
        import voice_app
    """, "--help", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    with wave.open(str(tmp_path / "greeting.wav")) as greeting:
        assert greeting.getnframes() == 800
    assert not (tmp_path / "calls.db-wal").exists()
    assert sqlite3.connect(tmp_path / "calls.db").execute("select id from call").fetchall() == [
        ("c-1",)]
    assert (tmp_path / "report.txt").read_text() == "1 call\nend of report\n"


def test_a_run_keeps_its_output_and_status(tmp_path):
    scenario = ROOT / "scenarios" / "voicemail-hangup.scenario.yaml"
    out = tmp_path / "out"
    done = subprocess.run([*SCRIPT, "run", str(scenario), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, env=ENV)
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


def test_a_class_whose_metaclass_refuses_attribute_lookups_is_passed_over(tmp_path):
    done = console("""
        class Odd(type):
            def __getattr__(cls, name):
                raise RuntimeError(f"no {name} here")
        class Model(metaclass=Odd):
            pass
        model = Model()
        log = open("app.log", "w")
        log.write("still written\\n")
    """, "--help", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert (tmp_path / "app.log").read_text() == "still written\n"
