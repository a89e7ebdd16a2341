"""The official SDK (bandwidth-sdk) as oracle: BXML built by its builders, for every verb it
has, parses without errors, and every keyword given to a builder comes back as the field of
the same name with the same value."""

from __future__ import annotations

import pytest

from simulator.bxml import nodes as n
from simulator.bxml.check import lint_bxml
from simulator.bxml.parse import parse_bxml

bxml = pytest.importorskip("bandwidth.models.bxml")

HTTPS = "https://app.example.com"
CRED = dict(username="user", password="secret")
FALLBACK_CRED = dict(fallback_username="fbuser", fallback_password="fbsecret")
TRANSFER_LEG = dict(transfer_answer_url=f"{HTTPS}/answer", transfer_answer_method="GET",
                    transfer_answer_fallback_url=f"{HTTPS}/answer-fb",
                    transfer_answer_fallback_method="POST",
                    transfer_disconnect_url=f"{HTTPS}/disc", transfer_disconnect_method="POST",
                    **CRED, **FALLBACK_CRED, tag="leg")

# SDK builder -> (keyword arguments, text field: (SDK keyword, our field)).
CASES = {
    "SpeakSentence": (dict(text="Hello <break time=\"1s\"/> there", voice="julie"),
                      ("text", "text")),
    "PlayAudio": (dict(audio_uri=f"{HTTPS}/a.wav", **CRED), ("audio_uri", "url")),
    "Pause": (dict(duration=2.5), None),
    "Ring": (dict(duration=3, answer_call=False), None),
    "SendDtmf": (dict(digits="12w3#", tone_duration=100, tone_interval=200), ("digits", "digits")),
    "Gather": (dict(gather_url=f"{HTTPS}/g", gather_method="GET", gather_fallback_url=f"{HTTPS}/gf",
                    gather_fallback_method="POST", **CRED, **FALLBACK_CRED, tag="t",
                    terminating_digits="#*", max_digits=5, inter_digit_timeout=3,
                    first_digit_timeout=7, repeat_count=2, input="dtmf_speech", hints="yes,no",
                    language="en-US", partial_result_callback=f"{HTTPS}/p",
                    partial_result_callback_method="POST", profanity_filter=False,
                    speech_model="default", speech_timeout=4), None),
    "StartGather": (dict(dtmf_url=f"{HTTPS}/dtmf", dtmf_method="POST", **CRED, tag="sg"), None),
    "StopGather": (dict(), None),
    "Record": (dict(record_complete_url=f"{HTTPS}/rc", record_complete_method="GET",
                    record_complete_fallback_url=f"{HTTPS}/rcf",
                    record_complete_fallback_method="POST",
                    recording_available_url=f"{HTTPS}/ra", recording_available_method="POST",
                    transcribe=True, transcription_available_url=f"{HTTPS}/ta",
                    transcription_available_method="POST", **CRED, **FALLBACK_CRED, tag="r",
                    terminating_digits="*", max_duration=30, silence_timeout=5, file_format="mp3",
                    detect_language=True, recording_name="voicemail"), None),
    "StartRecording": (dict(recording_available_url=f"{HTTPS}/ra", recording_available_method="GET",
                            transcribe=True, transcription_available_url=f"{HTTPS}/ta",
                            transcription_available_method="POST", **CRED, tag="sr",
                            file_format="wav", multi_channel=True, detect_language=False,
                            recording_name="whole-call"), None),
    "PauseRecording": (dict(), None),
    "ResumeRecording": (dict(), None),
    "StopRecording": (dict(), None),
    "Redirect": (dict(redirect_url=f"{HTTPS}/next", redirect_method="GET",
                      redirect_fallback_url=f"{HTTPS}/nf", redirect_fallback_method="POST", **CRED,
                      **FALLBACK_CRED, tag="rd"), None),
    "Hangup": (dict(), None),
    "Tag": (dict(content="my-tag"), ("content", "value")),
    "Bridge": (dict(target_call="c-abc-123", bridge_complete_url=f"{HTTPS}/bc",
                    bridge_complete_method="POST", bridge_complete_fallback_url=f"{HTTPS}/bcf",
                    bridge_complete_fallback_method="GET",
                    bridge_target_complete_url=f"{HTTPS}/btc",
                    bridge_target_complete_method="POST",
                    bridge_target_complete_fallback_url=f"{HTTPS}/btcf",
                    bridge_target_complete_fallback_method="POST", **CRED, **FALLBACK_CRED,
                    tag="b"), ("target_call", "target_call_id")),
    "Conference": (dict(name="conf-1", mute=True, hold=False, call_ids_to_coach="c-1,c-2",
                        conference_event_url=f"{HTTPS}/ce", conference_event_method="POST",
                        conference_event_fallback_url=f"{HTTPS}/cef",
                        conference_event_fallback_method="POST", **CRED, **FALLBACK_CRED,
                        tag="c", callback_timeout=10), ("name", "name")),
    "Forward": (dict(to="+15555550123", _from="+15555550100", call_timeout=20,
                     diversion_treatment="stack", diversion_reason="no-answer",
                     uui="abc;encoding=base64", privacy=True, caller_display_name="Anonymous"),
                None),
    "StartStream": (dict(destination="wss://s.example.com/ws", destination_username="du",
                         destination_password="dp", name="s1", mode="bidirectional",
                         tracks="both", stream_event_url=f"{HTTPS}/se",
                         stream_event_method="POST", **CRED), None),
    "StopStream": (dict(name="s1", wait=True), None),
    "StartTranscription": (dict(name="t1", tracks="inbound", transcription_event_url=f"{HTTPS}/te",
                                transcription_event_method="POST", **CRED,
                                destination="wss://t.example.com/ws", stabilized=False,
                                detect_language=False, preferred_languages="en-US,es-US"), None),
    "StopTranscription": (dict(name="t1"), None),
}


