"""explore/search (+ findings): the paths of a flow, what goes wrong on them, the bounds."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import attrs

from simulator.api import load
from simulator.explore import Options, explore
from simulator.explore.runners import BatchRunner

SCENARIOS = Path(__file__).parent.parent.parent / "scenarios"


def by_kind(exploration, kind):
    return [f for f in exploration.findings if f.kind == kind]


class TestAcme:
    """The Acme menu: a crash behind 3, an unreachable /survey, verbs after a Gather."""

    def test_the_crash_behind_3_is_found_with_the_caller_that_causes_it(self, acme):
        [crash] = by_kind(acme, "app-exception")
        path = acme.paths[crash.path - 1]

        assert path.description == "press 3 at /answer 2:11 Gather"
        assert crash.message == ("gather http://app.test/main-menu: the app raised "
                                 "ZeroDivisionError: division by zero")  # C2 appError
        assert "in average_bill" in crash.detail
        assert [f.kind for f in path.findings] == ["callback-error", "app-exception"]
        assert path.ended.startswith("callback-error: gather webhook could not be delivered")
        assert acme.failed

    def test_failures_come_first(self, acme):
        kinds = [f.kind for f in acme.findings]

        assert kinds[:2] == ["app-exception", "callback-error"]
        assert set(kinds[2:]) == {"unreached-route", "unreached-verb"}

    def test_the_unreachable_branch_is_reported(self, acme):
        [route] = by_kind(acme, "unreached-route")

        assert route.message == ("route /survey is never requested by any caller behaviour "
                                 "tried")
        assert {f.message for f in by_kind(acme, "unreached-verb")} == {
            "http://app.test/answer 2:214 SpeakSentence never runs",
            "http://app.test/answer 2:253 Hangup never runs",
            "http://app.test/main-menu 2:167 Redirect never runs"}

    def test_every_branch_of_the_menu_is_walked(self, acme):
        described = {p.description for p in acme.paths}

        assert acme.complete and len(acme.paths) > 50
        assert "press 2 at /answer 2:11 Gather; press 2 at /main-menu 2:11 Gather; speak, " \
            "then press # at /support 2:94 Record" in described
        assert "press 1 at /answer 2:11 Gather; +15555550123 answers at /main-menu 2:66 " \
            "Transfer" in described
        assert "press 1 at /answer 2:11 Gather; +15555550123 busy at /main-menu 2:66 " \
            "Transfer" in described
        assert "the caller stays silent" in described

    def test_paths_are_distinct(self, acme):
        signatures = [p.signature for p in acme.paths]

        assert len(set(signatures)) == len(signatures)
        assert acme.stats.runs == len(acme.paths) + acme.stats.duplicates

    def test_coverage_of_the_app_by_all_paths(self, acme):
        [app] = acme.coverage.apps.values()

        assert {r.route: bool(r.hits) for r in app.routes.values()} == {
            "/answer": True, "/main-menu": True, "/support": True, "/message-done": True,
            "/transfer-complete": True, "/survey": False}


def ivr():
    [scenario] = load(SCENARIOS / "ivr-menu-retries.scenario.yaml")
    return scenario


class TestBounds:
    def test_max_paths(self):
        exploration = explore(ivr(), Options(max_paths=5), BatchRunner())

        assert len(exploration.paths) == 5 and exploration.stats.unexplored > 0
        assert not exploration.complete

    def test_max_depth(self):
        exploration = explore(ivr(), Options(max_depth=1), BatchRunner())

        assert max(p.branch.depth for p in exploration.paths) == 1
        assert exploration.stats.beyond_depth > 0 and not exploration.complete
        assert all("at /menu" not in p.description for p in exploration.paths)

    def test_canned_routes_branch_once_per_state_and_paths_mode_once_per_path(self):
        states = explore(ivr(), Options(), BatchRunner())
        paths = explore(ivr(), Options(merge="paths", max_paths=60), BatchRunner())

        assert states.complete and len(states.paths) == 30 and states.stats.merged > 0
        assert len(paths.paths) == 60 and paths.stats.merged == 0

    def test_a_loop_ends_at_the_explorers_max_duration(self):
        [scenario] = load({"name": "loop", "app": {
            "bxml": '<Response><Pause duration="5"/><Redirect redirectUrl="/answer"/>'
                    "</Response>"}})
        exploration = explore(scenario, Options(max_duration=60), BatchRunner())
        [loop] = [f for f in exploration.findings if f.kind == "max-duration"]

        assert loop.path == 1 and "max_duration=60 s" in loop.message
        assert exploration.paths[0].result["timeline"][-1]["at"] == 60.0


class TestDeterminism:
    def test_the_same_paths_with_a_process_pool(self):
        alone = explore(ivr(), Options(max_paths=25), BatchRunner())
        with ProcessPoolExecutor(2) as pool:
            spread = explore(ivr(), Options(max_paths=25), BatchRunner(pool))

        assert spread.to_json() == alone.to_json()

    def test_a_seed_changes_the_ids_not_the_paths(self):
        one = explore(ivr(), Options(max_paths=8, seed=1), BatchRunner())
        two = explore(ivr(), Options(max_paths=8, seed=2), BatchRunner())

        assert [p.description for p in one.paths] == [p.description for p in two.paths]
        assert one.paths[0].result["calls"][0]["callId"] != \
            two.paths[0].result["calls"][0]["callId"]
        assert one.paths[0].scenario.seed == 1


IGNORES_DIGITS = '''
def app(environ, start_response):
    if environ["PATH_INFO"] == "/answer":
        body = ('<Response><Gather gatherUrl="/menu" maxDigits="1"><SpeakSentence>For sales '
                'press 1, for support press 2.</SpeakSentence></Gather></Response>')
    else:
        body = "<Response><SpeakSentence>Sales, hello.</SpeakSentence></Response>"
    start_response("200 OK", [("Content-Type", "application/xml")])
    return [body.encode()]
'''

IGNORES_SPEECH = '''
def app(environ, start_response):
    if environ["PATH_INFO"] == "/answer":
        body = ('<Response><Gather gatherUrl="/menu" input="speech" hints="sales, support">'
                '<SpeakSentence>Say sales or support.</SpeakSentence></Gather></Response>')
    else:
        body = "<Response><SpeakSentence>Sales, hello.</SpeakSentence></Response>"
    start_response("200 OK", [("Content-Type", "application/xml")])
    return [body.encode()]
'''

KEEPS_STATE = '''
CALLS = [0]


def app(environ, start_response):
    if environ["PATH_INFO"] == "/answer":
        CALLS[0] += 1  # never reset: every call is told apart from the one before
        body = ('<Response><Gather gatherUrl="/menu" maxDigits="1"><SpeakSentence>You are '
                'caller %d</SpeakSentence></Gather></Response>' % CALLS[0])
    else:
        body = "<Response/>"
    start_response("200 OK", [("Content-Type", "application/xml")])
    return [body.encode()]
'''


def wsgi(tmp_path, module: str, source: str):
    (tmp_path / f"{module}.py").write_text(source)
    (tmp_path / "s.yaml").write_text(f"name: s\napp:\n  wsgi: '{module}:app'\n")
    [scenario] = load(tmp_path / "s.yaml")
    return scenario


class TestAppsWithCode:
    def test_a_menu_whose_keys_all_lead_to_one_document(self, tmp_path):
        scenario = wsgi(tmp_path, "ignores", IGNORES_DIGITS)
        exploration = explore(scenario, Options(max_depth=1), BatchRunner())
        [same] = [f for f in exploration.findings if f.kind == "same-document"]

        assert same.message.startswith("every key tried at /answer 1:11 Gather (12 of them) "
                                       "led to the same document, http://app.test/menu")
        assert not exploration.failed  # a notice, not a failure

    def test_a_spoken_menu_whose_answers_all_lead_to_one_document(self, tmp_path):
        scenario = wsgi(tmp_path, "deaf", IGNORES_SPEECH)
        exploration = explore(scenario, Options(max_depth=1), BatchRunner())
        [same] = [f for f in exploration.findings if f.kind == "same-document"]

        assert same.message == ("every phrase said at /answer 1:11 Gather (3 of them) led to "
                                "the same document, http://app.test/menu: the app does not "
                                "look at the speech?")

    def test_an_app_that_answers_the_same_call_differently_is_flagged(self, tmp_path):
        scenario = wsgi(tmp_path, "keeps", KEEPS_STATE)
        exploration = explore(scenario, Options(max_paths=3), BatchRunner())
        kinds = [f.kind for f in exploration.findings]

        assert "nondeterministic" in kinds and exploration.failed

    def test_more_revisits_branch_again_at_a_menu_the_path_came_back_to(self, acme):
        once = len(acme.paths)
        [scenario] = load(SCENARIOS / "explore" / "acme-menu.scenario.yaml")
        twice = explore(scenario, attrs.evolve(acme.options, revisits=2, max_paths=once + 20),
                        BatchRunner())

        assert len(twice.paths) > once and acme.stats.revisited > 0


def verdicts(exploration):
    """Each path's answering-machine detection: its verdict, or why there was none."""
    found = []
    for path in exploration.paths:
        [entry] = [e for e in path.result["timeline"] if e["kind"] == "machine-detection"]
        found.append(entry["detail"]["value"] or entry["detail"]["reason"])
    return found


