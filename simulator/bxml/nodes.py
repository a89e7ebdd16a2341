"""THE BXML verb catalogue: one frozen attrs class per element of spec/bxml-verbs.md.

Each class body *is* the element's table: every field carries, in its attrs metadata, the XML
attribute name, value kind, default and limits (``AttrSpec``), or the element's text content
(``TextSpec``), or its children (``ChildSpec``). parse/check/render walk these tables
generically (``element_spec(cls)``), so adding an attribute is a one-line change here.

Naming (docs/internals.md): class name = XML element name; field = snake_case of the XML
attribute (``recordCompleteUrl`` -> ``record_complete_url``; ``from`` -> ``from_``); values are
typed (durations ``float``, counts ``int``, ``bool``, ``str``) with the spec defaults applied,
``None`` when absent without a default. Units follow the spec: seconds, except SendDtmf
``tone_duration``/``tone_interval`` in milliseconds. Methods are stored upper case.
``SpeakSentence.text`` is the inner markup (SSML kept, XML-escaped: ``Tom &amp; Jerry``),
trimmed; every other text field is the plain, trimmed text.

Both roots map to ``Response`` (``root`` says which). ``Refer`` keeps its single ``<SipUri>``
in ``targets`` like ``Transfer``.

The element classes are frozen but dict-based (``slots=False``): the reader fills a node's
``__dict__`` in one step instead of calling the generated ``__init__`` (build.py, ``Plan``),
and leaves ``line``/``col`` to be resolved on first access (``Node.__getattr__``).
"""

from __future__ import annotations

import re
from typing import ClassVar

import attrs

# Value kinds of attributes and text (checked/converted in values.py).
URL = "url"              # absolute http(s) or relative
WS_URL = "ws_url"        # ws:// or wss:// (relative not allowed)
METHOD = "method"        # GET | POST
BOOL = "bool"            # true | false
NUMBER = "number"        # float, decimals allowed
INT = "int"              # whole number
STRING = "string"        # free text
ENUM = "enum"            # one of choices
DTMF_SET = "dtmf_set"    # set of DTMF characters, "" allowed
CALLER_ID = "caller_id"  # E.164 or Restricted/Anonymous/Private/Unavailable
DESTINATION = "destination"  # E.164 or SIP URI
E164 = "e164"
SIP_URI = "sip_uri"
DTMF_STRING = "dtmf_string"  # SendDtmf digits incl. pause chars
CONF_NAME = "conf_name"
SSML = "ssml"
NONBLANK = "nonblank"    # free text that must not be blank
UUI = "uui"              # RFC 7433 User-To-User values, each with ;encoding=base64|jwt
DISPLAY_NAME = "display_name"  # free text without control characters
LANGUAGES = "languages"  # comma-separated locales (en-US,es-US), one dialect per language
LANGUAGE = "language"    # one locale (en-US)

CALLER_ID_WORDS = ("Restricted", "Anonymous", "Private", "Unavailable")
#: The User-To-User encodings a BXML ``uui`` may declare (SipUri, Forward: SDK sip_uri.py,
#: forward.py "Only base64 and jwt encoding are currently allowed").
UUI_ENCODINGS = ("base64", "jwt")
DIVERSION_TREATMENTS = ("none", "propagate", "stack")
DIVERSION_REASONS = ("unknown", "user-busy", "no-answer", "unavailable", "unconditional",
                     "time-of-day", "do-not-disturb", "deflection", "follow-me",
                     "out-of-service", "away")
TRACKS = ("inbound", "outbound", "both")
FILE_FORMATS = ("wav", "mp3")
# voice -> (locale, gender), spec §3.1.
VOICES = {
    "julie": ("en_US", "female"), "kate": ("en_US", "female"), "susan": ("en_US", "female"),
    "dave": ("en_US", "male"), "paul": ("en_US", "male"), "bridget": ("en_UK", "female"),
    "simon": ("en_UK", "male"), "katrin": ("de", "female"), "stefan": ("de", "male"),
    "esperanza": ("es", "female"), "violeta": ("es", "female"), "jorge": ("es", "male"),
    "rosa": ("es_MX", "female"), "jolie": ("fr", "female"), "bernard": ("fr", "male"),
    "paola": ("it", "female"), "luca": ("it", "male"), "masako": ("ja", "female"),
    "kenji": ("ja", "male"), "nadiya": ("ru", "female"), "anatoli": ("ru", "male"),
    "zeina": ("arb", "female"), "zhiyu": ("cmn-CN", "female"), "ruth": ("en_US", "female"),
    "stephen": ("en_US", "male"), "lupe": ("es_US", "female"), "pedro": ("es_US", "male"),
    "gabrielle": ("fr_CA", "female"), "liam": ("fr_CA", "male"),
}
LOCALES = tuple(sorted({locale for locale, _ in VOICES.values()}))
TAG_MAX = 256


