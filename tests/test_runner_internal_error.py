"""An internal error (a simulator bug) mid-run: a partial result, never lost output.

The bug is simulated by a verb flow that raises (engine side: the catalogue's Pause flow
replaced) or by the runner's delivery raising (runner side), partway through a call that is
recording.
"""

from __future__ import annotations

import json
import textwrap

import pytest
import soundfile
from click.testing import CliRunner

from simulator import runner
from simulator.api import run_scenario
from simulator.bxml import nodes
from simulator.cli import main
from simulator.engine import catalogue
from simulator.engine.process import Sleep
from simulator.engine.verbs.conference import rooms

SCENARIO = """
    name: crashing call
    app:
      bxml: |
        <Response>
          <Record maxDuration="1" recordCompleteUrl="/rc"/>
        </Response>
      routes:
        /rc: |
          <Response>
            <StartRecording/>
            <Pause duration="5"/>
          </Response>
    caller:
      - say: "hello there you"
        seconds: 3
    expect:
      recordings: 5
"""


def _scenario_file(tmp_path):
    path = tmp_path / "crash.yaml"
    path.write_text(textwrap.dedent(SCENARIO).lstrip())
    return path


@pytest.fixture
def pause_crashes(monkeypatch):
    """<Pause> waits 2 s, then raises: an engine bug in the middle of a StartRecording (the
    catalogue every run uses gets the broken flow, so the API and the CLI run it too)."""

    def broken_pause(ctx, node):
        yield Sleep(2.0)
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(catalogue.FLOWS, nodes.Pause, broken_pause)


def test_engine_bug_gives_a_partial_result_with_its_recordings(tmp_path, pause_crashes):
    out = tmp_path / "out"
    result = run_scenario(_scenario_file(tmp_path), out)
    data = json.loads((out / "result.json").read_text())
    assert data == result.to_json()
    assert data["passed"] is False
    # the one failure: what broke, when, at the scenario's line (expectations not evaluated)
    assert data["failures"] == [{
        "message": "internal error: ZeroDivisionError: boom (please report; the run stopped "
                   "at 3.000 s)", "line": 1, "kind": "internal-error",
        "callId": data["calls"][0]["callId"], "at": 3.0}]
    assert "ZeroDivisionError: boom" in result.internal_error  # the traceback, for reports
    # the Record finished normally (1 s); the StartRecording was running: finalised call-ended
    first, second = data["recordings"]
    assert (first["verb"], first["endReason"]) == ("Record", "max-duration")
    assert (second["verb"], second["endReason"]) == ("StartRecording", "call-ended")
    assert second["startAt"] == 1.0 and second["endAt"] == 3.0 and second["duration"] == 2.0
    for rec in (first, second):
        info = soundfile.info(str(out / rec["file"]))  # valid audio, the right length
        assert info.samplerate == 8000 and info.frames == round(rec["duration"] * 8000)
    # the callbacks so far, none after the error (no disconnect); the call still up ends then
    # with Bandwidth's cause for "any other error", so result.json keeps the contract's types
    assert [c["eventType"] for c in data["callbacks"]] == ["initiate", "recordComplete"]
    call = data["calls"][0]
    assert (call["disconnectCause"], call["endTime"]) == ("error", "2026-01-01T00:00:03.000Z")
    assert call["errorMessage"] == ("the simulation stopped: internal error ZeroDivisionError: "
                                    "boom")
    kinds = [(e["kind"], e["verb"]) for e in data["timeline"]]
    crash = kinds.index(("internal-error", "Pause"))
    assert kinds[crash + 1:] == [("recording-stop", "StartRecording"), ("call-end", None)]
    assert data["timeline"][-1]["detail"]["cause"] == "error"
    entry = data["timeline"][crash]
    assert entry["at"] == 3.0 and entry["callId"] == data["calls"][0]["callId"]
    assert entry["line"] == 3  # the <Pause> in the recordComplete reply
    assert entry["detail"] == {"error": "ZeroDivisionError", "message": "boom"}


def test_runner_bug_is_reported_the_same_way(tmp_path, monkeypatch):
    real_deliver = runner.deliver

    def deliver(transport, webhook):
        if webhook.event_type == "recordComplete":
            raise KeyError("lost")
        return real_deliver(transport, webhook)

    monkeypatch.setattr(runner, "deliver", deliver)
    result = run_scenario(_scenario_file(tmp_path), tmp_path / "out")
    data = result.to_json()
    assert data["failures"][0]["message"].startswith("internal error: KeyError: 'lost' ")
    entry = [e for e in data["timeline"] if e["kind"] == "internal-error"]
    # the Record was waiting for its recordComplete reply when delivery broke
    assert len(entry) == 1 and entry[0]["at"] == 1.0
    assert (entry[0]["verb"], entry[0]["line"]) == ("Record", 2)
    # the Record had finished; its file is written although recordComplete never came back
    [rec] = data["recordings"]
    assert rec["endReason"] == "max-duration" and (tmp_path / "out" / rec["file"]).is_file()


