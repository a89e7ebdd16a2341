"""Which run a request belongs to: concurrent runs in one process each answer their own app;
a request nobody can place is refused with a reason; an app in another process reaches the
runs through the API served on 127.0.0.1 (``run --api-port``, the ``bxmlsim_api_url`` fixture,
$BXMLSIM_API_URL)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from simulator.api import load, run_loaded
from simulator.cli import main
from simulator.hermetic import binding
from simulator.hermetic.served import ENV_VAR, ServedApi

from test_clients import AUTH, BASE, probe_app

requests = pytest.importorskip("requests")
APPS = Path(__file__).parent / "apps"


def test_concurrent_runs_in_threads_each_answer_their_own_app():
    both_inside = threading.Barrier(2, timeout=10)
    seen = {}

    def probe(event):
        both_inside.wait()  # both runs are in a webhook now: two runs active
        listed = requests.get(f"{BASE}/calls", auth=AUTH).json()
        return event["callId"], [call["callId"] for call in listed]

    def one(seed):
        app = probe_app(probe)
        [scenario] = load(name=f"run {seed}", app=app, seed=seed)
        seen[seed] = (app.seen, run_loaded(scenario).to_json())

    threads = [threading.Thread(target=one, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    for seed in (1, 2):
        [(call_id, listed)], result = seen[seed]
        assert listed == [call_id] == [result["calls"][0]["callId"]]
    assert seen[1][0] != seen[2][0]


def test_a_request_from_outside_every_run_is_refused_when_several_run():
    both_inside, release = threading.Barrier(3, timeout=10), threading.Event()

    def probe(event):
        both_inside.wait()
        release.wait(10)

    def one(seed):
        [scenario] = load(name=f"run {seed}", app=probe_app(probe), seed=seed)
        run_loaded(scenario)

    threads = [threading.Thread(target=one, args=(seed,)) for seed in (3, 4)]
    for thread in threads:
        thread.start()
    both_inside.wait()
    try:
        assert len(binding.active()) == 2
        answer = requests.get(f"{BASE}/calls", auth=AUTH)  # this thread belongs to no run
    finally:
        release.set()
        for thread in threads:
            thread.join(20)
    assert answer.status_code == 500 and answer.json()["type"] == "internal-error"
    assert "2 simulations are running in this process" in answer.json()["description"]


def test_the_served_api_answers_the_running_scenario_over_http():
    with ServedApi() as url:
        assert os.environ[ENV_VAR] == url and url.startswith("http://127.0.0.1:")
        seen, result = _run_served(url)
    assert ENV_VAR not in os.environ or os.environ[ENV_VAR] != url
    assert seen == ["initiated"]
    [entry] = [e["detail"] for e in result["timeline"] if e["kind"] == "rest"]
    assert entry["url"].startswith(url) and entry["via"] == "api"


def _run_served(url):
    app = probe_app(lambda e: requests.get(f"{url}/accounts/9900000/calls/{e['callId']}",
                                           auth=AUTH).json()["state"])
    [scenario] = load(name="served", app=app)
    return app.seen, run_loaded(scenario).to_json()


def test_the_served_api_says_when_no_scenario_is_running():
    with ServedApi() as url:
        answer = requests.get(f"{url}/accounts/9900000/calls", auth=AUTH)
    assert answer.status_code == 503 and "no simulation is running" in answer.json()[
        "description"]


@pytest.mark.network
def test_an_app_in_another_process_reaches_the_run_through_the_fixture_url(bxmlsim_api_url,
                                                                            tmp_path):
    pytest.importorskip("bandwidth")
    assert os.environ[ENV_VAR] == bxmlsim_api_url
    app = subprocess.Popen([sys.executable, str(APPS / "remote_app.py")],
                           stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        port = int(app.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        [scenario] = load(name="remote", app={"base_url": base},
                          caller=[{"wait_for": "Record"}, {"say": "a message from far away"}])
        result = run_loaded(scenario, tmp_path).to_json()
        sizes = requests.get(f"{base}/sizes").json()
    finally:
        app.terminate()
        app.wait(10)
    assert result["callbacks"][0]["responseBody"].count("Your call is initiated.") == 1
    [recording] = result["recordings"]
    assert sizes == {recording["recordingId"]: (tmp_path / recording["file"]).stat().st_size}
    actions = [e["detail"]["action"] for e in result["timeline"] if e["kind"] == "rest"]
    assert actions == ["get_call_state", "download_call_recording"]


def test_run_api_port_prints_the_url_and_refuses_jobs(tmp_path):
    from click.testing import CliRunner

    scenario = tmp_path / "a.yaml"
    scenario.write_text("name: a\napp:\n  bxml: <Response><Hangup/></Response>\n")
    runner = CliRunner()
    done = runner.invoke(main, ["run", str(scenario), "--out", str(tmp_path / "o"),
                                "--api-port", "0"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Voice API: http://127.0.0.1:")
    assert "(also in $BXMLSIM_API_URL)" in done.output.splitlines()[0]
    refused = runner.invoke(main, ["run", str(scenario), "--api-port", "0", "-j", "2"])
    assert refused.exit_code == 2 and "needs the scenarios run here" in refused.output


def test_the_pytest_option_with_a_fixed_port_refuses_xdist():
    """--bxmlsim-api-port PORT under xdist is a usage error: one port cannot serve the runs of
    several worker processes (0 gives each worker its own)."""
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                             "--bxmlsim-api-port", "1", "-n", "2", "--co",
                             str(Path(__file__).parent / "test_guard.py")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "--bxmlsim-api-port PORT serves one process's runs" in result.stderr + result.stdout
