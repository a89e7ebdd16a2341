"""lint_bxml: a table of invalid documents (code and line of each), and the warnings."""

from __future__ import annotations

import pytest

from simulator.bxml.check import lint_bxml
from simulator.bxml.diagnostics import CODES
from simulator.bxml.parse import parse_bxml, parse_bxml_with_warnings
from simulator.errors import BxmlError


def doc(*lines: str) -> str:
    """A document whose line 2 is the first given line (line 1 is <Response>)."""
    return "\n".join(["<Response>", *lines, "</Response>"])


# (document, expected code, expected line, expected message fragment)
INVALID = [
    # elements
    (doc("<Tranfser/>"), "BX101", 2, "did you mean <Transfer>"),
    (doc("<Speak>hi</Speak>"), "BX101", 2, "unknown element <Speak>"),
    (doc("<PhoneNumber>+15555550123</PhoneNumber>"), "BX102", 2, "not allowed inside <Response>"),
    (doc("<Gather>", "  <Hangup/>", "</Gather>"), "BX102", 3, "allowed: <SpeakSentence>"),
    (doc("<Gather>", "  <Gather/>", "</Gather>"), "BX102", 3, "<Gather> is not allowed"),
    (doc("<PlayAudio>a.wav<Pause/></PlayAudio>"), "BX102", 2, "has no child elements"),
    (doc("<Transfer/>"), "BX104", 2, "1 to 8"),
    (doc("<Transfer>", *["  <PhoneNumber>+1555555012%d</PhoneNumber>" % i for i in range(9)],
         "</Transfer>"), "BX104", 2, "got 9"),
    (doc("<Refer/>"), "BX104", 2, "exactly 1 <SipUri>"),
    (doc("<StartStream destination=\"wss://x.example\">",
         *['  <StreamParam name="p%d" value="v"/>' % i for i in range(13)], "</StartStream>"),
     "BX104", 2, "0 to 12"),
    (doc("<Connect/>"), "BX104", 2, "at least 1 <Endpoint>"),
    (doc("<Hangup>now</Hangup>"), "BX105", 2, "takes no text"),
    (doc("<SpeakSentence>  </SpeakSentence>"), "BX106", 2, "needs text content"),
    (doc("<PlayAudio/>"), "BX106", 2, "the audio URL"),
    (doc("<Bridge/>"), "BX106", 2, "<Bridge> needs text"),
    (doc("<SendDtmf>12x</SendDtmf>"), "BX107", 2, "'x'"),
    (doc("<SendDtmf>%s</SendDtmf>" % ("1" * 51)), "BX107", 2, "at most 50"),
    (doc("<Conference>my room</Conference>"), "BX107", 2, "letters, digits"),
    (doc("<Conference>%s</Conference>" % ("c" * 101)), "BX107", 2, "at most 100"),
    (doc("<Transfer><PhoneNumber>5551234</PhoneNumber></Transfer>"), "BX107", 2, "E.164"),
    (doc("<Transfer><SipUri>agent@pbx</SipUri></Transfer>"), "BX107", 2, "SIP URI"),
    (doc("<PlayAudio>ftp://x/a.wav</PlayAudio>"), "BX107", 2, "http:// or https://"),
    (doc("<Tag>%s</Tag>" % ("t" * 257)), "BX107", 2, "at most 256"),
    (doc('<Gather repeatCount="6"><SpeakSentence>a</SpeakSentence>'
         "<SpeakSentence>b</SpeakSentence><PlayAudio>c.wav</PlayAudio><PlayAudio>d.wav</PlayAudio>"
         "</Gather>"), "BX108", 2, "6 x 4"),
    # attributes
    (doc('<Record maxduration="5"/>'), "BX201", 2, "did you mean 'maxDuration'"),
    (doc('<Gather terminatingDigit="#"/>'), "BX201", 2, "did you mean 'terminatingDigits'"),
    (doc('<Hangup reason="x"/>'), "BX201", 2, "<Hangup> has no attributes"),
    (doc("<Redirect/>"), "BX202", 2, "'redirectUrl'"),
    (doc("<StartGather/>"), "BX202", 2, "'dtmfUrl'"),
    (doc("<Forward/>"), "BX202", 2, "'to'"),
    (doc("<StartStream/>"), "BX202", 2, "'destination'"),
    (doc("<StopStream/>"), "BX202", 2, "'name'"),
    (doc('<StartStream destination="wss://x.example"><StreamParam name="a"/></StartStream>'),
     "BX202", 2, "'value'"),
    (doc('<Pause duration="soon"/>'), "BX203", 2, "decimal number"),
    (doc('<Pause duration="nan"/>'), "BX203", 2, "decimal number"),
    (doc('<Gather maxDigits="4.5"/>'), "BX203", 2, "whole number"),
    (doc('<Ring answerCall="yes"/>'), "BX203", 2, "true or false"),
    (doc('<Redirect redirectUrl="/r" redirectMethod="PUT"/>'), "BX203", 2, "GET or POST"),
    (doc('<Record fileFormat="ogg"/>'), "BX203", 2, "expected one of wav, mp3"),
    (doc('<Record fileFormat="WAV"/>'), "BX203", 2, "did you mean 'wav'"),
    (doc('<SpeakSentence voice="hal">x</SpeakSentence>'), "BX203", 2, "voice='hal'"),
    (doc('<Redirect redirectUrl="ftp://x.example/r"/>'), "BX203", 2, "http:// or https://"),
    (doc('<Redirect redirectUrl=""/>'), "BX203", 2, "empty value"),
    (doc('<StartStream destination="https://x.example/ws"/>'), "BX203", 2, "ws:// or wss://"),
    (doc('<Gather terminatingDigits="#x"/>'), "BX203", 2, "DTMF keys"),
    (doc('<Transfer transferCallerId="Bob"><PhoneNumber>+15555550123</PhoneNumber></Transfer>'),
     "BX203", 2, "E.164"),
    (doc('<Forward to="bob"/>'), "BX203", 2, "SIP URI"),
    (doc('<Pause duration="0.05"/>'), "BX204", 2, "0.1..86400"),
    (doc('<Gather maxDigits="0"/>'), "BX204", 2, "1..50"),
    (doc('<Record maxDuration="10801"/>'), "BX204", 2, "0..10800"),
    (doc('<SendDtmf toneDuration="10">1</SendDtmf>'), "BX204", 2, "50..5000"),
    (doc('<Transfer callTimeout="301"><PhoneNumber>+15555550123</PhoneNumber></Transfer>'),
     "BX204", 2, "1..300"),
    (doc('<Conference callbackTimeout="30">c</Conference>'), "BX204", 2, "1..25"),
    (doc('<Record tag="%s"/>' % ("t" * 257)), "BX204", 2, "at most 256"),
    (doc('<Conference calbackTimeout="5" callbackTimeout="5">c</Conference>'), "BX205", 2, "both"),
    (doc('<Transfer privacy="true" transferCallerDisplayName="Bob">',
         "<PhoneNumber>+15555550123</PhoneNumber></Transfer>"), "BX205", 2, "Restricted"),
    # SSML
    (doc("<SpeakSentence>Hi <brake/></SpeakSentence>"), "BX301", 2, "did you mean <break>"),
    (doc('<SpeakSentence>Hi <break duration="1s"/></SpeakSentence>'), "BX302", 2, "'duration'"),
    (doc('<SpeakSentence>Hi <break time="11s"/></SpeakSentence>'), "BX303", 2, "max 10s"),
    (doc('<SpeakSentence>Hi <break strength="huge"/></SpeakSentence>'), "BX303", 2, "one of"),
    (doc('<SpeakSentence><prosody rate="-5%">x</prosody></SpeakSentence>'), "BX303", 2, "N%"),
    (doc('<SpeakSentence><say-as interpret-as="date">1/2</say-as></SpeakSentence>'),
     "BX303", 2, "format"),
    (doc('<SpeakSentence><lang xml:lang="xx-XX">x</lang></SpeakSentence>'), "BX303", 2, "xml:lang"),
]


