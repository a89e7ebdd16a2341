"""A user's test module written against the public Python API; type-checked with
``mypy --strict`` by tests/test_typing.py (never collected by pytest: no test_ prefix)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import simulator
from simulator import BxmlSim, Result
from simulator.result import Call, Callback, Recording, TimelineEntry


def create_app() -> object:
    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        return [b"<Response/>"]
    return app


def check(sim: BxmlSim) -> None:
    result: Result = sim.run(app=create_app, caller=[{"press": "1"}],
                             expect={"digits": "1"})
    result.assert_ok()
    gathers: list[Callback] = result.callbacks("gather")
    digits: str = gathers[0].payload["digits"] if gathers else result.digits
    first: Call = result.call
    cause: str | None = first.disconnect_cause
    recording: Recording = result.recordings[0]
    audio: np.ndarray = recording.audio()
    starts: list[TimelineEntry] = result.timeline("verb-start", verb="Gather")
    where: str | None = starts[0].position
    again: Result = Result.load(Path("out") / "result.json")
    data: dict[str, object] = again.to_json()
    print(digits, cause, audio.shape, where, data["format"], result.failure_text())


def plain() -> None:
    result = simulator.run_scenario("scenarios/voicemail-pound.scenario.yaml", out_dir="out")
    assert result.passed, result.failures
    many: list[Result] = BxmlSim(out_dir="out").run_all(Path("scenarios/redirect-chain.scenario.yaml"))
    print(len(many), result.to_json()["format"])
