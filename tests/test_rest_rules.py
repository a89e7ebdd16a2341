"""simulator/rest_rules.py: the Voice REST API's request rules (voice-api.md §3.1, §3.4, §4.1,
§7.3; README #5). The front doors applying them are tested with their modules: the loader in
tests/scenario/test_load_rest.py, the engine in tests/engine/test_rest.py, the emulator's body
checks in tests/server/test_server_api.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from simulator import rest_rules as rules


# -- the rules -----------------------------------------------------------------------------------

def test_rest_names_are_the_camel_case_of_the_model_fields():
    assert rules.rest_name("redirect_fallback_url") == "redirectFallbackUrl"
    assert rules.rest_name("tag") == "tag"


@pytest.mark.parametrize("value, relative_ok, reason", [
    ("http://app.test/a", False, None),
    ("https://app.test", False, None),
    ("/answer", True, None),
    ("/answer", False, rules.RELATIVE),
    ("ftp://app.test/a", True, rules.SCHEME),
    ("http:///nohost", True, rules.SCHEME),
    ("http://app.test/a b", True, rules.SPACES),
    ("", True, rules.SPACES),
    ("http://[bad", True, rules.UNPARSEABLE),
])
def test_a_webhook_url_is_http_or_https_with_a_host_or_where_allowed_a_path(value, relative_ok,
                                                                             reason):
    problem = rules.url_problem("answer_url", value, relative_ok=relative_ok)
    assert (problem.reason if problem else None) == reason
    assert rules.url_problem("answer_url", None, relative_ok=False) is None


def test_limits_of_urls_credentials_and_tags():
    assert rules.url_problem("u", "http://a.test/" + "x" * 2034, relative_ok=False) is None
    long = rules.url_problem("u", "http://a.test/" + "x" * 2035, relative_ok=False)
    assert (long.code, long.limit) == (rules.TOO_LONG, rules.MAX_URL) == (rules.TOO_LONG, 2048)
    assert [p.field for p in rules.credential_problems(
        {"username": "u" * 1024, "password": "p" * 1025, "fallback_password": None})] \
        == ["password"]
    assert rules.too_long("tag", "t" * 4097, rules.MAX_TAG).limit == 4096
    assert rules.method_problem("redirect_method", "PUT").code == rules.BAD_VALUE


def test_an_active_update_needs_a_redirect_url():
    for rule in (rules.CALL_UPDATE, rules.CONFERENCE_UPDATE):
        assert rules.update_problems(rule, "active", {"redirect_url": "/x"}) == []
        for missing in ({}, {"redirect_url": None}, {"redirect_url": ""}):
            assert rules.update_problems(rule, "active", missing) == [
                rules.Problem(rules.MISSING, "redirect_url")]


def test_a_completed_update_forbids_the_redirect_and_on_a_call_the_tag():
    given = {"redirect_url": "/x", "redirect_method": "GET", "redirect_fallback_url": "/f",
             "tag": "t", "username": "u"}
    call = rules.update_problems(rules.CALL_UPDATE, "completed", given)
    assert [(p.code, p.field) for p in call] == [
        (rules.NOT_ALLOWED, f) for f in ("redirect_url", "redirect_method",
                                         "redirect_fallback_url", "tag")]
    conference = rules.update_problems(rules.CONFERENCE_UPDATE, "completed", given)
    assert [p.field for p in conference] == ["redirect_url", "redirect_fallback_url"]
    assert rules.update_problems(rules.CALL_UPDATE, "completed", {"tag": None}) == []


def test_an_update_state_is_active_or_completed():
    [bad] = rules.update_problems(rules.CONFERENCE_UPDATE, "paused", {"redirect_url": "/x"})
    assert (bad.code, bad.field, bad.value) == (rules.BAD_VALUE, "status", "paused")


def test_a_recording_change_needs_a_start_recording_recording():
    assert rules.recording_problem("paused") is None and rules.recording_problem("recording") \
        is None
    assert rules.recording_problem("stopped").code == rules.BAD_VALUE
    assert rules.recording_refusal(True, "paused") is None
    assert rules.recording_refusal(False, "paused") == rules.Refusal(
        409, "has no StartRecording recording to pause")
    assert rules.recording_refusal(False, "recording").reason.endswith("to resume")


@pytest.mark.parametrize("state, change, direction, expected", [
    (None, "redirect", "outbound", (404, "not found")),
    (None, "hangup", "inbound", (404, "not found")),
    ("disconnected", "hangup", "outbound", (409, "has already ended")),
    ("disconnected", "recording", "inbound", (409, "has already ended")),
    ("queued", "hangup", "outbound", None),  # removed from the queue (§3.1)
    ("queued", "redirect", "outbound", (409, "is still queued")),
    ("queued", "put_bxml", "outbound", (409, "is still queued")),
    ("initiated", "hangup", "outbound", None),  # cancels the ringing call
    ("initiated", "redirect", "outbound", (409, "is not answered yet")),
    ("initiated", "put_bxml", "outbound", (409, "is not answered yet")),
    ("initiated", "recording", "outbound", (409, "is not answered yet")),
    ("initiated", "redirect", "inbound", None),  # its initiate BXML runs while it rings
    ("answered", "redirect", "outbound", None),
    ("answered", "recording", "inbound", None),
])
def test_a_call_change_is_refused_by_the_call_state_table_of_section_10(state, change, direction,
                                                                          expected):
    refusal = rules.call_refusal(state, change, direction=direction)
    assert (None if refusal is None else (refusal.status, refusal.reason)) == expected
    if refusal is not None:
        assert (refusal.change, refusal.state) == (change, state)
        assert refusal.doing == rules.CALL_CHANGES[change]


def test_an_unknown_call_change_is_a_bug_of_the_caller():
    with pytest.raises(ValueError, match="unknown call change 'transfer'"):
        rules.call_refusal("answered", "transfer")


def test_every_front_door_asks_the_call_state_rule_and_words_none_of_its_own():
    """The engine (scenario rest:), the emulator and the API inside a run refuse a call change
    through rest_rules.call_refusal: none of them tests a leg's state for a refusal itself."""
    root = Path(rules.__file__).parent
    for module in ("engine/rest.py", "voice_api/backend.py"):  # the engine; the API's backends
        assert "call_refusal(" in (root / module).read_text(encoding="utf-8"), module
    for module in ("engine/rest.py", "voice_api/backend.py", "voice_api/routes.py",
                   "server/state.py", "voice_api/run.py"):
        text = (root / module).read_text(encoding="utf-8")
        assert "not answered yet\"" not in text and "has already ended\"" not in text, module


def test_the_rules_import_nothing_of_the_simulator_and_no_server_extra():
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "collections.abc", "typing", "urllib.parse", "attrs"}