@attrs.frozen
class AttrSpec:
    """One row of an element's attribute table."""

    xml: str
    kind: str
    default: object = None
    required: bool = False
    lo: float | None = None
    hi: float | None = None
    max_len: int | None = None
    choices: tuple[str, ...] | None = None
    fold_case: bool = False   # accept any case, store the catalogue spelling


@attrs.frozen
class TextSpec:
    """The element's text content: kind, whether it may be blank, length limit."""

    kind: str
    required: bool = True
    max_len: int | None = None


@attrs.frozen
class ChildSpec:
    """The element's child elements: allowed XML names and count limits."""

    allowed: tuple[str, ...]
    lo: int = 0
    hi: int | None = None


def _attr(xml: str, kind: str, default: object = None, **limits: object):
    spec = AttrSpec(xml, kind, default, **limits)
    return attrs.field(default=default, metadata={"bxml": spec})


def _text(kind: str, *, required: bool = True, max_len: int | None = None):
    return attrs.field(default="", metadata={"bxml_text": TextSpec(kind, required, max_len)})


def _children(*allowed: str, lo: int = 0, hi: int | None = None):
    return attrs.field(default=(), converter=tuple,
                       metadata={"bxml_children": ChildSpec(allowed, lo, hi)})


def _url(xml: str, **kw: object):
    return _attr(xml, URL, **kw)


def _method(xml: str):
    return _attr(xml, METHOD, "POST", choices=("GET", "POST"), fold_case=True)


def _str(xml: str, **kw: object):
    return _attr(xml, STRING, **kw)


def _bool(xml: str, default: bool | None):
    return _attr(xml, BOOL, default)


def _tag():
    return _attr("tag", STRING, max_len=TAG_MAX)


