"""The `app:` section: its lines are kept, so errors found when the run sets the app up point
at the `app.wsgi:` / `app.asgi:` line of the scenario file."""

from __future__ import annotations

import textwrap

import pytest

from simulator.api import run_scenario
from simulator.errors import ScenarioError, TransportError
from simulator.scenario.load import load_scenarios, load_text
from simulator.scenario.model import AppSettings


def test_app_settings_remember_their_lines():
    [scenario] = load_text(textwrap.dedent("""\
        name: lines
        seed: 1
        app:
          base_url: http://app.test
          wsgi: "web:app"
        """))
    app = scenario.app
    assert app.line == 3
    assert app.lines == {"base_url": 4, "wsgi": 5}
    assert app.line_of("wsgi") == 5
    assert app.line_of("asgi") == 3  # not written: the `app:` line


def test_app_settings_built_in_python_have_no_lines():
    assert AppSettings().line == 0 and AppSettings().line_of("wsgi") == 0


@pytest.mark.parametrize("key", ["wsgi", "asgi"])
def test_a_module_that_cannot_be_found_is_an_error_at_its_line(tmp_path, key):
    path = tmp_path / "s.yaml"
    path.write_text(f"name: missing app\nseed: 0\napp:\n  base_url: http://app.test\n"
                    f"  {key}: 'nosuchmodule_xyz:app'\n")
    with pytest.raises(TransportError) as caught:
        run_scenario(load_scenarios(path)[0])
    assert caught.value.where == f"{path}:5"
    assert str(caught.value).startswith(f"{path}:5: app.{key}: cannot import module")


def test_an_asgi_app_failing_at_startup_is_an_error_at_the_asgi_line(tmp_path):
    (tmp_path / "failing.py").write_text(
        "async def app(scope, receive, send):\n"
        "    await receive()\n"
        "    await send({'type': 'lifespan.startup.failed', 'message': 'no database'})\n")
    path = tmp_path / "s.yaml"
    path.write_text("name: failing\napp:\n  asgi: 'failing:app'\n")
    with pytest.raises(TransportError, match="no database") as caught:
        run_scenario(path)
    assert caught.value.where == f"{path}:3"


def test_an_error_with_its_own_place_keeps_it(tmp_path):
    (tmp_path / "raising.py").write_text("x = 1\nraise RuntimeError('kaboom')\n")
    path = tmp_path / "s.yaml"
    path.write_text("name: raising\napp:\n  wsgi: 'raising:app'\n")
    with pytest.raises(TransportError) as caught:
        run_scenario(path)
    assert caught.value.where == f"{tmp_path / 'raising.py'}:2"  # the failing line itself


# ---- app.static: a folder served under base_url (after routes, before the app)


def test_static_folder_resolves_against_the_scenario_folder(tmp_path):
    (tmp_path / "site").mkdir()
    path = tmp_path / "s.yaml"
    path.write_text("name: static\napp:\n  static: site\n")
    [scenario] = load_scenarios(path)
    assert scenario.app.static == tmp_path / "site"
    assert scenario.app.lines["static"] == 3


@pytest.mark.parametrize("route", ["media/./hi.xml", "media//hi.xml", "link.xml",
                                   "linked/hi.xml", "media/../media/hi.xml"])
def test_a_route_file_is_its_resolved_path_through_links_and_dots(tmp_path, route):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "hi.xml").write_text("<Response/>")
    (tmp_path / "link.xml").symlink_to(tmp_path / "media" / "hi.xml")
    (tmp_path / "linked").symlink_to(tmp_path / "media", target_is_directory=True)
    path = tmp_path / "s.yaml"
    path.write_text(f"name: r\napp:\n  routes:\n    /answer: {{file: '{route}'}}\n")
    [scenario] = load_scenarios(path)
    assert scenario.app.routes["/answer"].file == (tmp_path / "media" / "hi.xml").resolve()


def test_a_route_file_that_is_a_folder_is_not_found(tmp_path):
    (tmp_path / "media").mkdir()
    path = tmp_path / "s.yaml"
    path.write_text("name: r\napp:\n  routes:\n    /answer: {file: media}\n")
    with pytest.raises(ScenarioError, match=r"\$.app.routes\[\"/answer\"\].file: file not found"):
        load_scenarios(path)


@pytest.mark.parametrize("make", ["missing", "a file"])
def test_static_folder_that_is_not_a_folder_is_an_error_at_its_line(tmp_path, make):
    if make == "a file":
        (tmp_path / "site").write_text("not a folder")
    path = tmp_path / "s.yaml"
    path.write_text("name: static\napp:\n  bxml: <Response/>\n  static: site\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(path)
    assert caught.value.problems == [
        f"{path}:4: $.app.static: folder not found; expected a folder relative to {tmp_path}, "
        f"got 'site'"]


def test_static_folder_must_be_a_string(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: static\napp:\n  static: 12\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(path)
    assert caught.value.problems[0].startswith(f"{path}:3: $.app.static: wrong type")


def test_a_scenario_serves_its_static_folder_after_its_routes(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "next.xml").write_text('<Response><Redirect redirectUrl="/menu"/>'
                                                '</Response>')
    (tmp_path / "site" / "menu.xml").write_text(
        "<Response><SpeakSentence>from the folder</SpeakSentence></Response>")
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent("""\
        name: static pages
        call: {disconnect_url: /disc}
        app:
          static: site
          bxml: '<Response><Redirect redirectUrl="/next"/></Response>'
          routes:
            /menu: '<Response><SpeakSentence>from the route</SpeakSentence></Response>'
        expect:
          callbacks:
            - {event: redirect, url: http://app.test/next, status: 200}
            - {event: redirect, url: http://app.test/menu, responseBody: {contains: the route}}
            - {event: disconnect, status: 404}   # no route and no file: said, so accepted
          disconnect_cause: hangup
        """))
    result = run_scenario(path)
    assert result.passed, result.failures
    # unknown paths are still a 404 in a scenario (no empty "no app" reply)
    disc = [c for c in result.callbacks if c["eventType"] == "disconnect"]
    assert disc[0]["status"] == 404 and "no file for POST http://app.test/disc" in \
        disc[0]["responseBody"]