class TestMachineDetection:
    """An outbound dialer with answering-machine detection (scenarios/amd)."""

    def test_every_verdict_is_reached_at_the_answer(self):
        [scenario] = load(SCENARIOS / "amd" / "dialer-person-answers.scenario.yaml")
        exploration = explore(scenario, Options(max_depth=1), BatchRunner())

        assert verdicts(exploration) == ["silence", "human", "answering-machine", "timeout",
                                         "hangup", "answering-machine"]
        assert [p.ended for p in exploration.paths][:5] == [
            "hangup: <Hangup> in /answer (machine detection: silence)",
            "hangup: end of /menu (machine detection: human)",
            "hangup: <Hangup> in /answer (machine detection: answering-machine)",
            "hangup: <Hangup> in /answer (machine detection: timeout)",
            "hangup: the caller hung up (machine detection: no verdict, hangup)"]
        assert not exploration.failed and exploration.stats.beyond_depth > 0  # the menu

    def test_the_person_then_walks_the_menu_the_dialer_plays_only_to_people(self):
        [scenario] = load(SCENARIOS / "amd" / "dialer-person-answers.scenario.yaml")
        exploration = explore(scenario, Options(max_depth=2), BatchRunner())
        pressed = [p.description for p in exploration.paths if "press 1 at" in p.description]

        assert pressed[0] == ("a person answers: 'Hello?' (1 s), then silence; press 1 at "
                              "/answer 1:11 Gather")
        assert all(p.description.startswith("a person answers") for p in exploration.paths
                   if "Gather" in p.description)

    def test_asynchronous_verdicts_are_paths_of_their_own(self):
        # the app ignores machineDetectionComplete: the verdict alone tells these paths apart
        [scenario] = load(SCENARIOS / "amd" / "dialer-async-results.scenario.yaml")
        exploration = explore(scenario, Options(max_depth=1), BatchRunner())

        # talking on past detectionTimeout: the call (a 10 s Pause) ends first, no verdict
        assert verdicts(exploration)[:5] == ["silence", "human", "answering-machine",
                                             "call-ended", "hangup"]
        assert {p.ended for p in exploration.paths[:4]} >= {
            "hangup: end of /answer (machine detection: human)",
            "hangup: end of /answer (machine detection: answering-machine)"}