@attrs.frozen(kw_only=True, slots=False)
class Node:
    """Base of every element. ``line``/``col`` (1-based) point at the start tag; 0 = unknown."""

    KIND: ClassVar[str] = "verb"   # "root" | "verb" | "noun"
    #: Does the verb answer an unanswered inbound call when it starts? (README #20)
    ANSWERS_CALL: ClassVar[bool] = True
    #: May it run on a Transfer B-leg (transferAnswer BXML, spec §9)? The connection verbs
    #: may not: lint refuses them there (BX103) and the engine ends a B-leg that reaches one.
    ON_B_LEG: ClassVar[bool] = True
    #: May conference BXML hold it (spec §9: the replies to conference events, PUT
    #: conference bxml)?
    IN_CONFERENCE: ClassVar[bool] = False
    line: int = attrs.field(default=0, eq=False, repr=False)
    col: int = attrs.field(default=0, eq=False, repr=False)

    def __getattr__(self, name: str) -> int:
        # Nodes built by the reader leave ``line``/``col`` out of their ``__dict__`` and keep
        # ``_where`` (an object with ``element(index) -> (line, col)``) and ``_index`` instead:
        # positions are found in the text on first use, so a document that needs none (a
        # valid one being linted) never pays for them. Only called when normal lookup fails.
        state = self.__dict__
        where = state.get("_where")
        if where is not None and name in ("line", "col"):
            state["line"], state["col"] = where.element(state["_index"])
            return state[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def answers_call(self) -> bool:
        """Whether this verb answers an unanswered inbound call when it starts (README #20):
        ``ANSWERS_CALL`` of its class, unless an attribute decides (``Ring answerCall``)."""
        return self.ANSWERS_CALL


# ---- roots ---------------------------------------------------------------------------------

VERB_NAMES = (
    "SpeakSentence", "PlayAudio", "Pause", "Ring", "SendDtmf", "Gather", "StartGather",
    "StopGather", "Record", "StartRecording", "PauseRecording", "ResumeRecording",
    "StopRecording", "Redirect", "Hangup", "Tag", "Transfer", "Bridge", "Conference", "Forward",
    "StartStream", "StopStream", "StartTranscription", "StopTranscription", "Connect", "Refer",
)


@attrs.frozen(kw_only=True, slots=False)
class Response(Node):
    """``<Response>`` or ``<Bxml>`` (``root``); ``verbs`` run in document order."""

    KIND: ClassVar[str] = "root"
    root: str = attrs.field(default="Response", validator=attrs.validators.in_(("Response", "Bxml")))
    verbs: tuple[Node, ...] = _children(*VERB_NAMES)


# ---- audio output ----------------------------------------------------------------------------

@attrs.frozen(kw_only=True, slots=False)
class SpeakSentence(Node):
    IN_CONFERENCE: ClassVar[bool] = True
    text: str = _text(SSML)
    voice: str | None = _attr("voice", ENUM, choices=tuple(VOICES), fold_case=True)
    gender: str = _attr("gender", ENUM, "female", choices=("male", "female"), fold_case=True)
    locale: str = _attr("locale", ENUM, "en_US", choices=LOCALES, fold_case=True)


@attrs.frozen(kw_only=True, slots=False)
class PlayAudio(Node):
    IN_CONFERENCE: ClassVar[bool] = True
    url: str = _text(URL)
    username: str | None = _str("username")
    password: str | None = _str("password")


@attrs.frozen(kw_only=True, slots=False)
class Pause(Node):
    duration: float = _attr("duration", NUMBER, 1.0, lo=0.1, hi=86400)


@attrs.frozen(kw_only=True, slots=False)
class Ring(Node):
    duration: float = _attr("duration", NUMBER, 5.0, lo=0.1, hi=86400)
    answer_call: bool = _bool("answerCall", True)

    def answers_call(self) -> bool:
        return self.answer_call


@attrs.frozen(kw_only=True, slots=False)
class SendDtmf(Node):
    digits: str = _text(DTMF_STRING, max_len=50)
    tone_duration: float = _attr("toneDuration", NUMBER, 200.0, lo=50, hi=5000)   # ms
    tone_interval: float = _attr("toneInterval", NUMBER, 400.0, lo=50, hi=5000)   # ms


# ---- input -----------------------------------------------------------------------------------

@attrs.frozen(kw_only=True, slots=False)
class Gather(Node):
    gather_url: str | None = _url("gatherUrl")
    gather_method: str = _method("gatherMethod")
    gather_fallback_url: str | None = _url("gatherFallbackUrl")
    gather_fallback_method: str = _method("gatherFallbackMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    fallback_username: str | None = _str("fallbackUsername")
    fallback_password: str | None = _str("fallbackPassword")
    tag: str | None = _tag()
    terminating_digits: str = _attr("terminatingDigits", DTMF_SET, "")
    max_digits: int = _attr("maxDigits", INT, 50, lo=1, hi=50)
    inter_digit_timeout: float = _attr("interDigitTimeout", NUMBER, 5.0, lo=1, hi=60)
    first_digit_timeout: float = _attr("firstDigitTimeout", NUMBER, 5.0, lo=0, hi=60)
    repeat_count: int = _attr("repeatCount", INT, 1, lo=1, hi=20)
    # SDK-only speech attributes (spec §4.1, README #14): speech input is simulated
    # (engine/verbs/gather_speech.py, docs/engine.md "Speech input in Gather").
    input: str = _attr("input", ENUM, "dtmf", choices=("dtmf", "speech", "dtmf_speech"))
    hints: str | None = _str("hints")
    language: str | None = _attr("language", LANGUAGE)
    partial_result_callback: str | None = _url("partialResultCallback")
    partial_result_callback_method: str = _method("partialResultCallbackMethod")
    profanity_filter: bool = _bool("profanityFilter", True)
    speech_model: str | None = _str("speechModel")
    speech_timeout: float = _attr("speechTimeout", NUMBER, 5.0, lo=0)
    prompts: tuple[Node, ...] = _children("SpeakSentence", "PlayAudio")


@attrs.frozen(kw_only=True, slots=False)
class StartGather(Node):
    dtmf_url: str | None = _url("dtmfUrl", required=True)
    dtmf_method: str = _method("dtmfMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    tag: str | None = _tag()


@attrs.frozen(kw_only=True, slots=False)
class StopGather(Node):
    pass


# ---- recording -------------------------------------------------------------------------------

@attrs.frozen(kw_only=True, slots=False)
class Record(Node):
    record_complete_url: str | None = _url("recordCompleteUrl")
    record_complete_method: str = _method("recordCompleteMethod")
    record_complete_fallback_url: str | None = _url("recordCompleteFallbackUrl")
    record_complete_fallback_method: str = _method("recordCompleteFallbackMethod")
    recording_available_url: str | None = _url("recordingAvailableUrl")
    recording_available_method: str = _method("recordingAvailableMethod")
    transcribe: bool = _bool("transcribe", False)
    detect_language: bool = _bool("detectLanguage", False)
    transcription_available_url: str | None = _url("transcriptionAvailableUrl")
    transcription_available_method: str = _method("transcriptionAvailableMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    fallback_username: str | None = _str("fallbackUsername")
    fallback_password: str | None = _str("fallbackPassword")
    tag: str | None = _tag()
    terminating_digits: str = _attr("terminatingDigits", DTMF_SET, "#")
    max_duration: float = _attr("maxDuration", NUMBER, 60.0, lo=0, hi=10800)
    silence_timeout: float = _attr("silenceTimeout", NUMBER, 0.0, lo=0, hi=10800)
    file_format: str = _attr("fileFormat", ENUM, "wav", choices=FILE_FORMATS)
    recording_name: str | None = _str("recordingName")


@attrs.frozen(kw_only=True, slots=False)
class StartRecording(Node):
    IN_CONFERENCE: ClassVar[bool] = True
    recording_available_url: str | None = _url("recordingAvailableUrl")
    recording_available_method: str = _method("recordingAvailableMethod")
    transcribe: bool = _bool("transcribe", False)
    detect_language: bool = _bool("detectLanguage", False)
    transcription_available_url: str | None = _url("transcriptionAvailableUrl")
    transcription_available_method: str = _method("transcriptionAvailableMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    tag: str | None = _tag()
    file_format: str = _attr("fileFormat", ENUM, "wav", choices=FILE_FORMATS)
    multi_channel: bool = _bool("multiChannel", False)
    recording_name: str | None = _str("recordingName")


@attrs.frozen(kw_only=True, slots=False)
class PauseRecording(Node):
    IN_CONFERENCE: ClassVar[bool] = True


@attrs.frozen(kw_only=True, slots=False)
class ResumeRecording(Node):
    IN_CONFERENCE: ClassVar[bool] = True


@attrs.frozen(kw_only=True, slots=False)
class StopRecording(Node):
    IN_CONFERENCE: ClassVar[bool] = True


# ---- flow control ----------------------------------------------------------------------------

@attrs.frozen(kw_only=True, slots=False)
class Redirect(Node):
    ANSWERS_CALL: ClassVar[bool] = False
    redirect_url: str | None = _url("redirectUrl", required=True)
    redirect_method: str = _method("redirectMethod")
    redirect_fallback_url: str | None = _url("redirectFallbackUrl")
    redirect_fallback_method: str = _method("redirectFallbackMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    fallback_username: str | None = _str("fallbackUsername")
    fallback_password: str | None = _str("fallbackPassword")
    tag: str | None = _tag()


@attrs.frozen(kw_only=True, slots=False)
class Hangup(Node):
    ANSWERS_CALL: ClassVar[bool] = False


@attrs.frozen(kw_only=True, slots=False)
class Tag(Node):
    ANSWERS_CALL: ClassVar[bool] = False
    value: str = _text(STRING, required=False, max_len=TAG_MAX)


# ---- connections -----------------------------------------------------------------------------

@attrs.frozen(kw_only=True, slots=False)
class PhoneNumber(Node):
    KIND: ClassVar[str] = "noun"
    number: str = _text(E164)
    transfer_answer_url: str | None = _url("transferAnswerUrl")
    transfer_answer_method: str = _method("transferAnswerMethod")
    transfer_answer_fallback_url: str | None = _url("transferAnswerFallbackUrl")
    transfer_answer_fallback_method: str = _method("transferAnswerFallbackMethod")
    transfer_disconnect_url: str | None = _url("transferDisconnectUrl")
    transfer_disconnect_method: str = _method("transferDisconnectMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    fallback_username: str | None = _str("fallbackUsername")
    fallback_password: str | None = _str("fallbackPassword")
    tag: str | None = _tag()
    uui: str | None = _str("uui", max_len=350)


@attrs.frozen(kw_only=True, slots=False)
class SipUri(Node):
    KIND: ClassVar[str] = "noun"
    uri: str = _text(SIP_URI)
    transfer_answer_url: str | None = _url("transferAnswerUrl")
    transfer_answer_method: str = _method("transferAnswerMethod")
    transfer_answer_fallback_url: str | None = _url("transferAnswerFallbackUrl")
    transfer_answer_fallback_method: str = _method("transferAnswerFallbackMethod")
    transfer_disconnect_url: str | None = _url("transferDisconnectUrl")
    transfer_disconnect_method: str = _method("transferDisconnectMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    fallback_username: str | None = _str("fallbackUsername")
    fallback_password: str | None = _str("fallbackPassword")
    tag: str | None = _tag()
    uui: str | None = _attr("uui", UUI, max_len=256)


@attrs.frozen(kw_only=True, slots=False)
class Transfer(Node):
    ON_B_LEG: ClassVar[bool] = False
    transfer_caller_id: str | None = _attr("transferCallerId", CALLER_ID)
    privacy: bool = _bool("privacy", False)
    transfer_caller_display_name: str | None = _attr("transferCallerDisplayName", DISPLAY_NAME,
                                                     max_len=256)
    call_timeout: float = _attr("callTimeout", NUMBER, 30.0, lo=1, hi=300)
    transfer_complete_url: str | None = _url("transferCompleteUrl")
    transfer_complete_method: str = _method("transferCompleteMethod")
    transfer_complete_fallback_url: str | None = _url("transferCompleteFallbackUrl")
    transfer_complete_fallback_method: str = _method("transferCompleteFallbackMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    fallback_username: str | None = _str("fallbackUsername")
    fallback_password: str | None = _str("fallbackPassword")
    tag: str | None = _tag()
    diversion_treatment: str = _attr("diversionTreatment", ENUM, "none",
                                     choices=DIVERSION_TREATMENTS)
    diversion_reason: str = _attr("diversionReason", ENUM, "unknown", choices=DIVERSION_REASONS)
    targets: tuple[Node, ...] = _children("PhoneNumber", "SipUri", lo=1, hi=8)


@attrs.frozen(kw_only=True, slots=False)
class Bridge(Node):
    ON_B_LEG: ClassVar[bool] = False
    target_call_id: str = _text(NONBLANK)
    bridge_complete_url: str | None = _url("bridgeCompleteUrl")
    bridge_complete_method: str = _method("bridgeCompleteMethod")
    bridge_complete_fallback_url: str | None = _url("bridgeCompleteFallbackUrl")
    bridge_complete_fallback_method: str = _method("bridgeCompleteFallbackMethod")
    bridge_target_complete_url: str | None = _url("bridgeTargetCompleteUrl")
    bridge_target_complete_method: str = _method("bridgeTargetCompleteMethod")
    bridge_target_complete_fallback_url: str | None = _url("bridgeTargetCompleteFallbackUrl")
    bridge_target_complete_fallback_method: str = _method("bridgeTargetCompleteFallbackMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    fallback_username: str | None = _str("fallbackUsername")
    fallback_password: str | None = _str("fallbackPassword")
    tag: str | None = _tag()


@attrs.frozen(kw_only=True, slots=False)
class Conference(Node):
    ON_B_LEG: ClassVar[bool] = False
    name: str = _text(CONF_NAME, max_len=100)
    mute: bool = _bool("mute", False)
    hold: bool = _bool("hold", False)
    call_ids_to_coach: str | None = _str("callIdsToCoach")
    conference_event_url: str | None = _url("conferenceEventUrl")
    conference_event_method: str = _method("conferenceEventMethod")
    conference_event_fallback_url: str | None = _url("conferenceEventFallbackUrl")
    conference_event_fallback_method: str = _method("conferenceEventFallbackMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    fallback_username: str | None = _str("fallbackUsername")
    fallback_password: str | None = _str("fallbackPassword")
    tag: str | None = _tag()
    # None = inherited from the creating call. The docs' typo `calbackTimeout` is an alias.
    callback_timeout: float | None = _attr("callbackTimeout", NUMBER, lo=1, hi=25)


@attrs.frozen(kw_only=True, slots=False)
class Forward(Node):
    ON_B_LEG: ClassVar[bool] = False
    ANSWERS_CALL: ClassVar[bool] = False
    to: str | None = _attr("to", DESTINATION, required=True)
    from_: str | None = _attr("from", CALLER_ID)       # None = the original leg's `to`
    call_timeout: float = _attr("callTimeout", NUMBER, 30.0, lo=1, hi=300)
    diversion_treatment: str = _attr("diversionTreatment", ENUM, "none",
                                     choices=DIVERSION_TREATMENTS)
    diversion_reason: str = _attr("diversionReason", ENUM, "unknown", choices=DIVERSION_REASONS)
    uui: str | None = _attr("uui", UUI, max_len=256)
    privacy: bool = _bool("privacy", False)
    caller_display_name: str | None = _attr("callerDisplayName", DISPLAY_NAME, max_len=256)


@attrs.frozen(kw_only=True, slots=False)
class Endpoint(Node):
    KIND: ClassVar[str] = "noun"
    endpoint_id: str = _text(NONBLANK)


@attrs.frozen(kw_only=True, slots=False)
class Connect(Node):
    ON_B_LEG: ClassVar[bool] = False
    event_callback_url: str | None = _url("eventCallbackUrl")
    event_fallback_url: str | None = _url("eventFallbackUrl")
    endpoints: tuple[Node, ...] = _children("Endpoint", lo=1)


@attrs.frozen(kw_only=True, slots=False)
class Refer(Node):
    ON_B_LEG: ClassVar[bool] = False
    ANSWERS_CALL: ClassVar[bool] = False
    refer_complete_url: str | None = _url("referCompleteUrl")
    refer_complete_method: str = _method("referCompleteMethod")
    tag: str | None = _tag()
    targets: tuple[Node, ...] = _children("SipUri", lo=1, hi=1)


# ---- streaming and real-time transcription ---------------------------------------------------

@attrs.frozen(kw_only=True, slots=False)
class StreamParam(Node):
    KIND: ClassVar[str] = "noun"
    name: str | None = _str("name", required=True, max_len=256)
    value: str | None = _str("value", required=True, max_len=2048)


@attrs.frozen(kw_only=True, slots=False)
class StartStream(Node):
    destination: str | None = _attr("destination", WS_URL, required=True)
    name: str | None = _str("name")                # None = generated stream id
    mode: str = _attr("mode", ENUM, "unidirectional", choices=("unidirectional", "bidirectional"))
    tracks: str = _attr("tracks", ENUM, "inbound", choices=TRACKS)
    destination_username: str | None = _str("destinationUsername")
    destination_password: str | None = _str("destinationPassword")
    stream_event_url: str | None = _url("streamEventUrl")
    stream_event_method: str = _method("streamEventMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    params: tuple[Node, ...] = _children("StreamParam", hi=12)


@attrs.frozen(kw_only=True, slots=False)
class StopStream(Node):
    name: str | None = _str("name", required=True)
    wait: bool | None = _bool("wait", None)        # None = not waiting (no default in spec)


@attrs.frozen(kw_only=True, slots=False)
class CustomParam(Node):
    KIND: ClassVar[str] = "noun"
    name: str | None = _str("name", required=True, max_len=256)
    value: str | None = _str("value", required=True, max_len=2048)


@attrs.frozen(kw_only=True, slots=False)
class StartTranscription(Node):
    name: str | None = _str("name")                # None = generated transcription id
    tracks: str = _attr("tracks", ENUM, "inbound", choices=TRACKS)
    transcription_event_url: str | None = _url("transcriptionEventUrl")
    transcription_event_method: str = _method("transcriptionEventMethod")
    username: str | None = _str("username")
    password: str | None = _str("password")
    destination: str | None = _attr("destination", WS_URL)
    stabilized: bool = _bool("stabilized", True)
    detect_language: bool = _bool("detectLanguage", False)
    preferred_languages: str = _attr("preferredLanguages", LANGUAGES, "en-US")
    params: tuple[Node, ...] = _children("CustomParam", hi=12)


@attrs.frozen(kw_only=True, slots=False)
class StopTranscription(Node):
    name: str | None = _str("name")                # None = stop all real-time transcriptions


# ---- catalogue -------------------------------------------------------------------------------

#: The elements that are children of verbs only (their verbs' ChildSpec name them).
NOUN_CLASSES = (PhoneNumber, SipUri, StreamParam, CustomParam, Endpoint)

#: Element name -> class. A verb is named once, in VERB_NAMES (which <Response> needs before
#: the classes exist); its class is the one of that name defined above.
CATALOGUE: dict[str, type[Node]] = {
    "Response": Response, "Bxml": Response,
    **{name: globals()[name] for name in VERB_NAMES},
    **{cls.__name__: cls for cls in NOUN_CLASSES},
}
ROOT_NAMES = ("Response", "Bxml")

# Where a document comes from decides its root (spec README ambiguity 8, Bandwidth's docs): a
# webhook's reply is a <Response>; a PUT .../calls/{id}/bxml or .../conferences/{id}/bxml body
# may be <Bxml> (the docs' examples) or <Response>. transferAnswer BXML only ever comes as the
# reply to transferAnswer.
ORIGINS: dict[str, tuple[str, ...]] = {"reply": ("Response",), "put": ("Response", "Bxml")}
PUT_CONTEXTS = ("call", "conference")


def roots_for(context: str, origin: str) -> tuple[str, ...]:
    """The roots allowed for a document of ``context`` that came as ``origin`` (``"reply"`` or
    ``"put"``): THE rule that lint, the engine, the bare-document loader and the REST emulator
    all apply. ValueError for an unknown origin or a PUT in a context that has none."""
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, got {origin!r}")
    if origin == "put" and context not in PUT_CONTEXTS:
        raise ValueError(f"{context} BXML is never a PUT body (only the reply to its webhook); "
                         f"PUT bodies are {' or '.join(PUT_CONTEXTS)} BXML")
    return ORIGINS[origin]
NOUN_NAMES = tuple(name for name, cls in CATALOGUE.items() if cls.KIND == "noun")

# Where each verb may appear (spec §9), from the classes' ON_B_LEG / IN_CONFERENCE.
# "transferAnswer" = BXML run on a Transfer B-leg; StartStream/StopStream/StartTranscription/
# StopTranscription are inferred allowed there.
CONTEXTS: dict[str, frozenset[str]] = {
    "call": frozenset(VERB_NAMES),
    "transferAnswer": frozenset(v for v in VERB_NAMES if CATALOGUE[v].ON_B_LEG),
    "conference": frozenset(v for v in VERB_NAMES if CATALOGUE[v].IN_CONFERENCE),
}


@attrs.frozen
class ElementSpec:
    """The generic view of one element class, derived from its field metadata."""

    cls: type
    attrs: dict[str, tuple[str, AttrSpec]]        # XML attribute name -> (field name, spec)
    text: tuple[str, TextSpec] | None             # (field name, spec)
    children: tuple[str, ChildSpec] | None        # (field name, spec)


def _build_spec(cls: type) -> ElementSpec:
    attr_map: dict[str, tuple[str, AttrSpec]] = {}
    text = children = None
    for field in attrs.fields(cls):
        if "bxml" in field.metadata:
            attr_map[field.metadata["bxml"].xml] = (field.name, field.metadata["bxml"])
        elif "bxml_text" in field.metadata:
            text = (field.name, field.metadata["bxml_text"])
        elif "bxml_children" in field.metadata:
            children = (field.name, field.metadata["bxml_children"])
    return ElementSpec(cls, attr_map, text, children)


_SPECS: dict[type, ElementSpec] = {cls: _build_spec(cls) for cls in set(CATALOGUE.values())}


def element_spec(cls: type[Node]) -> ElementSpec:
    """The attribute/text/children table of an element class."""
    return _SPECS[cls]


def xml_name(node: Node) -> str:
    """The XML element name of a node (``root`` for ``Response``)."""
    return node.root if isinstance(node, Response) else type(node).__name__


def snake_case(xml_attribute: str) -> str:
    """``recordCompleteUrl`` -> ``record_complete_url``; Python keywords get a ``_``."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", xml_attribute).lower()
    return name + "_" if name in {"from"} else name