def _expected(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return pytest.approx(value)
    return value


def _assert_fields(node, kwargs, text):
    for keyword, value in kwargs.items():
        field = "from_" if keyword == "_from" else keyword
        if text and keyword == text[0]:
            field = text[1]
        assert getattr(node, field) == _expected(value), (type(node).__name__, field)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sdk_built_verb_parses_without_errors_and_keeps_every_value(name):
    kwargs, text = CASES[name]
    document = bxml.Response([getattr(bxml, name)(**kwargs)]).to_bxml()
    diagnostics = lint_bxml(document)
    assert [d.format() for d in diagnostics] == []    # no error, and no warning either
    _assert_fields(parse_bxml(document).verbs[0], kwargs, text)


def test_sdk_nested_builders_transfer_refer_connect_streams_and_gather_prompts():
    phone = dict(number="+15555550123", **TRANSFER_LEG, uui="a,b")
    sip = dict(uri="sip:agent@pbx.example.com", **TRANSFER_LEG, uui="abc;encoding=jwt")
    transfer = bxml.Transfer(
        transfer_to=[bxml.PhoneNumber(**phone), bxml.SipUri(**sip)],
        transfer_caller_id="+15555550100", transfer_caller_display_name="Anonymous",
        call_timeout=15, transfer_complete_url=f"{HTTPS}/tc", transfer_complete_method="POST",
        transfer_complete_fallback_url=f"{HTTPS}/tcf", transfer_complete_fallback_method="GET",
        **CRED, **FALLBACK_CRED, tag="tr", diversion_treatment="propagate",
        diversion_reason="unknown", privacy=True)
    document = bxml.Response([
        bxml.StartStream(destination="wss://s.example.com", stream_params=[
            bxml.StreamParam(name="a", value="1"), bxml.StreamParam(name="b", value="2")]),
        bxml.StartTranscription(custom_params=[bxml.CustomParam(name="k", value="v")]),
        bxml.Connect(destination=[bxml.Endpoint("e-123")], event_callback_url=f"{HTTPS}/ev"),
        bxml.Gather(gather_url="/g", audio_verbs=[bxml.SpeakSentence("Press 1"),
                                                  bxml.PlayAudio("beep.wav")]),
    ]).to_bxml()
    assert [d.format() for d in lint_bxml(document)] == []
    stream, transcription, connect, gather = parse_bxml(document).verbs
    assert gather.prompts == (n.SpeakSentence(text="Press 1"), n.PlayAudio(url="beep.wav"))
    assert [p.name for p in stream.params] == ["a", "b"]
    assert transcription.params == (n.CustomParam(name="k", value="v"),)
    assert connect.endpoints == (n.Endpoint(endpoint_id="e-123"),)
    transfer_document = bxml.Response([transfer]).to_bxml()
    assert [d.format() for d in lint_bxml(transfer_document)] == []
    parsed_transfer = parse_bxml(transfer_document).verbs[0]
    assert parsed_transfer.call_timeout == 15.0 and parsed_transfer.privacy is True
    _assert_fields(parsed_transfer.targets[0], phone, ("number", "number"))
    _assert_fields(parsed_transfer.targets[1], sip, ("uri", "uri"))


def test_sdk_refer_and_bxml_root_and_empty_tag():
    refer = bxml.Refer(sip_uri=bxml.SipUri("sip:support@pbx.example.com"),
                       refer_complete_url=f"{HTTPS}/refer", refer_complete_method="POST", tag="r")
    tree = parse_bxml(bxml.Response([refer]).to_bxml())
    assert tree.verbs[0].targets == (n.SipUri(uri="sip:support@pbx.example.com"),)
    assert tree.verbs[0].refer_complete_url == f"{HTTPS}/refer"
    assert parse_bxml(bxml.Bxml([bxml.Tag()]).to_bxml()) == n.Response(root="Bxml",
                                                                        verbs=(n.Tag(value=""),))
    assert parse_bxml(bxml.Bxml().to_bxml()) == n.Response(root="Bxml")


def test_sdk_covers_every_verb_of_the_catalogue():
    nested = {"Transfer", "Refer", "Connect", "PhoneNumber", "SipUri", "StreamParam",
              "CustomParam", "Endpoint"}
    assert set(CASES) | nested | {"Response", "Bxml"} == set(n.CATALOGUE)
