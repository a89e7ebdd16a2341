"""The Voice API core and the hermetic machinery need no ``server`` extra (starlette, uvicorn):
``bxmlsim serve`` is only their HTTP front door; and a run imports no HTTP client library of its
own to catch the app's (those are patched when the app imports them)."""

from __future__ import annotations

import subprocess
import sys


def test_the_api_core_and_a_hermetic_run_import_no_server_extra_and_no_client_library():
    code = (
        "import sys\n"
        "import simulator.voice_api.routes, simulator.voice_api.run, simulator.hermetic.served\n"
        "from simulator.api import run_scenario\n"
        "r = run_scenario({'name': 'x', 'app': {'bxml': '<Response><Hangup/></Response>'}})\n"
        "assert r.passed\n"
        "print(' '.join(m for m in ('starlette', 'uvicorn', 'requests', 'httpx', 'urllib3',"
        " 'bandwidth') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
