"""simulator/output.py: nothing lost, nothing false in an output folder.

result.json is written atomically (temporary file + rename), also on a full disk or text UTF-8
cannot encode; a re-run leaves no stale recordings; scenarios that slug alike keep their own
folders; two runs into the same folder never mix files; write errors name the errno and path.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from simulator.api import run_scenario
from simulator.batch import assign_out_dirs
from simulator.errors import OutputError, SimulatorError
from simulator.output import STAGE_PREFIX, discard, write_staged
from simulator.scenario.load import load_mapping

ROOT = Path(__file__).resolve().parent.parent


def recording_flow(name: str, records: int, say: str = "call me back please") -> dict:
    steps = []
    for _ in range(records):
        steps += [{"wait_for": "Record"}, {"say": say}, {"press": "#"}]
    return {"name": name, "app": {"bxml": "<Response>" + '<Record maxDuration="30"/>' * records
                                  + "</Response>"},
            "caller": steps}


def folder_state(out: Path) -> tuple[list[str], list[str]]:
    """(recordings result.json lists, files in recordings/)."""
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    listed = sorted(r["file"] for r in data["recordings"])
    on_disk = sorted(f"recordings/{p.name}" for p in (out / "recordings").iterdir())
    return listed, on_disk


def test_a_rerun_leaves_no_stale_recordings(tmp_path):
    run_scenario(recording_flow("first", 3), tmp_path)
    assert len(folder_state(tmp_path)[1]) == 3
    run_scenario({**recording_flow("second", 1), "seed": 7}, tmp_path)
    listed, on_disk = folder_state(tmp_path)
    assert listed == on_disk and len(on_disk) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_users_own_recordings_folder_is_added_to_never_removed(tmp_path):
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "mine.wav").write_bytes(b"keep me")
    run_scenario(recording_flow("x", 1), tmp_path)
    assert (tmp_path / "recordings" / "mine.wav").read_bytes() == b"keep me"
    assert len(list((tmp_path / "recordings").iterdir())) == 2


def test_a_run_that_cannot_start_leaves_no_stale_result_claiming_a_pass(tmp_path):
    run_scenario(recording_flow("x", 1), tmp_path)
    with pytest.raises(SimulatorError):
        run_scenario({"name": "x", "app": {"wsgi": "no_such_module_here:app"}}, tmp_path)
    assert not (tmp_path / "result.json").exists()
    assert not (tmp_path / "recordings").exists()


def test_a_lone_surrogate_is_written_as_a_json_escape_not_a_crash(tmp_path):
    run_scenario({"name": "bad \udc80 name", "app": {"bxml": "<Response/>"}}, tmp_path)
    data = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert data["scenario"]["name"] == "bad \udc80 name"


def test_disk_full_while_writing_result_json_names_enospc_and_the_path(tmp_path, monkeypatch):
    run_scenario(recording_flow("x", 1), tmp_path)

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("simulator.output.os.write", full)
    with pytest.raises(OutputError) as info:
        run_scenario(recording_flow("x", 2), tmp_path)
    text = str(info.value)
    assert "ENOSPC (No space left on device)" in text and "result.json" in text
    assert not (tmp_path / "result.json").exists()       # no 0-byte or stale file
    assert len(list((tmp_path / "recordings").iterdir())) == 2   # finished recordings kept
    assert not [p for p in tmp_path.rglob("*.tmp")]


def run_cli(args, cwd, *, limit: int | None = None) -> subprocess.CompletedProcess:
    def restrict() -> None:   # a file-size limit: the kernel's EFBIG on the real write path
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-c", "from simulator.console import main; main()", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=60,
                          preexec_fn=restrict if limit is not None else None)


SCENARIO = textwrap.dedent("""
    name: long message
    app:
      bxml: '<Response><Record maxDuration="60"/></Response>'
    caller:
      - wait_for: Record
      - say: "a long message"
        seconds: 50
      - press: "#"
