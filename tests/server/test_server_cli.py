"""``bxmlsim serve``: its options, its errors (exit 2, no traceback), the missing extra, and a
real start/stop with Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import SimulatorError
from simulator.server import require_extra
from simulator.server.callee import load_callee


def serve(*args: str):
    return CliRunner().invoke(main, ["serve", *args])


def test_a_callee_file_with_a_bad_step_is_an_error_at_its_line(tmp_path):
    callee = tmp_path / "callee.yaml"
    callee.write_text("caller:\n  - wait_for: Record\n  - sey: hello\n")
    result = serve("--callee", str(callee), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert f"{callee}:3: $.caller[1]: wrong type" in result.output
    assert "Traceback" not in result.output


def test_a_callee_file_with_an_unknown_top_level_key_names_it(tmp_path):
    callee = tmp_path / "callee.yaml"
    callee.write_text("caller: []\napp:\n  bxml: <Response/>\n")
    result = serve("--callee", str(callee))
    assert result.exit_code == 2
    assert f"{callee}:2: unknown key in the callee file; expected caller:, parties: and/or " \
           f"recording_processing:, got app" in result.output


def test_a_callee_file_that_does_not_exist(tmp_path):
    result = serve("--callee", str(tmp_path / "none.yaml"))
    assert result.exit_code == 2 and "cannot read the callee file" in result.output


def test_callee_file_as_a_bare_step_list_and_with_parties(tmp_path):
    bare = tmp_path / "bare.yaml"
    bare.write_text("- say: hello\n- hangup: true\n")
    assert [type(s).__name__ for s in load_callee(bare).caller] == ["Say", "Hangup"]
    full = tmp_path / "full.yaml"
    full.write_text('caller: [{say: hi}]\nparties:\n  "+15555550123": {status: busy}\n')
    callee = load_callee(full)
    assert callee.party("+15555550123").status == "busy"
    assert callee.party("+19999999999").caller == callee.caller


def test_an_address_in_use_is_an_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve("--port", str(port), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.output


def test_username_without_password_is_a_usage_error():
    result = serve("--username", "u")
    assert result.exit_code == 2 and "--username and --password go together" in result.output


def test_a_missing_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn -> ImportError
    with pytest.raises(SimulatorError, match=r"uvicorn is not installed; expected bxmlsim "
                                             r"serve needs the server extra: pip install"):
        require_extra()
    result = serve()
    assert result.exit_code == 2 and "pip install '.[server]' in the bxml-simulator checkout" in result.output


def _ignoring_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.network
@pytest.mark.parametrize("inherited", [None, _ignoring_sigint], ids=["", "sigint-ignored"])
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_its_url_and_stops_cleanly_on_a_signal(tmp_path, stop, inherited):
    """Also when started with SIGINT ignored (a script's background job): a Ctrl-C sent as
    soon as the URL is printed stops it (it was lost before uvicorn's handler: a hang)."""
    process = subprocess.Popen(
        [sys.executable, "-c", "from simulator.console import main; main()", "serve",
         "--out", str(tmp_path / "o")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=inherited)
    try:
        url = process.stdout.readline().strip()
        process.send_signal(stop)
        out, err = process.communicate(timeout=60)  # a deadline for a hang: load slows the stop
    finally:
        if process.poll() is None:
            process.kill()
    assert url.startswith("http://127.0.0.1:") and url.endswith("/api/v2")
    assert process.returncode == 0, err
    assert "Traceback" not in err and err.rstrip().endswith("stopped")
