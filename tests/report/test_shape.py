"""simulator/report/shape.py: a damaged or hand-edited result.json is named, never a traceback.

Fuzz: values of a real result.json replaced by JSON of other types, keys deleted; the input
check names the damage it knows (SimulatorError), and ``bxmlsim report`` answers every file
with a page or an error line (exit 2), never a traceback.
"""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.api import run_scenario
from simulator.cli import main
from simulator.errors import SimulatorError
from simulator.report.page import check_result
from simulator.report.shape import problem, unreadable

SCENARIO = {
    "name": "voicemail",
    "app": {"bxml": '<Response><SpeakSentence>leave a message</SpeakSentence>'
                    '<Record maxDuration="5" recordCompleteUrl="/done"/></Response>',
            "routes": {"/done": "<Response><Hangup/></Response>"}},
    "caller": [{"wait_for": "Record"}, {"say": "call me back"}, {"press": "#"}],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    run_scenario(SCENARIO, out)
    return out, json.loads((out / "result.json").read_text(encoding="utf-8"))


def test_a_result_the_simulator_wrote_has_no_problem(run):
    assert problem(run[1]) is None


@pytest.mark.parametrize("edit, message", [
    (lambda r: r["timeline"][0].__setitem__("detail", 5),
     "$.timeline[0].detail: expected an object, got 5"),
    (lambda r: r["recordings"][0].__setitem__("segments", 3),
     "$.recordings[0].segments: expected a list of objects, got 3"),
    (lambda r: r["calls"][0].__setitem__("callId", ["x"]),
     "$.calls[0].callId: expected a string, got ['x']"),
    (lambda r: r.__setitem__("seed", {"a": 1}), "$.seed: expected an integer, got {'a': 1}"),
    (lambda r: r["timeline"].append({"at": 1, "kind": "speech", "detail": {"text": 1.5}}),
     "$.timeline[{last}].detail.text: expected a string, got 1.5"),
])
def test_each_damage_is_named_with_its_path(run, edit, message):
    damaged = copy.deepcopy(run[1])
    edit(damaged)
    last = str(len(damaged["timeline"]) - 1)
    assert problem(damaged).startswith(message.replace("{last}", last))


@pytest.mark.parametrize("edit, message", [
    (lambda r: r["callbacks"][0].__setitem__("at", float("nan")),
     "$.callbacks[0].at: expected a finite number, got nan"),
    (lambda r: r["scenario"].__setitem__("name", "\udc80"),
     "$.scenario.name: a string holds a lone surrogate"),
])
def test_what_no_reader_can_draw_is_unreadable(run, edit, message):
    damaged = copy.deepcopy(run[1])
    edit(damaged)
    assert unreadable(damaged).startswith(message) and unreadable(run[1]) is None
    with pytest.raises(SimulatorError, match="not a valid bxmlsim result"):
        check_result(damaged)


def test_bxmlsim_report_on_a_damaged_file_says_what_is_wrong(run, tmp_path):
    damaged = copy.deepcopy(run[1])
    damaged["timeline"][2]["at"] = "soon"
    path = tmp_path / "result.json"
    path.write_text(json.dumps(damaged))
    res = CliRunner().invoke(main, ["report", str(path)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert (f"Error: {path}: not a valid bxmlsim result: $.timeline[2].at: expected a number, "
            f"got 'soon'") in res.output


def test_bxmlsim_report_on_an_unreadable_file_is_an_error(run, tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps(run[1]).replace('"at": 0.0', '"at": NaN', 1))
    res = CliRunner().invoke(main, ["report", str(path)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"Error: {path}: not a valid bxmlsim result: $." in res.output


JUNK = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
                 st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                      st.integers(), max_size=2))


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_damage_lets_an_exception_escape_but_simulator_error(run, data):
    out, original = run
    damaged = copy.deepcopy(original)
    paths = [p for p in _paths(damaged) if p]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        target = damaged
        try:
            for key in path[:-1]:
                target = target[key]
            if data.draw(st.booleans()) and isinstance(target, dict):
                target.pop(path[-1], None)
            else:
                target[path[-1]] = data.draw(JUNK)
        except (KeyError, IndexError, TypeError):
            continue
    try:
        check_result(damaged)
    except SimulatorError:
        return
    path = out / "damaged.json"
    path.write_text(json.dumps(damaged), encoding="utf-8")
    res = CliRunner().invoke(main, ["report", str(path), "-o", str(out / "damaged.html")])
    assert res.exit_code in (0, 2) and not isinstance(res.exception, Exception), res.output
    assert "Traceback" not in res.output + res.stderr