@pytest.mark.parametrize("text, code, line, fragment", INVALID,
                         ids=[f"{c}-{i}" for i, (_, c, _, _) in enumerate(INVALID)])
def test_invalid_document_reports_code_line_and_message(text, code, line, fragment):
    diagnostics = lint_bxml(text, source="t.xml")
    matching = [d for d in diagnostics if d.code == code]
    assert matching, [d.format() for d in diagnostics]
    assert matching[0].line == line
    assert matching[0].severity == "error"
    assert fragment in matching[0].message
    assert matching[0].file == "t.xml" and matching[0].col >= 1


def test_every_error_code_is_exercised_by_the_table_or_parse_tests():
    covered = {code for _, code, _, _ in INVALID}
    document_level = {"BX001", "BX002", "BX003", "BX004", "BX005", "BX006", "BX103"}
    errors = {c for c, (severity, _) in CODES.items() if severity == "error"}
    assert errors - covered - document_level == set()


def test_all_problems_are_reported_at_once_in_document_order():
    text = doc('<Pause duration="-1"/>', "<Bogus/>", '<Gather maxDigits="99" foo="1"/>')
    diagnostics = lint_bxml(text)
    errors = [(d.code, d.line) for d in diagnostics if d.is_error]
    assert errors == [("BX204", 2), ("BX101", 3), ("BX204", 4), ("BX201", 4)]
    assert [d.col for d in diagnostics if d.line == 4 and d.is_error] == [9, 24]


