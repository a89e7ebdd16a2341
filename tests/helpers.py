"""Helpers shared by several test modules: a voicemail scenario file writer and ``bxmlsim run``
through click's runner."""

from __future__ import annotations

import textwrap
from pathlib import Path

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

