"""simulator/hermetic/patches.py: the client libraries are patched only while a run is active,
restored after it, and every run gets the same catching replacements (made once a process)."""

from __future__ import annotations

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import urllib3
from flask import Flask, request

from simulator.api import load, run_loaded
from simulator.hermetic import patches

BASE = "https://voice.bandwidth.com/api/v2/accounts/9900000"

POINTS = [(urllib3.connectionpool.HTTPConnectionPool, "urlopen"),
          (http.client.HTTPConnection, "connect"), (http.client.HTTPSConnection, "connect"),
          (threading.Thread, "start"), (ThreadPoolExecutor, "submit")]


def current():
    return [owner.__dict__[name] for owner, name in POINTS]


def test_the_patches_are_in_place_during_a_run_only_and_the_same_every_run():
    before = current()
    inside = []
    for _ in range(2):
        with patches.installed():
            inside.append(current())
        assert current() == before
    assert inside[0] == inside[1]
    assert all(patched is not original for patched, original in zip(inside[0], before))


def test_nested_runs_keep_the_patches_until_the_last_one_ends():
    before = current()
    with patches.installed():
        patched = current()
        with patches.installed():
            assert current() == patched
        assert current() == patched
    assert current() == before


def test_a_library_patched_elsewhere_between_runs_gets_a_replacement_of_that_one(monkeypatch):
    """A replacement is made for the method it wraps: another library's wrapper installed
    between two runs is wrapped in turn, and restored after the run."""
    with patches.installed():
        first = http.client.HTTPConnection.__dict__["connect"]

    def wrapped(self):  # pragma: no cover - never called
        raise AssertionError

    monkeypatch.setattr(http.client.HTTPConnection, "connect", wrapped)
    with patches.installed():
        second = http.client.HTTPConnection.__dict__["connect"]
        assert second is not first and second.__wrapped__ is wrapped
    assert http.client.HTTPConnection.__dict__["connect"] is wrapped


def test_one_replacement_is_kept_a_patch_point_whatever_was_patched_between_runs(monkeypatch):
    """A mock or wrapper installed between runs (a test's, another library's) gets its own
    replacement, and the one made for the earlier original is dropped: the table holds one
    entry a patch point."""
    with patches.installed():
        pass
    points = len(patches._made)
    for _ in range(5):
        def wrapped(self):  # pragma: no cover - never called
            raise AssertionError

        monkeypatch.setattr(http.client.HTTPConnection, "connect", wrapped)
        with patches.installed():
            assert http.client.HTTPConnection.__dict__["connect"].__wrapped__ is wrapped
    assert len(patches._made) == points


@pytest.mark.parametrize("round_", range(2))
def test_requests_reach_the_run_in_every_run(round_):
    requests = pytest.importorskip("requests")
    app = Flask("probe")
    seen = []

    @app.post("/answer")
    def answer():
        call = request.get_json()["callId"]
        seen.append(requests.get(f"{BASE}/calls/{call}", auth=("api-user", "api-password"))
                    .json()["state"])
        return "<Response><Hangup/></Response>"

    [scenario] = load(name="patched every run", app=app)
    run_loaded(scenario)
    assert seen == ["initiated"]


FIRST_IMPORTED_IN_THE_RUN = '''
import json, sys
from simulator.api import load, run_loaded
assert "http.client" not in sys.modules and "concurrent.futures.thread" not in sys.modules
seen = []

def app(environ, start_response):
    if environ["PATH_INFO"] == "/answer":
        import urllib.request   # http.client: first imported here, during the run
        from concurrent.futures import ThreadPoolExecutor
        call = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))["callId"]
        url = "%s/calls/%s" % (sys.argv[1], call)
        asked = urllib.request.Request(url, headers={"Authorization": "Basic YXBpOmFwaQ=="})
        with ThreadPoolExecutor(1) as pool:   # the job keeps the run (binding.py)
            seen.append(pool.submit(lambda: json.load(urllib.request.urlopen(asked))).result())
    start_response("200 OK", [("Content-Type", "application/xml")])
    return [b"<Response><Hangup/></Response>"]

[scenario] = load(name="imported during the run", app=app,
                  api={"username": "api", "password": "api"})
run_loaded(scenario)
print(seen[0]["state"])
'''


def test_http_client_and_the_thread_pool_imported_during_a_run_are_caught(tmp_path):
    """A run does not import http.client nor concurrent.futures.thread for the app (ssl and
    email come with the first): one the app imports while the run is active is patched as it
    loads, so its request still reaches the run."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", FIRST_IMPORTED_IN_THE_RUN, BASE],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["initiated"]


ZIPPED_STDLIB = '''
import sys
sys.path.insert(0, sys.argv[1])   # the stdlib's http package, zipped: one zipimporter loads it
from simulator.hermetic import patches
assert "http" not in sys.modules
with patches.installed():
    import http.client
    import http.cookies            # the same zipimporter, a module that is not http.client's
    print(type(http.cookies.__spec__.loader).__name__, http.client.__file__.startswith(sys.argv[1]))
    print(hasattr(http.client.HTTPConnection.connect, "__wrapped__"))
print(hasattr(http.client.HTTPConnection.connect, "__wrapped__"))
'''


def test_a_library_loaded_by_a_shared_loader_is_patched_alone(tmp_path):
    """A zipped stdlib (the Windows embeddable Python, frozen apps) loads every module of the
    zip with one zipimporter: http.client is patched as it loads, the other modules of that
    loader are loaded as they are (they were given http.client's patch, and failed)."""
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    package = Path(http.client.__file__).parent
    archive = tmp_path / "stdlib.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for source in package.glob("*.py"):
            zipped.write(source, f"http/{source.name}")
    done = subprocess.run([sys.executable, "-c", ZIPPED_STDLIB, str(archive)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["zipimporter", "True", "True", "False"]


def test_a_patching_loader_answers_for_its_loader_and_can_be_copied():
    import copy
    import importlib.machinery

    original = importlib.machinery.SourceFileLoader("m", http.client.__file__)
    loader = patches._PatchingLoader(original, "http.client")
    assert loader.get_filename("m") == http.client.__file__ and loader.is_package("m") is False
    twin = copy.copy(loader)
    assert twin.get_filename("m") == http.client.__file__
    with pytest.raises(AttributeError):
        loader.__wrapped_loader__  # noqa: B018 - a dunder the loader lacks is not looked up
