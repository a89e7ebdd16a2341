"""Document rules over a built tree, and ``lint_bxml``: every diagnostic of a document at once.

The reader (reader.py) already reports XML, element, attribute, text and SSML problems; this
module adds what needs the whole tree: where a verb may run (spec §9, ``context``), cross-field
rules (Gather ``repeatCount x prompts <= 20``, privacy display names) and the warnings for legal
but suspicious BXML (BX4xx, listed in docs/bxml.md).

Contexts: ``"call"`` (any call document), ``"transferAnswer"`` (BXML returned to
transferAnswer, run on the B-leg) and ``"conference"`` (conference event replies and
``PUT .../conferences/{id}/bxml``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from simulator.bxml import nodes as n
from simulator.bxml.diagnostics import Diagnostic
from simulator.bxml.reader import read

CONTEXT_LABELS = {"call": "call BXML", "transferAnswer": "transferAnswer (B-leg) BXML",
                  "conference": "conference BXML"}

# Verbs after which the rest of the document never runs: always, or when the named URL is set
# (their webhook's reply replaces the document, spec §1.3).
_SWITCHES: dict[type, str | None] = {
    n.Redirect: None, n.Hangup: None, n.Forward: None, n.Gather: "gather_url",
    n.Record: "record_complete_url", n.Transfer: "transfer_complete_url",
    n.Bridge: "bridge_complete_url", n.Refer: "refer_complete_url",
}
# Verbs whose credentials require https URLs (spec §1.5): the URL fields concerned.
_HTTPS_WITH_CREDENTIALS = {
    n.Record: ("record_complete_url", "recording_available_url", "transcription_available_url"),
    n.StartRecording: ("recording_available_url", "transcription_available_url"),
    n.StartStream: ("stream_event_url",),
    n.StartTranscription: ("transcription_event_url",),
}
_PRIVATE_NAMES = n.CALLER_ID_WORDS
# Gather attributes "Only used when input includes speech" (SDK gather.py): given when not
# their default.
_SPEECH_ATTRIBUTES = {
    "hints": lambda g: g.hints is not None, "language": lambda g: g.language is not None,
    "partialResultCallback": lambda g: g.partial_result_callback is not None,
    "profanityFilter": lambda g: not g.profanity_filter,
    "speechModel": lambda g: g.speech_model is not None,
    "speechTimeout": lambda g: g.speech_timeout != 5.0,
}


def check_tree(tree: n.Response, *, context: str = "call",
               file: str | None = None) -> list[Diagnostic]:
    """Context, cross-field and warning diagnostics of a built tree."""
    if context not in n.CONTEXTS:
        raise ValueError(f"context must be one of {', '.join(n.CONTEXTS)}, got {context!r}")
    out: list[Diagnostic] = []

    def add(code: str, message: str, node: n.Node) -> None:
        out.append(Diagnostic.make(code, message, node.line, node.col, file))

    allowed = n.CONTEXTS[context]
    for verb in tree.verbs:   # one pass; the checks of each class are looked up once
        kind = type(verb)
        if kind.__name__ not in allowed:
            add("BX103", f"<{kind.__name__}> is not allowed in {CONTEXT_LABELS[context]}; "
                         f"allowed: {', '.join(v for v in n.VERB_NAMES if v in allowed)}", verb)
        check = _CHECKS.get(kind)
        if check is not None:
            check(verb, context, add)
    _check_sequence(tree.verbs, add)
    return out


def _check_gather(verb: n.Gather, context: str, add) -> None:
    if verb.repeat_count * len(verb.prompts) > 20:
        add("BX108", f"<Gather> repeatCount x nested verbs must be <= 20, got "
                     f"{verb.repeat_count} x {len(verb.prompts)}", verb)
    if "speech" not in verb.input:
        unused = [xml for xml, used in _SPEECH_ATTRIBUTES.items() if used(verb)]
        if unused:
            add("BX404", f"<Gather> {', '.join(unused)} only work with input=\"speech\" or "
                         f"\"dtmf_speech\" (input is \"{verb.input}\")", verb)
    if verb.gather_url is None:
        add("BX406", "<Gather> has no gatherUrl: the digits collected are discarded", verb)
    for prompt in verb.prompts:
        check = _CHECKS.get(type(prompt))
        if check is not None:
            check(prompt, context, add)


def _check_connection(verb: n.Transfer | n.Forward, context: str, add) -> None:
    """Transfer and Forward (their targets, PhoneNumber/SipUri, have nothing to check)."""
    name = type(verb).__name__
    if isinstance(verb, n.Transfer):
        display, attr = verb.transfer_caller_display_name, "transferCallerDisplayName"
    else:
        display, attr = verb.caller_display_name, "callerDisplayName"
    if verb.privacy and display is not None and display not in _PRIVATE_NAMES:
        add("BX205", f"<{name} privacy=\"true\"> allows {attr} only as one of "
                     f"{', '.join(_PRIVATE_NAMES)}, got {display!r}", verb)
    if verb.diversion_reason != "unknown" and verb.diversion_treatment != "stack":
        add("BX408", f"<{name}> diversionReason is only used with "
                     "diversionTreatment=\"stack\"", verb)


def _check_speak(verb: n.SpeakSentence, context: str, add) -> None:
    if verb.voice is not None and (verb.gender != "female" or verb.locale != "en_US"):
        add("BX408", "<SpeakSentence> voice is set, so gender and locale are ignored", verb)


def _check_recording(verb: n.Record | n.StartRecording, context: str, add) -> None:
    name = type(verb).__name__
    if verb.detect_language and not verb.transcribe:
        add("BX408", f"<{name}> detectLanguage has no effect without transcribe=\"true\"", verb)
    if isinstance(verb, n.StartRecording) and context == "conference":
        ignored = [a for a, on in (("transcribe", verb.transcribe),
                                   ("multiChannel", verb.multi_channel),
                                   ("tag", verb.tag is not None)) if on]
        if ignored:
            add("BX409", f"<StartRecording> {', '.join(ignored)} ignored on conference "
                         "recordings", verb)
    _check_https(verb, add)


def _check_transcription(verb: n.StartTranscription, context: str, add) -> None:
    if verb.detect_language and verb.preferred_languages != "en-US":
        add("BX408", "<StartTranscription> preferredLanguages requires detectLanguage=\"false\"",
            verb)
    _check_https(verb, add)


def _check_https(verb: n.Node, add) -> None:
    if verb.username is not None or verb.password is not None:
        for field in _HTTPS_WITH_CREDENTIALS[type(verb)]:
            url = getattr(verb, field)
            if url is not None and urlsplit(url).scheme.lower() == "http":
                add("BX403", f"<{type(verb).__name__}> has credentials, so its URLs must be "
                             f"https; {_xml_attr(verb, field)} is {url!r}", verb)


# The checks of each class, in the order their diagnostics are reported.
_CHECKS = {
    n.Gather: _check_gather, n.Transfer: _check_connection, n.Forward: _check_connection,
    n.SpeakSentence: _check_speak, n.Record: _check_recording,
    n.StartRecording: _check_recording, n.StartTranscription: _check_transcription,
    n.StartStream: lambda verb, context, add: _check_https(verb, add),
}


def _xml_attr(node: n.Node, field: str) -> str:
    for xml, (name, _) in n.element_spec(type(node)).attrs.items():
        if name == field:
            return xml
    return field


def _check_sequence(verbs: tuple[n.Node, ...], add) -> None:
    for index, verb in enumerate(verbs):
        kind = type(verb)
        if kind in _SWITCHES and index + 1 < len(verbs):
            field = _SWITCHES[kind]
            if field is None or getattr(verb, field) is not None:
                why = "" if field is None else f" with {_xml_attr(verb, field)}"
                rest = verbs[index + 1]
                add("BX401", f"<{type(rest).__name__}> and the {len(verbs) - index - 1} verb(s) "
                             f"from here on never run: <{kind.__name__}>{why} ends this "
                             "document", rest)
                break
    if verbs and isinstance(verbs[-1], n.Record) and verbs[-1].record_complete_url is None:
        add("BX402", "<Record> is the last verb and has no recordCompleteUrl: the call hangs up "
                     "as soon as the recording stops", verbs[-1])
    names = {type(v).__name__ for v in verbs}
    if "StartGather" in names and "Forward" in names:
        forward = next(v for v in verbs if isinstance(v, n.Forward))
        add("BX410", "<StartGather> cannot be used with <Forward>", forward)


def analyze_bxml(text: str | bytes, *, source: str = "<bxml>", context: str = "call",
                 roots: tuple[str, ...] = n.ROOT_NAMES, strict: bool = True,
                 ) -> tuple[n.Response | None, list[Diagnostic]]:
    """The tree (``None`` if the document is unusable) and every diagnostic, sorted by
    position. ``roots`` restricts the root element (webhook replies: ``("Response",)``).
    ``strict=False`` (README ambiguity 8, lenient mode): an unknown attribute (BX201) is a
    warning and ignored; an optional attribute out of range or too long (BX204) is a warning
    and read as absent, so its default applies."""
    if context not in n.CONTEXTS:
        raise ValueError(f"context must be one of {', '.join(n.CONTEXTS)}, got {context!r}")
    tree, diagnostics = read(text, file=source, roots=roots, strict=strict)
    if tree is not None:
        diagnostics += check_tree(tree, context=context, file=source)
    diagnostics.sort(key=lambda d: (d.line, d.col))
    return tree, diagnostics


def lint_bxml(text: str | bytes, *, source: str = "<bxml>", context: str = "call",
              roots: tuple[str, ...] = n.ROOT_NAMES, strict: bool = True) -> list[Diagnostic]:
    """Every diagnostic (errors and warnings) of a BXML document; never raises for bad input.
    ``strict=False``: lenient mode (see ``analyze_bxml``)."""
    return analyze_bxml(text, source=source, context=context, roots=roots, strict=strict)[1]