def test_partial_run_never_writes_a_golden_file(tmp_path, pause_crashes):
    path = _scenario_file(tmp_path)
    res = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "out"),
                                    "--update-golden"])
    assert res.exit_code == 2
    assert not list(tmp_path.glob("*.golden.txt"))


def test_cli_reports_an_error_with_where_result_json_is_and_no_traceback(tmp_path,
                                                                         pause_crashes,
                                                                         monkeypatch):
    monkeypatch.delenv("BXMLSIM_DEBUG", raising=False)
    path, out = _scenario_file(tmp_path), tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(path), "--out", str(out), "-v"])
    assert res.exit_code == 2
    assert "ERROR crashing call" in res.output
    assert "internal error: ZeroDivisionError: boom (please report; the run stopped at " \
           "3.000 s)" in res.output
    assert f"partial result in {out / 'crashing-call' / 'result.json'}" in res.output
    assert "INTERNAL ERROR (a simulator bug; the run stops here)" in res.output  # -v narrates
    assert "Traceback" not in res.output and "BXMLSIM_DEBUG=1" in res.output
    assert json.loads((out / "crashing-call" / "result.json").read_text())["passed"] is False


def test_bxmlsim_debug_shows_the_traceback(tmp_path, pause_crashes, monkeypatch):
    monkeypatch.setenv("BXMLSIM_DEBUG", "1")
    res = CliRunner().invoke(main, ["run", str(_scenario_file(tmp_path)),
                                    "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "Traceback" in res.output and "ZeroDivisionError: boom" in res.output


# A conference live when the engine breaks: the main call creates room "sales" (muted, and
# recording it from conferenceCreated), call "agent" joins it, call "crasher" runs the broken
# <Pause> (it raises at 2 s). The main call speaks at 0.1-0.9 s, the agent at 1.0-1.8 s.
ROOM_BXML = ('<Response><Conference mute="true" conferenceEventUrl="/conf">sales</Conference>'
             '</Response>')


def _crash_in_a_conference(tmp_path):
    from simulator.runner import simulate
    from simulator.scenario.model import (AppSettings, CallSettings, CreatedCall, Route, Say,
                                          Scenario)

    routes = {"/answer": Route(bxml=ROOM_BXML),
              "/conf": Route(bxml="<Response><StartRecording/></Response>"),
              "/agent": Route(bxml="<Response><Conference>sales</Conference></Response>"),
              "/crash": Route(bxml='<Response><Pause duration="5"/></Response>'),
              "/disc": Route(status=204, body="")}
    calls = {"agent": CreatedCall(to="+15555550001", answer_url="/agent",
                                  caller=(Say("hello everyone", at=1.0),)),
             "crasher": CreatedCall(to="+15555550002", answer_url="/crash")}
    scenario = Scenario(name="conference crash", app=AppSettings(routes=routes),
                        caller=(Say("hello everyone", at=0.1),),
                        call=CallSettings(disconnect_url="/disc"), calls=calls)
    seen = []
    result = simulate(scenario, tmp_path, between=seen.append).to_json()
    return result, seen[0]


def test_a_live_conference_is_completed_at_the_crash(tmp_path, pause_crashes):
    result, sim = _crash_in_a_conference(tmp_path)
    crash = next(e for e in result["timeline"] if e["kind"] == "internal-error")
    assert crash["at"] == 2.0
    # every call ends then with cause error, through the leg state table
    assert [(c["disconnectCause"], c["endTime"]) for c in result["calls"]] \
        == [("error", "2026-01-01T00:00:02.000Z")] * 3
    assert all(not leg.up for leg in sim.legs.values())
    # the room ended then too, nobody left in it (the emulator: completedTime, no activeMembers)
    [room] = rooms(sim).every
    assert (room.ended, room.ended_at, room.members) == (True, 2.0, [])
    assert rooms(sim).live == {}
    assert [m.left_at for m in room.attendance] == [2.0, 2.0]
    # and no webhook after the error: no member exit, no conferenceCompleted
    assert not [c for c in result["callbacks"] if c["at"] >= 2.0]
    assert not [c for c in result["callbacks"]
                if c["eventType"] in ("conferenceMemberExit", "conferenceCompleted")]


def test_a_running_conference_recording_holds_what_the_room_heard(tmp_path, pause_crashes):
    result, _ = _crash_in_a_conference(tmp_path)
    [rec] = result["recordings"]
    assert (rec["endReason"], rec["channels"], rec["endAt"]) == ("call-ended", 1, 2.0)
    stop = next(e for e in result["timeline"] if e["kind"] == "recording-stop")
    assert stop["detail"]["conference"] == "sales"
    samples, _ = soundfile.read(tmp_path / rec["file"])
    start = rec["startAt"]

    def loudness(a, b):
        window = samples[int((a - start) * 8000):int((b - start) * 8000)]
        return float((window ** 2).mean() ** 0.5)

    assert loudness(0.2, 0.8) < 1e-3  # the creator is muted: not in the room's mix
    assert loudness(1.1, 1.7) > 0.01  # the agent is