# (document, expected warning code, expected line)
WARNINGS = [
    (doc("<Hangup/>", "<SpeakSentence>never</SpeakSentence>"), "BX401", 3),
    (doc('<Redirect redirectUrl="/r"/>', "<Pause/>"), "BX401", 3),
    (doc('<Forward to="+15555550123"/>', "<Pause/>"), "BX401", 3),
    (doc('<Gather gatherUrl="/g"/>', "<Hangup/>"), "BX401", 3),
    (doc('<Record recordCompleteUrl="/rc"/>', "<Hangup/>"), "BX401", 3),
    (doc("<Record/>"), "BX402", 2),
    (doc('<Record username="u" password="p" recordCompleteUrl="http://app.example/rc"/>'),
     "BX403", 2),
    (doc('<StartStream destination="wss://s.example" username="u" '
         'streamEventUrl="http://app.example/s"/>'), "BX403", 2),
    (doc('<Gather gatherUrl="/g" hints="sales"/>'), "BX404", 2),
    (doc('<Conference calbackTimeout="5">c</Conference>'), "BX405", 2),
    (doc("<Gather/>"), "BX406", 2),
    (doc('<Redirect redirectUrl="/r" redirectMethod="get"/>'), "BX407", 2),
    (doc('<Transfer diversionReason="away"><PhoneNumber>+15555550123</PhoneNumber></Transfer>'),
     "BX408", 2),
    (doc('<SpeakSentence voice="julie" gender="male">x</SpeakSentence>'), "BX408", 2),
    (doc('<StartRecording detectLanguage="true"/>'), "BX408", 2),
    (doc('<StartTranscription detectLanguage="true" preferredLanguages="es-US"/>'), "BX408", 2),
    (doc('<StartGather dtmfUrl="/d"/>', '<Forward to="+15555550123"/>'), "BX410", 3),
]


@pytest.mark.parametrize("text, code, line", WARNINGS,
                         ids=[f"{c}-{i}" for i, (_, c, _) in enumerate(WARNINGS)])
def test_suspicious_but_legal_bxml_gets_only_a_warning(text, code, line):
    diagnostics = lint_bxml(text)
    assert not [d.format() for d in diagnostics if d.is_error]
    assert (code, line) in [(d.code, d.line) for d in diagnostics]


def test_conference_recording_ignores_call_only_attributes():
    text = '<Bxml><StartRecording transcribe="true" multiChannel="true"/></Bxml>'
    assert [d.code for d in lint_bxml(text, context="conference")] == ["BX409"]
    assert lint_bxml(text, context="call") == []


def test_every_warning_code_is_exercised():
    covered = {code for _, code, _ in WARNINGS} | {"BX409"}
    warnings = {c for c, (severity, _) in CODES.items() if severity == "warning"}
    assert warnings == covered


def test_alias_is_read_as_the_sdk_spelling():
    from simulator.bxml.parse import parse_bxml
    tree = parse_bxml(doc('<Conference calbackTimeout="7.5">c</Conference>'))
    assert tree.verbs[0].callback_timeout == 7.5


def test_lower_case_method_is_stored_upper_case():
    from simulator.bxml.parse import parse_bxml
    tree = parse_bxml(doc('<Redirect redirectUrl="/r" redirectMethod="get"/>'))
    assert tree.verbs[0].redirect_method == "GET"


# ---- lenient mode (README ambiguity 8) ---------------------------------------------------------

LENIENT_DOC = ('<Response>\n  <Pause duration="0" colour="red"/>\n'
               '  <Gather gatherUrl="/g" maxDigits="99" tag="' + "t" * 300 + '"/>\n</Response>')


def test_strict_mode_is_the_default_and_refuses_unknown_and_out_of_range_attributes():
    assert [(d.code, d.severity) for d in lint_bxml(LENIENT_DOC)] == [
        ("BX204", "error"), ("BX201", "error"), ("BX204", "error"), ("BX204", "error")]
    with pytest.raises(BxmlError):
        parse_bxml(LENIENT_DOC)


