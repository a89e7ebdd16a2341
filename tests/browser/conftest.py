"""Headless Chromium for the browser tests: install it when absent, drive it over CDP.

``chromium`` (session): the path of Debian's /usr/bin/chromium. When missing and we are root
with apt-get, it is installed (``apt-get install -y --no-install-recommends chromium``, after
``apt-get update`` if the first try fails); elsewhere every browser test is skipped with the
reason. A file lock keeps pytest-xdist workers from running apt at the same time.

``browser`` (session): one Chromium with ``--remote-debugging-port=0``; ``page`` gives each test
a fresh tab through a small Chrome DevTools Protocol client (websocket-client): real mouse and
key events, screenshots, console problems. ``sample_page``, ``long_call_page`` and
``two_party_page`` (session) are report pages written once.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
#: Flags that work in this sandboxed, offline machine (no GPU, no network but loopback).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--force-color-profile=srgb", "--hide-scrollbars", "--mute-audio"]
WINDOW = (1366, 900)
STARTUP_SECONDS = 60  # a deadline for the browser to come up, not a measured assertion


def _install_chromium() -> str | None:
    """Install Debian's chromium; return why it could not be, or None when it is there."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "no /usr/bin/chromium, and cannot install it (needs root and apt-get)"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    with open(Path(tempfile.gettempdir()) / "bxmlsim-chromium-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers: one apt at a time
        if CHROMIUM.exists():
            return None
        done = subprocess.run(install, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True)
            done = subprocess.run(install, env=env, capture_output=True, text=True)
    if done.returncode != 0 or not CHROMIUM.exists():
        return f"apt-get install chromium failed: {done.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        problem = _install_chromium()
        if problem:
            pytest.skip(problem)
    return CHROMIUM


class Page:
    """One browser tab spoken to over the Chrome DevTools Protocol."""

    def __init__(self, websocket_url: str) -> None:
        import websocket  # test extra: websocket-client

        self._ws = websocket.create_connection(websocket_url, timeout=STARTUP_SECONDS,
                                               suppress_origin=True)
        self._next_id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def send(self, method: str, **params) -> dict:
        self._next_id += 1
        self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def wait_for(self, event: str) -> dict:
        while True:
            found = next((e for e in self.events if e.get("method") == event), None)
            if found:
                self.events.remove(found)
                return found
            self.events.append(json.loads(self._ws.recv()))

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str):
        """Evaluate ``expression`` (promises awaited) and return its JSON value."""
        reply = self.send("Runtime.evaluate", expression=expression, awaitPromise=True,
                          returnByValue=True)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def until(self, expression: str, seconds: float = 10.0):
        """Poll ``expression`` until it is truthy; its value (a deadline, not a measurement:
        a loaded machine may be slow)."""
        deadline = time.monotonic() + seconds
        while True:
            value = self.js(expression)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.05)

    def mouse(self, kind: str, x: float, y: float, **extra) -> None:
        """One mouse event at viewport (x, y): mousePressed, mouseReleased, mouseMoved, ..."""
        self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, **extra)

    def center(self, selector: str) -> tuple[float, float]:
        """The middle of the first element ``selector`` matches, scrolled into view."""
        box = self.js(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2]; }})()""")
        return box[0], box[1]

    def click(self, selector: str | None = None, at: tuple[float, float] | None = None) -> None:
        """A real left click (a user gesture: it may start audio), on an element or a point."""
        x, y = at if at is not None else self.center(selector)
        self.mouse("mouseMoved", x, y)
        self.mouse("mousePressed", x, y, button="left", clickCount=1)
        self.mouse("mouseReleased", x, y, button="left", clickCount=1)

    def drag(self, start: tuple[float, float], stop: tuple[float, float], steps: int = 5) -> None:
        self.mouse("mousePressed", *start, button="left", clickCount=1)
        for n in range(1, steps + 1):
            self.mouse("mouseMoved", start[0] + (stop[0] - start[0]) * n / steps,
                       start[1] + (stop[1] - start[1]) * n / steps, button="left", buttons=1)
        self.mouse("mouseReleased", *stop, button="left", clickCount=1)

    def wheel(self, at: tuple[float, float], delta_y: float, modifiers: int = 0) -> None:
        self.send("Input.dispatchMouseEvent", type="mouseWheel", x=at[0], y=at[1], deltaX=0,
                  deltaY=delta_y, modifiers=modifiers)

    def key(self, key: str, code: str | None = None, keycode: int = 0) -> None:
        """Press and release one key (``+``, ``ArrowRight``, ``Enter``) on the focused element."""
        text = key if len(key) == 1 else ""
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=kind, key=key, code=code or key,
                      windowsVirtualKeyCode=keycode, text=text if kind == "keyDown" else "")

    def screenshot(self, width: int = WINDOW[0], height: int = WINDOW[1]) -> bytes:
        """A PNG of the viewport, sized ``width`` x ``height`` CSS pixels."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def problems(self) -> list[str]:
        """Console errors/warnings, uncaught exceptions and error log entries (CSP, loads)."""
        self.js("0")  # flush events that arrived before this point
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning",
                                                                            "assert"):
                found.append(f"console.{params['type']}: {params['args']}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails']}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log {params['entry']['source']}: {params['entry']['text']}")
        return found

    def close(self) -> None:
        self._ws.close()


class Browser:
    def __init__(self, executable: Path, profile: Path) -> None:
        self.process = subprocess.Popen(
            [str(executable), *FLAGS, f"--window-size={WINDOW[0]},{WINDOW[1]}",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + STARTUP_SECONDS
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        self.port = int(port_file.read_text().split()[0])

    def new_page(self) -> Page:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(request, timeout=STARTUP_SECONDS) as reply:
            target = json.load(reply)
        return Page(target["webSocketDebuggerUrl"])

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def browser(chromium, tmp_path_factory):
    pytest.importorskip("websocket", reason="websocket-client (test extra) is not installed")
    instance = Browser(chromium, tmp_path_factory.mktemp("chromium-profile"))
    yield instance
    instance.close()


@pytest.fixture
def page(browser):
    tab = browser.new_page()
    yield tab
    tab.close()


REPO = Path(__file__).resolve().parent.parent.parent
LONG_CALL = REPO / "tests" / "data" / "report" / "long-call.scenario.yaml"
TWO_PARTY = REPO / "scenarios" / "two-party" / "transfer-to-agent-recorded.scenario.yaml"


def _report_of(scenario: Path, folder: Path) -> str:
    """Run a scenario and write its report; the page's file:// URL."""
    from simulator.api import run_scenario
    from simulator.report import write_report

    result = run_scenario(scenario, folder).to_json()
    return write_report(result, folder, folder / "report.html").as_uri()


@pytest.fixture(scope="session")
def sample_page(tmp_path_factory) -> str:
    """The report of tests/data/sample_result (a PIN keyed while the recording is paused)."""
    from simulator.report import load_result, write_report

    sample = REPO / "tests" / "data" / "sample_result"
    out = tmp_path_factory.mktemp("report") / "call.html"
    return write_report(load_result(sample / "result.json"), sample, out).as_uri()


@pytest.fixture(scope="session")
def long_call_page(tmp_path_factory) -> str:
    """The report of a ten-minute call with a 3 s recording pause early on."""
    return _report_of(LONG_CALL, tmp_path_factory.mktemp("long-call"))


@pytest.fixture(scope="session")
def two_party_page(tmp_path_factory) -> str:
    """The report of a transfer to an agent: two legs, a dual-channel recording."""
    return _report_of(TWO_PARTY, tmp_path_factory.mktemp("two-party"))
