"""Helpers shared by several test modules: a voicemail scenario file writer, ``bxmlsim run``
through click's runner, ``bxmlsim`` on a pseudo-terminal, and the skip mark for tests that need espeak-ng (the tts extra)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main

#: A caller leaving a message on a Record; ``{name}`` and the expected ``{duration}`` vary.
VOICEMAIL = """
    name: {name}
    app:
      bxml: |
        <Response>
          <Record maxDuration="30" recordingAvailableUrl="/ra"/>
        </Response>
      routes:
        /ra: ""
    caller:
      - wait_for: Record
      - say: "call me back please"
      - press: "#"
    expect:
      recordings:
        - endReason: terminating-digit
          duration: "{duration}"
"""


def scenario(folder: Path, file: str, name: str = "voicemail", duration: str = "~1.6") -> Path:
    """Write the VOICEMAIL scenario to ``folder/file`` (parents created); return its path."""
    path = folder / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(VOICEMAIL.format(name=name, duration=duration)).lstrip())
    return path


def run(*args: str):
    """``bxmlsim run ARGS`` in-process; the click Result."""
    return CliRunner().invoke(main, ["run", *args])


try:
    import espeakng_loader  # noqa: F401

    HAVE_ESPEAK = True
except ImportError:
    HAVE_ESPEAK = False

needs_espeak = pytest.mark.skipif(not HAVE_ESPEAK, reason="espeakng-loader is not installed "
                                  "(the tts extra; no wheel for this platform)")


def on_a_terminal(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    """``bxmlsim ARGS`` run on a pseudo-terminal (a fresh interpreter): its exit code and what
    it wrote to the terminal."""
    main_end, side = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-c", "from simulator.console import main; main()",
                                *args], cwd=cwd, stdin=side, stdout=side, stderr=side,
                               env=env, close_fds=True)
    os.close(side)
    chunks = []
    while True:
        try:
            chunk = os.read(main_end, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_end)
    code = process.wait(timeout=300)
    return code, b"".join(chunks).decode("utf-8", "replace")