REMINDER = '''
import json


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    event = json.loads(environ["wsgi.input"].read(length) or b"{}")
    if environ["PATH_INFO"] == "/answer":   # the scenario's own call: hold while it rings
        body = "<Response><Pause duration=\\"30\\"/></Response>"
    else:                                   # the reminder the app places, by its verdict
        value = (event.get("machineDetectionResult") or {}).get("value")
        body = {"human": "<Response><SpeakSentence>Your order is ready.</SpeakSentence>"
                         "</Response>",
                "answering-machine": "<Response><SpeakSentence>Please call us back."
                                     "</SpeakSentence></Response>"}.get(value,
                                                                        "<Response/>")
    start_response("200 OK", [("Content-Type", "application/xml")])
    return [body.encode()]
'''


class TestCreatedCallMachineDetection:
    """A call the app creates (``calls:``) with machine_detection: its far end is explored
    as the scenario's own outbound call is (TestMachineDetection), its steps set on it."""

    def scenario(self, tmp_path):
        (tmp_path / "reminder.py").write_text(REMINDER)
        (tmp_path / "s.yaml").write_text(
            "name: reminder\napp:\n  wsgi: 'reminder:app'\ncalls:\n  reminder:\n"
            "    to: '+15555550188'\n    answer_url: /reminder\n    at: 1\n"
            "    machine_detection: {mode: sync, speech_end_threshold: 2, speech_threshold: 6}\n")
        [scenario] = load(tmp_path / "s.yaml")
        return scenario

    def test_every_verdict_of_the_created_call_is_reached(self, tmp_path):
        exploration = explore(self.scenario(tmp_path), Options(max_depth=1), BatchRunner())
        found = {p.description: [e["detail"]["value"] or e["detail"]["reason"]
                                 for e in p.result["timeline"]
                                 if e["kind"] == "machine-detection"]
                 for p in exploration.paths}

        assert found == {
            "the caller stays silent": ["silence"],
            "hang up during /answer 1:11 Pause": ["silence"],
            "created call reminder busy": [],
            "created call reminder not answered": [],
            "created call reminder: a person answers: 'Hello?' (1 s), then silence": ["human"],
            "created call reminder: an answering machine answers: a greeting of 8 s":
                ["answering-machine"],
            "created call reminder: the far end starts talking at 9.5 s, past "
            "detectionTimeout (15 s)": ["timeout"],
            "created call reminder: the far end hangs up at 5 s, before a verdict": ["hangup"]}
        # the created call's far end took the steps: the scenario's own caller is untouched,
        # and the app told the person and the machine apart
        assert all(p.scenario.caller == () for p in exploration.paths
                   if p.description.startswith("created call"))
        spoken = [[e for e in p.result["timeline"]
                   if e["kind"] == "verb-start" and e.get("verb") == "SpeakSentence"]
                  for p in exploration.paths if "answers" in p.description]
        assert [len(entries) for entries in spoken] == [1, 1]   # the person, the machine
        assert not exploration.failed and exploration.stats.beyond_depth == 0

    def test_the_paths_emit_scenarios_that_replay_them(self, tmp_path):
        from simulator.explore.emit import render

        scenario = self.scenario(tmp_path)
        exploration = explore(scenario, Options(max_depth=1), BatchRunner())
        [human] = [p for p in exploration.paths if "a person answers" in p.description]
        text = render(human, scenario, tmp_path)
        emitted = tmp_path / "path3.scenario.yaml"
        emitted.write_text(text)
        [again] = load(emitted)

        def steps(scenario):   # where each step was written aside
            return [attrs.evolve(step, line=0) for step in scenario.calls["reminder"].caller]

        assert steps(again) == steps(human.scenario) != []


class TestSpeech:
    """The bundled "say sales or press 1" menu (ivr-speech-menu, input="dtmf_speech")."""

    def test_the_departments_are_reached_by_speech(self):
        [scenario, *_] = load(SCENARIOS / "ivr-speech-menu.scenario.yaml")
        exploration = explore(scenario, Options(), BatchRunner())
        ended = {p.description: p for p in exploration.paths}

        assert exploration.complete and not exploration.failed
        for department in ("sales", "support"):
            path = ended[f'say "{department}" at /answer 1:11 Gather']
            assert path.ended == f"hangup: end of /{department}"
            [gather] = [c for c in path.result["callbacks"] if c["eventType"] == "gather"]
            assert gather["payload"]["speechResult"]["text"] == department
            assert [e["detail"]["reason"] for e in path.result["timeline"]
                    if e["kind"] == "verb-end" and e["verb"] == "Gather"] == ["speech-timeout"]
        unknown = ended['say "I am not sure" at /answer 1:11 Gather']
        assert unknown.ended == "hangup: end of /menu"  # the menu again, then goodbye
        assert not [f for f in exploration.findings if f.kind == "same-document"]
