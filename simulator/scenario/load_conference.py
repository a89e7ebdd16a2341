"""Value checks of the REST actions on a conference (scenario ``rest[i]``), for ``load.py``.

``rest[i].conference`` names the target by its ``<Conference>`` name; the actions are
``update_conference`` (voice-api.md §7.3), ``put_conference_bxml`` (§7.4) and
``update_conference_member`` (§7.5). Each problem goes to the builder's ``bad`` as a
``file:line: $.path`` error; what can only be known while running (the conference does not
exist yet, the member is not in it) is a status on the ``rest`` timeline entry instead.
"""

from __future__ import annotations

import re

from simulator import rest_rules as rules
from simulator.scenario import model, schema

#: A ``<Conference>`` name (bxml-verbs.md §7.3): what the room of the request can be called.
CONFERENCE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def build_conference_action(builder, parts: tuple, action: schema.RestDoc,
                            names: set) -> dict:
    """The model fields of a conference action (``conference`` and its one action)."""
    if not CONFERENCE_NAME.match(action.conference.strip()):
        builder.bad(parts + ("conference",), "bad conference name",
                    "the <Conference> name: 1 to 100 letters, digits, '-', '_' or '.'",
                    action.conference)
    fields = {"conference": action.conference.strip()}
    if action.update_conference is not None:
        fields["update_conference"] = builder.build_update(
            parts + ("update_conference",), action.update_conference, rules.CONFERENCE_UPDATE)
    if action.put_conference_bxml is not None:
        body, where = action.put_conference_bxml, parts + ("put_conference_bxml",)
        if not body.strip():
            builder.bad(where, "bad value", "a BXML document such as "
                        "<Bxml><SpeakSentence>hello</SpeakSentence></Bxml>", body)
        fields["put_conference_bxml"] = body
    if action.update_conference_member is not None:
        fields["update_conference_member"] = _member(
            builder, parts + ("update_conference_member",), action.update_conference_member,
            names)
    return fields


def _member(builder, parts: tuple, member: model.UpdateConferenceMember,
            names: set) -> model.UpdateConferenceMember:
    expected = "main or a name under `calls:` (" + (", ".join(sorted(names)) or
                                                    "none defined") + ")"
    if member.member != "main" and member.member not in names:
        builder.bad(parts + ("member",), "unknown call", expected, member.member)
    coached = None
    if member.call_ids_to_coach is not None:
        coached = tuple(member.call_ids_to_coach)
        for i, name in enumerate(coached):
            if name != "main" and name not in names:
                builder.bad(parts + ("call_ids_to_coach", i), "unknown call", expected, name)
            elif name == member.member:
                builder.bad(parts + ("call_ids_to_coach", i), "bad value",
                            "calls other than the member itself (a coach coaches others)", name)
    return model.UpdateConferenceMember(member=member.member, mute=member.mute,
                                        hold=member.hold, call_ids_to_coach=coached)