def test_lenient_mode_warns_and_uses_the_defaults():
    tree, warnings = parse_bxml_with_warnings(LENIENT_DOC, strict=False)
    pause, gather = tree.verbs
    assert (pause.duration, gather.max_digits, gather.tag) == (1.0, 50, None)
    assert [(d.code, d.severity, d.line) for d in warnings] == [
        ("BX204", "warning", 2), ("BX201", "warning", 2), ("BX204", "warning", 3),
        ("BX204", "warning", 3)]
    assert warnings[0].message.endswith('lenient mode: using the default duration="1"')
    assert warnings[1].message.endswith("lenient mode: ignored")
    assert warnings[3].message.endswith("lenient mode: reading it as absent")


@pytest.mark.parametrize("doc, code", [
    ('<Response><Bogus/></Response>', "BX101"),                      # unknown element
    ('<Response><Pause duration="soon"/></Response>', "BX203"),      # not a number
    ('<Response><Record fileFormat="ogg"/></Response>', "BX203"),    # bad enumeration
    ('<Response><StreamParam/></Response>', "BX102"),
    ('<Response><StartStream destination="wss://s"><StreamParam name="n" value="'
     + "v" * 3000 + '"/></StartStream></Response>', "BX204"),      # a required attribute
])
def test_lenient_mode_keeps_other_problems_errors(doc, code):
    assert [(d.code, d.severity) for d in lint_bxml(doc, strict=False)
            if d.code == code] == [(code, "error")]


# ---- attribute rules of the SDK docstrings (issue 17) -------------------------------------------
# uui: bandwidth/models/bxml/verbs/sip_uri.py and forward.py ("Must include the encoding parameter
# as specified in RFC 7433. Only base64 and jwt encoding are currently allowed"); display names:
# transfer.py / forward.py ("May not exceed 256 characters nor contain control characters such as
# new lines"); preferredLanguages: start_transcription.py ("Only one dialect per language is
# allowed"); spec bxml-verbs.md §7.1, §7.4, §8.3.

SIP = "<Transfer><SipUri{}>sip:agent@pbx.example.com</SipUri></Transfer>"
FORWARD = '<Forward to="sip:agent@pbx.example.com"{}/>'
TRANSFER = "<Transfer{}><PhoneNumber>+15555550123</PhoneNumber></Transfer>"
TRANSCRIPTION = "<StartTranscription{}/>"


@pytest.mark.parametrize("verb", [SIP, FORWARD], ids=["SipUri", "Forward"])
@pytest.mark.parametrize("uui, fragment", [
    ("abc", "has no encoding parameter; RFC 7433 needs one, e.g. 'abc;encoding=base64'"),
    ("abc;purpose=isdn-uui", "has no encoding parameter"),
    ("abc;encoding=hex", "has encoding=hex; allowed: base64, jwt"),   # createCall only
    ("abc;encoding=gzip", "has encoding=gzip"),
    (";encoding=jwt", "has no data before its parameters"),
    ("abc;encoding=jwt;encoding=base64", "2 encoding parameters"),
    ("abc;encoding=base64,def", "value 2 ('def') has no encoding parameter"),
    ("abc;encoding=base64,", "value 2 ('') has no data"),
])
def test_uui_needs_an_rfc7433_encoding_of_base64_or_jwt(verb, uui, fragment):
    problems = [d for d in lint_bxml(doc(verb.format(f' uui="{uui}"'))) if d.is_error]
    assert [(d.code, d.line) for d in problems] == [("BX203", 2)]
    assert fragment in problems[0].message


@pytest.mark.parametrize("verb", [SIP, FORWARD], ids=["SipUri", "Forward"])
@pytest.mark.parametrize("uui", [
    "bXl1dWk=;encoding=base64",                       # base64 data ('=' is fine)
    "eyJhbGciOiJIUzI1NiJ9.e30.c2ln;encoding=jwt",      # a JWT
    "abc;encoding=BASE64",                            # SIP parameter values fold case
    "abc;purpose=isdn-uui;encoding=jwt",              # other RFC 7433 parameters allowed
    "abc;encoding=base64,tok.en.x;encoding=jwt",      # the SDK's WebRTC helper's two values
    '"a,b";encoding=base64',                          # a comma inside quoted data
])
def test_uui_with_an_allowed_encoding_is_valid(verb, uui):
    assert lint_bxml(doc(verb.format(f" uui='{uui}'"))) == []


def test_phone_number_uui_is_a_plain_list_as_the_sdk_documents_it():
    # phone_number.py: "A comma-separated list of 'User-To-User' headers ... 350 characters";
    # no encoding requirement is stated for PhoneNumber.
    text = doc("<Transfer><PhoneNumber uui='a,b'>+15555550123</PhoneNumber></Transfer>")
    assert lint_bxml(text) == []


@pytest.mark.parametrize("verb, attr", [(TRANSFER, "transferCallerDisplayName"),
                                        (FORWARD, "callerDisplayName")])
