"""The verb catalogue against spec/bxml-verbs.md: every element, attribute spelling and default."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

from simulator.bxml import nodes as n
from simulator.bxml.values import convert_attr

# The spec pack is vendored in docs/spec; tests needing it skip only if it was removed.
SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec" / "bxml-verbs.md"
spec_missing = pytest.mark.skipif(not SPEC.exists(), reason="spec/bxml-verbs.md not available")


def _catalogue_table_names() -> list[str]:
    """Element names of the spec's §1.6 catalogue table."""
    names, in_table = [], False
    for line in SPEC.read_text().splitlines():
        if line.startswith("| Element | Kind |"):
            in_table = True
        elif in_table and line.startswith("| `"):
            names.append(re.match(r"\| `(\w+)`", line).group(1))
        elif in_table and not line.startswith("|"):
            break
    return names


def _attribute_rows() -> dict[str, dict[str, str]]:
    """element -> attribute -> default cell, from every Name|Type|Default table of the spec."""
    rows: dict[str, dict[str, str]] = {}
    current = header = None
    for line in SPEC.read_text().splitlines():
        heading = (re.match(r"^###\s+(?:[\d.]+\s+)?`<(\w+)>`", line)
                   or re.match(r"^\*\*`<(\w+)>`\*\*", line))
        if heading:
            current = heading.group(1)
        if line.startswith("| Name | Type | Default"):
            header = line
        elif not line.startswith("|"):
            header = None
        elif header and current and line.startswith("| `"):
            cells = [c.strip() for c in line.split("|")[1:-1]]
            for name in re.findall(r"`(\w+)`", cells[0]):
                rows.setdefault(current, {})[name] = cells[2]
    return rows


@spec_missing
def test_catalogue_has_exactly_the_elements_of_the_spec():
    assert sorted(n.CATALOGUE) == sorted(_catalogue_table_names())


def test_roots_verbs_and_nouns_are_classified_like_the_spec():
    assert n.CATALOGUE["Response"] is n.CATALOGUE["Bxml"] is n.Response
    assert set(n.NOUN_NAMES) == {"PhoneNumber", "SipUri", "StreamParam", "CustomParam", "Endpoint"}
    assert set(n.VERB_NAMES) == {name for name, cls in n.CATALOGUE.items() if cls.KIND == "verb"}
    assert len(n.VERB_NAMES) == len(set(n.VERB_NAMES))


@spec_missing
def test_every_spec_attribute_exists_with_its_spelling_default_and_required_flag():
    rows = _attribute_rows()
    assert len(rows) >= 20  # the tables were found
    checked = 0
    for element, table in rows.items():
        spec = n.element_spec(n.CATALOGUE[element])
        for xml, cell in table.items():
            assert xml in spec.attrs, f"{element}@{xml} missing from the catalogue"
            field, attr = spec.attrs[xml]
            assert attr.required == ("required" in cell), f"{element}@{xml} required flag"
            literal = re.fullmatch(r"`([^`]*)`", cell)
            if literal:
                raw = "" if literal.group(1) == '""' else literal.group(1)
                value, problems = convert_attr(attr, raw)
                assert not [p for p in problems if p[0] < "BX4"], (element, xml, problems)
                assert value == attr.default, f"{element}@{xml}: {attr.default!r} != {raw!r}"
            else:  # "—", or prose such as "generated stream id": no static default
                assert attr.default is None, f"{element}@{xml} should have no default"
            checked += 1
    assert checked > 150


@spec_missing
def test_every_catalogue_attribute_is_in_the_spec_tables():
    rows = _attribute_rows()
    rows["SipUri"] = {**rows["PhoneNumber"], **rows["SipUri"]}  # "same attributes as PhoneNumber"
    prose_only = {"Connect", "StreamParam", "CustomParam"}     # described in running text
    for name, cls in n.CATALOGUE.items():
        if name in prose_only or not n.element_spec(cls).attrs:
            continue
        assert set(n.element_spec(cls).attrs) == set(rows[name]), name


def test_fields_are_the_snake_case_of_the_xml_names():
    for cls in set(n.CATALOGUE.values()):
        for xml, (field, _) in n.element_spec(cls).attrs.items():
            assert field == n.snake_case(xml)
    assert n.snake_case("recordCompleteUrl") == "record_complete_url"
    assert n.snake_case("from") == "from_"


def test_text_and_children_fields_are_named_as_internals_says():
    text = {cls.__name__: n.element_spec(cls).text[0]
            for cls in set(n.CATALOGUE.values()) if n.element_spec(cls).text}
    assert text == {"SpeakSentence": "text", "PlayAudio": "url", "SendDtmf": "digits",
                    "Tag": "value", "Bridge": "target_call_id", "Conference": "name",
                    "PhoneNumber": "number", "SipUri": "uri", "Endpoint": "endpoint_id"}
    children = {cls.__name__: n.element_spec(cls).children[0]
                for cls in set(n.CATALOGUE.values()) if n.element_spec(cls).children}
    assert children == {"Response": "verbs", "Gather": "prompts", "Transfer": "targets",
                        "StartStream": "params", "StartTranscription": "params",
                        "Connect": "endpoints", "Refer": "targets"}


def test_defaults_are_applied_and_typed():
    assert n.Record().max_duration == 60.0 and isinstance(n.Record().max_duration, float)
    assert n.Record().terminating_digits == "#"
    assert n.Gather().max_digits == 50 and isinstance(n.Gather().max_digits, int)
    assert n.Gather().terminating_digits == ""
    assert n.Redirect().redirect_method == "POST"
    assert n.Ring().answer_call is True
    assert n.Conference().callback_timeout is None


def test_positions_do_not_take_part_in_equality():
    assert n.Hangup(line=1, col=2) == n.Hangup(line=5, col=9)
    assert n.Response(verbs=[n.Pause(duration=2.0)]) == n.Response(verbs=(n.Pause(duration=2.0),))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        n.Pause().duration = 3.0


def test_contexts_follow_spec_section_9():
    assert n.CONTEXTS["conference"] == {"PlayAudio", "SpeakSentence", "StartRecording",
                                        "StopRecording", "PauseRecording", "ResumeRecording"}
    for verb in ("Transfer", "Bridge", "Conference", "Forward"):
        assert verb not in n.CONTEXTS["transferAnswer"]
    assert {"Record", "Gather", "Redirect", "Hangup", "Tag"} <= n.CONTEXTS["transferAnswer"]
    assert n.CONTEXTS["call"] == set(n.VERB_NAMES)
