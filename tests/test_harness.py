"""BxmlSim and keyword scenarios: apps as objects, factories, import strings, routes, URLs."""

from __future__ import annotations

import textwrap

import pytest

import simulator
from simulator import BxmlSim
from simulator.errors import ScenarioError, TransportError

CALLER = [{"wait_for": "Gather"}, {"press": "7"}]

COUNTER_APP = textwrap.dedent('''\
    """A Flask app that counts the calls it answered: module-level state."""
    from flask import Flask, request


    def create_app():
        app = Flask(__name__)
        app.config["answered"] = 0

        @app.post("/answer")
        def answer():
            app.config["answered"] += 1
            return ('<Response><SpeakSentence>call %d</SpeakSentence>'
                    '<Gather gatherUrl="/menu" maxDigits="1"/></Response>'
                    % app.config["answered"])

        @app.post("/menu")
        def menu():
            return "<Response><SpeakSentence>you chose %s</SpeakSentence></Response>" % (
                request.get_json()["digits"])

        return app


    app = create_app()
''')

ASGI_APP = textwrap.dedent('''\
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    def create_app():
        api = FastAPI()

        @api.post("/answer")
        async def answer():
            return Response('<Response><Gather gatherUrl="/menu" maxDigits="1"/></Response>',
                            media_type="application/xml")

        @api.post("/menu")
        async def menu(request: Request):
            digits = (await request.json())["digits"]
            return Response(f"<Response><SpeakSentence>{digits}</SpeakSentence></Response>",
                            media_type="application/xml")
        return api

    app = create_app()
''')


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project root (pyproject.toml) with its apps; the current folder elsewhere."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "counter_app.py").write_text(COUNTER_APP)
    (tmp_path / "asgi_demo.py").write_text(ASGI_APP)
    elsewhere = tmp_path.parent / f"{tmp_path.name}-cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.syspath_prepend(str(tmp_path))  # to import the module objects in the test
    yield tmp_path


def greeting(result) -> str:
    return result.callbacks("initiate")[0].response_body.split("</SpeakSentence>")[0]


def test_a_factory_gives_every_run_a_fresh_app(project):
    import counter_app

    sim = BxmlSim(base_dir=project)
    first = sim.run(app=counter_app.create_app, caller=CALLER, expect={"digits": "7"})
    second = sim.run(app=counter_app.create_app, caller=CALLER, expect={"digits": "7"})
    assert first.passed and second.passed
    assert greeting(first).endswith("call 1") and greeting(second).endswith("call 1")


def test_an_app_object_is_used_as_it_is(project):
    import counter_app

    counter_app.app.config["answered"] = 0
    sim = BxmlSim()
    sim.run(app=counter_app.app, caller=CALLER)
    assert greeting(sim.run(app=counter_app.app, caller=CALLER)).endswith("call 2")


@pytest.mark.parametrize("spec", ["asgi_demo:app", "asgi_demo:create_app"])
def test_asgi_apps_and_factories_by_import_string(project, spec):
    result = BxmlSim(base_dir=project).run(app=spec, caller=CALLER, expect={"digits": "7"})
    result.assert_ok()


def test_an_asgi_object(project):
    import asgi_demo

    BxmlSim().run(app=asgi_demo.create_app(), caller=CALLER, expect={"digits": "7"}).assert_ok()


def test_an_import_string_factory_in_a_scenario_file_is_called_for_each_scenario(project):
    (project / "tests").mkdir()
    path = project / "tests" / "two.yaml"
    path.write_text(textwrap.dedent("""\
        scenarios:
          - name: one
            app: {wsgi: "counter_app:create_app"}
          - name: two
            app: {wsgi: "counter_app:create_app"}
        """))
    results = BxmlSim().run_all(path)
    assert [greeting(r)[-6:] for r in results] == ["call 1", "call 1"]


def test_routes_and_a_base_url(project):
    routes = BxmlSim().run(app={"/answer": "<Response><Hangup/></Response>"},
                           expect={"callbacks": ["initiate"]})
    assert routes.passed
    refused = BxmlSim().run(app="http://127.0.0.1:9/", call={"callback_timeout": 1})
    assert refused.call.disconnect_cause == "callback-error"


def test_routes_answer_first_then_a_python_app(project):
    import counter_app

    result = BxmlSim().run(app={"routes": {"/menu": "<Response><Hangup/></Response>"},
                                "wsgi": counter_app.create_app}, caller=CALLER)
    assert result.callbacks("gather")[0].response_body == "<Response><Hangup/></Response>"


def test_keywords_replace_the_keys_of_a_file(project):
    path = project / "vm.yaml"
    path.write_text("name: from a file\napp:\n  bxml: <Response/>\n"
                    "expect:\n  disconnect_cause: busy\n")
    sim = BxmlSim()
    assert sim.run(path).passed is False
    assert sim.run(path, expect={"disconnect_cause": "hangup"}).passed is True
    assert sim.run(path, app="counter_app:create_app", caller=CALLER,
                   expect={"digits": "7"}).passed


def test_run_scenario_takes_the_same_keywords(project):
    result = simulator.run_scenario({"name": "kw"}, app="asgi_demo:app", caller=CALLER,
                                    expect={"digits": "7"})
    assert result.passed, result.failures


def test_each_run_has_its_own_output_folder(tmp_path):
    sim = BxmlSim(out_dir=tmp_path / "out")
    one = sim.run(app={"/answer": "<Response/>"})
    two = sim.run(app={"/answer": "<Response/>"})
    assert (one.out_dir.name, two.out_dir.name) == ("scenario", "scenario-2")
    assert (one.out_dir / "result.json").is_file() and sim.results == [one, two]


def test_what_is_not_an_app_is_refused_with_what_would_be():
    with pytest.raises(TransportError, match="not an app; expected a WSGI app"):
        BxmlSim().run(app=lambda a, b, c, d: None)
    with pytest.raises(ScenarioError, match="import string"):
        BxmlSim().run(app="nonsense")


def test_a_factory_that_raises_points_at_its_line(project):
    def create_app():
        raise RuntimeError("no database")

    with pytest.raises(TransportError, match="factory create_app.* raised.*no database") as e:
        BxmlSim().run(app=create_app)
    assert "test_harness.py:" in e.value.where


def test_an_asgi_app_under_wsgi_is_named_as_such(project):
    with pytest.raises(TransportError, match="this is an ASGI app; expected a WSGI app"):
        BxmlSim().run({"name": "wrong key", "app": {"wsgi": "asgi_demo:app"}})


def test_bad_keywords_are_scenario_errors_with_their_path():
    with pytest.raises(ScenarioError, match=r"\$\.caller\[0\]\.press: wrong type"):
        BxmlSim().run(caller=[{"press": 5}])
    with pytest.raises(ScenarioError, match=r"\$\.colour: unknown key"):
        BxmlSim().run(colour="red")