@pytest.mark.parametrize("name, shown", [("Bob&#10;Smith", r"'\n' at character 4"),
                                         ("Bob&#9;", r"'\t' at character 4"),
                                         ("&#127;Bob", r"'\x7f' at character 1"),
                                         ("Bob\u2028", r"'\u2028'")])
def test_display_names_may_not_contain_control_characters(verb, attr, name, shown):
    problems = [d for d in lint_bxml(doc(verb.format(f' {attr}="{name}"'))) if d.is_error]
    assert [(d.code, d.line) for d in problems] == [("BX203", 2)]
    assert f"{attr} may not contain control characters such as new lines" in problems[0].message
    assert shown in problems[0].message


@pytest.mark.parametrize("verb, attr", [(TRANSFER, "transferCallerDisplayName"),
                                        (FORWARD, "callerDisplayName")])
def test_a_display_name_with_spaces_and_accents_is_valid(verb, attr):
    assert lint_bxml(doc(verb.format(f' {attr}="José  Álvarez (Sales)"'))) == []


@pytest.mark.parametrize("languages, fragment", [
    ("en-US,en-GB", "one dialect per language, got 'en-US' and 'en-GB'"),
    ("es-US,en-US,ES-MX", "got 'es-US' and 'ES-MX'"),
    ("en-US,en-US", "got 'en-US' and 'en-US'"),
    ("en-US,,es-US", "item 2 of 'en-US,,es-US' is empty"),
    ("", "item 1 of '' is empty"),
    ("english", "locales such as en-US or es-US, got 'english'"),
    ("en_US", "got 'en_US'"),
])
def test_preferred_languages_allow_one_dialect_per_language(languages, fragment):
    problems = [d for d in lint_bxml(doc(TRANSCRIPTION.format(
        f' preferredLanguages="{languages}"'))) if d.is_error]
    assert [(d.code, d.line) for d in problems] == [("BX203", 2)]
    assert fragment in problems[0].message


@pytest.mark.parametrize("languages", ["en-US", "en-US,es-US", "en-US, es-MX, fr-CA", "de"])
def test_preferred_languages_of_distinct_languages_are_valid(languages):
    assert lint_bxml(doc(TRANSCRIPTION.format(f' preferredLanguages="{languages}"'))) == []


def test_the_rules_refuse_a_document_in_run_too():
    with pytest.raises(BxmlError, match="no encoding parameter"):
        parse_bxml(doc(FORWARD.format(' uui="abc"')))
    with pytest.raises(BxmlError, match="one dialect"):   # lenient mode: BX203 stays an error
        parse_bxml(doc(TRANSCRIPTION.format(' preferredLanguages="en-US,en-GB"')), strict=False)


# ---- Gather speech attributes (SDK gather.py: "Only used when input includes speech") ----------

@pytest.mark.parametrize("attrs, named", [
    ('hints="sales"', "hints"), ('language="en-US"', "language"),
    ('speechModel="phone_call"', "speechModel"), ('speechTimeout="2"', "speechTimeout"),
    ('profanityFilter="false"', "profanityFilter"),
    ('partialResultCallback="/p"', "partialResultCallback"),
    ('input="dtmf" hints="a" speechTimeout="3"', "hints, speechTimeout"),
])
def test_speech_attributes_without_speech_input_are_a_warning(attrs, named):
    diagnostics = lint_bxml(doc(f'<Gather gatherUrl="/g" {attrs}/>'))
    assert [(d.code, d.severity) for d in diagnostics] == [("BX404", "warning")]
    assert diagnostics[0].message == (f'<Gather> {named} only work with input="speech" or '
                                      f'"dtmf_speech" (input is "dtmf")')


@pytest.mark.parametrize("input_", ["speech", "dtmf_speech"])
def test_speech_attributes_with_speech_input_are_clean(input_):
    text = doc(f'<Gather gatherUrl="/g" input="{input_}" hints="sales, support" '
               'language="es-MX" speechModel="default" speechTimeout="1.5" profanityFilter="false" '
               'partialResultCallback="/p" partialResultCallbackMethod="GET"/>')
    assert lint_bxml(text) == []


@pytest.mark.parametrize("language", ["english", "en_US", ""])
def test_the_recognition_language_is_one_locale(language):
    problems = [d for d in lint_bxml(doc(f'<Gather input="speech" gatherUrl="/g" '
                                         f'language="{language}"/>')) if d.is_error]
    assert [(d.code, d.line) for d in problems] == [("BX203", 2)]
    assert "language must be a locale such as en-US" in problems[0].message
