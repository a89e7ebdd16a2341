"""coverage/universe + data: what an app can return, what runs reached, merged and read back."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from simulator.api import load, run_loaded
from simulator.coverage import Coverage
from simulator.explore import Options, explore
from simulator.explore.runners import BatchRunner
from simulator.scenario.bare import bare_scenario

MENU = """
name: {name}
app:
  bxml: |
    <Response>
      <Gather gatherUrl="/choice" maxDigits="1" firstDigitTimeout="2">
        <SpeakSentence>For sales press 1. For support press 2.</SpeakSentence>
      </Gather>
    </Response>
  routes:
    /choice: "<Response><SpeakSentence>Bye</SpeakSentence><Hangup/></Response>"
    /never: "<Response><Hangup/></Response>"
    /ra: ""
    /media/beep.wav: {{file: beep.wav}}
caller: {caller}
"""


def write(folder, name="menu", caller="[]", file="menu.scenario.yaml"):
    (folder / "beep.wav").write_bytes(b"")
    path = folder / file
    path.write_text(textwrap.dedent(MENU.format(name=name, caller=caller)))
    return path


def measured(*files) -> Coverage:
    coverage = Coverage()
    for file in files:
        for scenario in load(file):
            coverage.add_run(scenario, run_loaded(scenario).to_json())
    return coverage


class TestCannedApp:
    def test_documents_verbs_outcomes_and_routes(self, tmp_path):
        coverage = measured(write(tmp_path, caller='[{press: "1", at: 0.5}]'))
        [app] = coverage.apps.values()
        totals = app.totals()

        assert (totals.documents.hit, totals.documents.total) == (2, 3)  # /never unreached
        assert (totals.verbs.hit, totals.verbs.total) == (4, 5)
        assert (totals.outcomes.hit, totals.outcomes.total) == (1, 3)  # timeout, 1, 2
        assert (totals.routes.hit, totals.routes.total) == (2, 4)  # audio is not a webhook
        gather = app.documents["http://app.test/answer"].gathers["/Response/Gather[1]"]
        assert gather.seen == {"1": 1} and gather.missing == ["timeout", "2"]

    def test_scenarios_of_the_same_app_add_up(self, tmp_path):
        one = write(tmp_path, "a", '[{press: "1", at: 0.5}]', "a.scenario.yaml")
        two = write(tmp_path, "b", '[{press: "2", at: 0.5}]', "b.scenario.yaml")
        coverage = measured(one, two)
        [app] = coverage.apps.values()

        assert app.runs == 2 and app.totals().outcomes.hit == 2

    def test_merging_halves_gives_the_whole_and_json_reads_back(self, tmp_path):
        one = write(tmp_path, "a", '[{press: "1", at: 0.5}]', "a.scenario.yaml")
        two = write(tmp_path, "b", "[]", "b.scenario.yaml")
        whole = measured(one, two)
        halves = measured(one).merge(Coverage.from_json(measured(two).to_json()))

        assert json.dumps(halves.to_json()) == json.dumps(whole.to_json())


class TestStaticAndBare:
    def test_static_files_are_documents_reached_or_not(self, tmp_path):
        (tmp_path / "site").mkdir()
        (tmp_path / "site" / "next.xml").write_text("<Response><Hangup/></Response>")
        (tmp_path / "site" / "other.xml").write_text("<Response><Pause/></Response>")
        (tmp_path / "s.yaml").write_text(
            "name: s\napp:\n  bxml: '<Response><Redirect redirectUrl=\"/next\"/></Response>'\n"
            "  static: site\n")
        [app] = measured(tmp_path / "s.yaml").apps.values()
        sources = {d.url: (d.source, d.hits) for d in app.documents.values()}

        assert sources == {"http://app.test/answer": ("answer", 1),
                           "http://app.test/next": ("static", 1),
                           "http://app.test/other": ("static", 0)}

    def test_a_bare_document_is_the_answer_document_named_by_its_file(self, tmp_path):
        flow = tmp_path / "flow.xml"
        flow.write_text("<Response><SpeakSentence>hi</SpeakSentence></Response>")
        scenario = bare_scenario(flow, [])
        coverage = Coverage()
        coverage.add_run(scenario, run_loaded(scenario).to_json())
        [app] = coverage.apps.values()
        [document] = app.documents.values()

        assert document.source == "answer" and document.file.endswith("flow.xml")
        assert document.hits == 1


FLASK_APP = '''
from flask import Flask

app = Flask(__name__)


@app.post("/answer")
def answer():
    return '<Response><Redirect redirectUrl="/step/1"/></Response>'


@app.post("/step/<int:n>")
def step(n):
    return "<Response><SpeakSentence>step %d</SpeakSentence></Response>" % n


@app.post("/orphan")
def orphan():
    return "<Response/>"
'''

PLAIN_WSGI = '''
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/xml")])
    return [b"<Response><SpeakSentence>hi</SpeakSentence></Response>"]
'''


class TestAppsWithCode:
    def test_flask_routes_are_known_and_matched_by_pattern(self, tmp_path):
        (tmp_path / "flaskapp.py").write_text(FLASK_APP)
        (tmp_path / "s.yaml").write_text("name: s\napp:\n  wsgi: 'flaskapp:app'\n")
        [app] = measured(tmp_path / "s.yaml").apps.values()

        assert {r.route: r.hits for r in app.routes.values()} == {
            "/answer": 1, "/step/<int:n>": 1, "/orphan": 0}
        assert app.generated and "only the documents the runs saw are known" in app.notes[-1]
        assert {d.source for d in app.documents.values()} == {"generated"}

    def test_a_plain_wsgi_callable_has_no_route_table(self, tmp_path):
        (tmp_path / "plain.py").write_text(PLAIN_WSGI)
        (tmp_path / "s.yaml").write_text("name: s\napp:\n  wsgi: 'plain:app'\n")
        [app] = measured(tmp_path / "s.yaml").apps.values()

        assert not app.routes_known and "cannot be listed" in app.notes[0]
        assert app.totals().routes.total == 0

    def test_one_url_returning_two_bodies_is_two_documents(self, tmp_path):
        (tmp_path / "twice.py").write_text(TWICE)
        (tmp_path / "s.yaml").write_text("name: s\napp:\n  wsgi: 'twice:app'\n")
        [app] = measured(tmp_path / "s.yaml").apps.values()
        again = [d for d in app.documents.values() if d.url == "http://app.test/again"]

        assert len(again) == 2 and all(d.hits == 1 for d in again)
        assert {next(iter(d.verbs.values())).verb for d in again} == {"Redirect",
                                                                      "SpeakSentence"}


TWICE = '''
SEEN = {}


def app(environ, start_response):
    path = environ["PATH_INFO"]
    SEEN[path] = SEEN.get(path, 0) + 1
    if path == "/again" and SEEN[path] % 2:
        body = '<Response><Redirect redirectUrl="/again"/></Response>'
    elif path == "/again":
        body = "<Response><SpeakSentence>done</SpeakSentence></Response>"
    else:
        body = '<Response><Redirect redirectUrl="/again"/></Response>'
    start_response("200 OK", [("Content-Type", "application/xml")])
    return [body.encode()]
'''


SPEECH_MENU = ('<Response><Gather gatherUrl="/choice" input="dtmf_speech" hints="sales, support"'
               ' maxDigits="1" firstDigitTimeout="2" speechTimeout="1"><SpeakSentence>Say sales '
               'or press 1. Say support or press 2.</SpeakSentence></Gather></Response>')


def spoken(*callers: list, bxml: str = SPEECH_MENU):
    """The coverage of the Gather of ``bxml`` by one run per caller script."""
    coverage = Coverage()
    for caller in callers:
        [scenario] = load({"name": "s", "app": {"bxml": bxml, "routes": {"/choice": ""}},
                           "caller": caller})
        coverage.add_run(scenario, run_loaded(scenario).to_json())
    [app] = coverage.apps.values()
    return app.documents["http://app.test/answer"].gathers["/Response/Gather[1]"]


SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


class TestSpeechGathers:
    def test_saying_a_hint_marks_it_seen_as_recognition_wrote_it(self):
        gather = spoken([{"say": "Sails", "at": 0.5}])  # heard as the hint "sales"

        assert gather.expected == ["timeout", "1", "2", "say:sales", "say:support"]
        assert gather.seen == {"say:sales": 1}
        assert gather.missing == ["timeout", "1", "2", "say:support"]

    def test_a_phrase_matching_no_hint_is_shown_not_counted(self):
        gather = spoken([{"say": "sales please", "at": 0.5}], [{"press": "2", "at": 0.5}])

        assert gather.seen == {"say:sales please": 1, "2": 1}
        assert gather.covered == ["2"]
        assert "say:sales please" in gather.to_json()["seen"]

    def test_any_speech_covers_a_speech_gather_without_hints(self):
        bxml = SPEECH_MENU.replace(' input="dtmf_speech" hints="sales, support"',
                                   ' input="speech"')
        gather = spoken([{"say": "I would like to talk to someone", "at": 0.5}], [], bxml=bxml)

        assert gather.expected == ["timeout", "speech"]
        assert gather.missing == []

    def test_the_bundled_speech_menu_explored_sees_every_outcome_of_its_first_gather(self):
        [scenario, *_] = load(SCENARIOS / "ivr-speech-menu.scenario.yaml")
        [app] = explore(scenario, Options(), BatchRunner()).coverage.apps.values()
        [answer] = [d for d in app.documents.values() if d.url == "http://app.test/answer"]
        first = answer.gathers["/Response/Gather[1]"]

        assert first.expected == ["timeout", "1", "2", "say:sales", "say:support"]
        assert first.missing == []
        assert first.seen["say:I am not sure"] >= 1  # explore's unrecognised answer: shown
        # The menu again (/menu, the same body) is the same state to explore, so it is not
        # explored again: its keys and hints stay unseen there.
