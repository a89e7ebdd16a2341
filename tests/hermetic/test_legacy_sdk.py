"""The legacy SDK 6.x (``bandwidth.voice``, requests under it) is caught too, as far as it maps
onto the emulated endpoints. It cannot be installed beside 23.x (same import name ``bandwidth``),
so it is installed with ``pip --target`` into a cache folder and imported first in a
subprocess; the test is skipped, saying why, only when the package index cannot be reached."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

LEGACY = "6.14.2"
APP = Path(__file__).parent / "apps" / "legacy_app.py"
# the 6.x package and the dependencies the 23.x install lacks (enum34 is left out: it would
# shadow the standard enum module)
PACKAGES = [f"bandwidth-sdk=={LEGACY}", "jsonpickle<1.0", "cachecontrol<1.0", "msgpack"]


@pytest.fixture(scope="session")
def legacy_sdk() -> Path:
    pytest.importorskip("requests")
    target = Path(tempfile.gettempdir()) / f"bxmlsim-test-bandwidth-sdk-{LEGACY}"
    with open(f"{target}.lock", "w") as lock:  # xdist workers install it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "bandwidth" / "voice").is_dir():
            staging = Path(tempfile.mkdtemp(prefix="bxmlsim-legacy-"))
            done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                                   "--disable-pip-version-check", "--target", str(staging),
                                   *PACKAGES], capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                reason = done.stderr.strip().splitlines()[-1:] or ["no output"]
                if any(word in done.stderr for word in ("connection", "Connection", "resolve",
                                                        "No matching distribution")):
                    pytest.skip(f"the package index is unreachable ({reason[0]}): cannot "
                                f"install bandwidth-sdk {LEGACY}")
                pytest.fail(f"pip could not install bandwidth-sdk {LEGACY}: {done.stderr}")
            staging.rename(target)
    return target


def test_the_legacy_6x_sdk_reaches_the_run(legacy_sdk, tmp_path):
    done = subprocess.run([sys.executable, str(APP), str(legacy_sdk), str(tmp_path)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": ""})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["sdk"].startswith(str(legacy_sdk))  # the 6.x package ran, not 23.x
    result, seen = out["result"], out["seen"]
    main, agent = result["calls"][:2]
    [recording] = result["recordings"]
    assert seen == {"created": agent["callId"], "state": "initiated",
                    "listed": [recording["recordingId"]],
                    "media": (tmp_path / recording["file"]).stat().st_size}
    actions = [(e["detail"]["action"], e["detail"]["status"]) for e in result["timeline"]
               if e["kind"] == "rest"]
    assert actions == [("get_call_state", 200), ("create_call", 201),
                       ("list_call_recordings", 200), ("download_call_recording", 200),
                       ("update_call", 200)]
    assert main["disconnectCause"] == "hangup"