""")


def test_a_full_output_disk_is_a_scenario_error_naming_the_errno_and_path(tmp_path):
    (tmp_path / "s.yaml").write_text(SCENARIO)
    done = run_cli(["run", "s.yaml", "--out", "out"], tmp_path, limit=200_000)  # WAV: 800 KB
    assert done.returncode == 2, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert "EFBIG (File too large)" in output
    assert "out/long-message/recordings/r-" in output and ".bxmlsim-stage" not in output
    assert "0 passed, 0 failed, 1 error" in output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_an_error_not_a_traceback(tmp_path):
    (tmp_path / "s.yaml").write_text(SCENARIO)
    (tmp_path / "out" / "long-message").mkdir(parents=True)
    (tmp_path / "out" / "long-message").chmod(0o555)
    try:
        done = run_cli(["run", "s.yaml", "--out", "out"], tmp_path)
    finally:
        (tmp_path / "out" / "long-message").chmod(0o755)
    output = done.stdout + done.stderr
    assert done.returncode == 2 and "Traceback" not in output
    assert "EACCES (Permission denied)" in output


def test_a_read_only_folder_by_injection_names_eacces(tmp_path, monkeypatch):
    """The same path as above, for root (CI), whom permission bits do not stop."""
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr("simulator.output.os.mkdir", denied)   # the staging folder
    with pytest.raises(OutputError, match=r"EACCES \(Permission denied\)"):
        run_scenario(recording_flow("x", 1), tmp_path)


def test_scenarios_that_slug_alike_keep_their_own_folders():
    scenarios = load_mapping({"scenarios": [
        {"name": "same name", "app": {"bxml": "<Response/>"}},
        {"name": "Same Name", "app": {"bxml": "<Response/>"}},
        {"name": "same-name-2", "app": {"bxml": "<Response/>"}}]})
    names = [d.name for d in assign_out_dirs(scenarios, Path("out"))]
    assert names == ["same-name", "same-name-3", "same-name-2"]
    assert names == [d.name for d in assign_out_dirs(scenarios, Path("out"))]   # deterministic


def test_two_runs_into_the_same_folder_never_mix_files(tmp_path):
    errors = []

    def runs(records: int) -> None:
        try:
            for seed in range(4):
                run_scenario({**recording_flow(f"r{records}", records), "seed": seed}, tmp_path)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=runs, args=(n,)) for n in (1, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    listed, on_disk = folder_state(tmp_path)
    assert listed == on_disk and len(on_disk) in (1, 3)


def test_a_fresh_folder_is_the_staging_folder_renamed_no_folder_removed(tmp_path, monkeypatch):
    """Into a folder that does not exist yet, the staged pair arrives with one rename: no
    staging folder is left or removed (an rmdir costs a millisecond on a VM disk)."""
    removed = []
    monkeypatch.setattr("simulator.output.os.rmdir", lambda *a, **k: removed.append(a))
    umask = os.umask(0o022)
    os.umask(umask)
    run_scenario(recording_flow("fresh", 2), tmp_path / "out" / "fresh")
    listed, on_disk = folder_state(tmp_path / "out" / "fresh")
    assert listed == on_disk and len(on_disk) == 2 and removed == []
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["fresh"]
    assert (tmp_path / "out" / "fresh").stat().st_mode & 0o777 == 0o777 & ~umask


def test_a_rerun_swaps_in_with_one_staging_folder_removed(tmp_path, monkeypatch):
    """Into an existing folder: the earlier pair goes into the staging folder, which is the
    one folder removed; no other folder is made (mkdtemp) for it."""
    run_scenario(recording_flow("first", 2), tmp_path)
    made, removed = [], []
    real_mkdir, real_rmdir = os.mkdir, os.rmdir

    def mkdir(path, *args, **kwargs):
        made.append(Path(path).name)
        return real_mkdir(path, *args, **kwargs)

    def rmdir(path, *args, **kwargs):
        removed.append(Path(path).name)
        return real_rmdir(path, *args, **kwargs)

    monkeypatch.setattr("simulator.output.os.mkdir", mkdir)
    monkeypatch.setattr("simulator.output.os.rmdir", rmdir)
    run_scenario({**recording_flow("second", 1), "seed": 3}, tmp_path)
    listed, on_disk = folder_state(tmp_path)
    assert listed == on_disk and len(on_disk) == 1
    stages = [name for name in made if name.startswith(".bxmlsim-stage-")]
    assert len(stages) == 1 and stages[0] in removed
    assert set(removed) <= {stages[0], ".old-recordings"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_run_into_a_path_that_is_a_file_says_so(tmp_path):
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(OutputError, match="cannot create the output folder") as info:
        run_scenario(recording_flow("x", 1), tmp_path / "out")
    assert "a file" in str(info.value)
    assert (tmp_path / "out").read_text() == "not a folder"


def test_a_fresh_folder_under_missing_parents_is_made(tmp_path):
    run_scenario(recording_flow("deep", 1), tmp_path / "a" / "b" / "c")
    listed, on_disk = folder_state(tmp_path / "a" / "b" / "c")
    assert listed == on_disk and len(on_disk) == 1
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["c"]


def test_a_failed_rerun_keeps_the_recordings_it_finished_and_no_old_result(tmp_path, monkeypatch):
    """A rerun that fails after its recordings (here: result.json cannot be written) replaces
    the earlier pair all the same: its recordings, no result.json of the earlier run."""
    run_scenario(recording_flow("first", 3), tmp_path)
    old = {p.name for p in (tmp_path / "recordings").iterdir()}

    def refused(*args, **kwargs):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr("simulator.api.write_staged", refused)
    with pytest.raises(OSError):
        run_scenario({**recording_flow("second", 1), "seed": 9}, tmp_path)
    assert not (tmp_path / "result.json").exists()
    new = {p.name for p in (tmp_path / "recordings").iterdir()}
    assert len(new) == 1 and not new & old
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_full_disk_while_result_json_is_written_names_it_and_keeps_the_recordings(
        tmp_path, monkeypatch):
    """write_staged: the half-written result.json is removed (never swapped in), the error
    names result.json in the output folder and the errno, the recordings made are kept."""
    def full(fd, data):
        os.write(fd, data[:10])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("simulator.output._write_all", full)
    out = tmp_path / "out"
    with pytest.raises(OutputError) as info:
        run_scenario(recording_flow("full", 1), out)
    message = str(info.value)
    assert "ENOSPC" in message and str(out / "result.json") in message, message
    assert STAGE_PREFIX not in message, message
    assert not (out / "result.json").exists()
    assert len(list((out / "recordings").iterdir())) == 1
    assert [p.name for p in tmp_path.rglob(STAGE_PREFIX + "*")] == []


def test_a_staged_file_is_new_and_readable(tmp_path):
    written = write_staged(tmp_path / "result.json", "{\"a\": \"\udc80\"}")
    assert written.read_bytes() == b'{"a": "\\udc80"}'
    assert written.stat().st_mode & 0o444 == 0o444
    with pytest.raises(OutputError, match="EEXIST"):
        write_staged(written, "again")
    assert written.read_bytes() == b'{"a": "\\udc80"}'


def test_discard_forgets_a_stopped_runs_files_and_never_follows_a_symlink(tmp_path):
    """A stopped batch's run: its staging folders and an earlier run's pair are removed; a
    recordings/ that is a symlink is unlinked, what it points at is left alone."""
    out = tmp_path / "out"
    run_scenario(recording_flow("earlier", 1), out)
    (out / f"{STAGE_PREFIX}left").mkdir()
    (out / f"{STAGE_PREFIX}left" / "partial.wav").write_bytes(b"RIFF")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.wav").write_bytes(b"RIFF")
    for item in (out / "recordings").iterdir():
        item.unlink()
    (out / "recordings").rmdir()
    (out / "recordings").symlink_to(elsewhere, target_is_directory=True)
    discard(out)
    assert sorted(p.name for p in out.iterdir()) == []
    assert (elsewhere / "keep.wav").read_bytes() == b"RIFF"
