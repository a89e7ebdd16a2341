"""Helpers shared by several test modules: a voicemail scenario file writer, ``bxmlsim run``
through click's runner, and the skip mark for tests that need espeak-ng (the tts extra)."""

from __future__ import annotations

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
