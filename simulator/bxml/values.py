"""Conversion of attribute and text values by kind (the kinds are declared in nodes.py).

``convert_attr(spec, raw)`` and ``convert_text(spec, raw)`` return ``(value, problems)`` where
each problem is ``(code, message)``; a value with an error problem falls back to the default
so later checks can still run. ``format_attr(spec, value)`` is the inverse used by render.

Strictness (docs/bxml.md): numbers are plain ASCII decimals (no ``nan``, ``inf``, exponents,
no digits of other scripts such as ``٥``) of at most :data:`MAX_NUMBER_CHARS` characters, so
every value converts to a finite number in time linear in the document; counts
accept an integral decimal such as ``5.0``; booleans ``true``/``false`` in any case; methods
``GET``/``POST`` (lower case accepted with warning BX407); URLs absolute ``http(s)`` or relative
(an empty URL is an error); enum values exact, except voice/gender/locale which fold case.

Three text rules are shared with the Voice API's createCall checks (voice_api/bodies.py), so
BXML and REST refuse the same values: ``uui_problem`` (RFC 7433 User-To-User values),
``display_name_problem`` (no control characters) and, for BXML only, ``languages_problem``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from difflib import get_close_matches
from urllib.parse import urlsplit

from simulator.bxml import nodes as n

_DECIMAL = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_INTEGRAL = re.compile(r"^[+-]?[0-9]+(\.0*)?$")
#: Longest numeric attribute accepted (docs/limits.md): room for the plain decimal spelling of
#: every finite double (render writes at most ~330 characters), short enough to convert cheaply.
MAX_NUMBER_CHARS = 400
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_SIP = re.compile(r"^sips?:\S+$", re.IGNORECASE)
_CONF_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
#: Unicode categories refused in display names: control characters (Cc: C0, DEL, C1, the
#: new lines and tabs among them) and the line/paragraph separators (Zl, Zp).
_CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
DTMF_KEYS = frozenset("0123456789*#ABCDabcd")
DTMF_PAUSES = frozenset(",wW")

Problem = tuple[str, str]


def _range(spec: n.AttrSpec, number: float) -> list[Problem]:
    if (spec.lo is not None and number < spec.lo) or (spec.hi is not None and number > spec.hi):
        lo = "" if spec.lo is None else f"{spec.lo:g}"
        hi = "" if spec.hi is None else f"{spec.hi:g}"
        bounds = f"{lo}..{hi}" if lo and hi else (f">= {lo}" if lo else f"<= {hi}")
        shown = f"{number:g}" if isinstance(number, float) or abs(number) < 1e300 \
            else f"{str(number)[:16]}..."   # an int past any float: its first digits
        return [("BX204", f"{spec.xml} must be {bounds}, got {shown}")]
    return []


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(//[^/?#\s]+)?")
_SPACE = re.compile(r"\s")
# Fast accept for what _url_problem accepts with ("http", "https"), relative=True: an
# http(s)://host URL, or no scheme at all; anything else gets the full check and its message.
_HTTP_OR_RELATIVE = re.compile(r"(?i:https?)://[^/?#\s]+\S*|(?![A-Za-z][A-Za-z0-9+.-]*:)\S+")


def _url_problem(what: str, raw: str, schemes: tuple[str, ...], relative: bool) -> str | None:
    text = raw.strip()
    if not text:
        return f"{what} must be a URL, got an empty value"
    if _SPACE.search(text):
        return f"{what} must be a URL without spaces, got {raw!r}"
    if "[" in text or "]" in text:  # an IPv6 host; urllib refuses a malformed one at use
        try:
            urlsplit(text)
        except ValueError as exc:
            return f"{what} must be a valid URL ({exc}), got {raw!r}"
    match = _SCHEME.match(text)
    if match is None and relative:
        return None
    if match is not None and match.group(1).lower() in schemes and match.group(2):
        return None
    expected = " or ".join(f"{s}://" for s in schemes) + (" or a relative URL" if relative else "")
    return f"{what} must be {expected}, got {raw!r}"


def _split_values(text: str) -> list[str]:
    """``text`` cut at the commas outside double-quoted strings (SIP header value lists)."""
    parts, start, quoted, escaped = [], 0, False, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def uui_problem(what: str, raw: str, encodings: tuple[str, ...]) -> str | None:
    """What is wrong with a User-To-User value, or None (RFC 7433 section 4).

    ``raw`` is one or more comma-separated header values ``data;encoding=X[;param...]``; each
    needs data and exactly one ``encoding`` parameter whose value is one of ``encodings``
    (parameter names and values compared without case, as in SIP).
    """
    allowed = " or ".join(encodings)
    values = _split_values(raw)
    for number, value in enumerate(values, 1):
        which = f"{what} value {number} ({value.strip()!r})" if len(values) > 1 else \
            f"{what} {value.strip()!r}"
        data, *params = value.split(";")
        if not data.strip():
            return (f"{which} has no data before its parameters (RFC 7433: "
                    f"data;encoding={allowed})")
        found = [p.partition("=")[2].strip() for p in params
                 if p.partition("=")[0].strip().lower() == "encoding"]
        if not found:
            return (f"{which} has no encoding parameter; RFC 7433 needs one, e.g. "
                    f"{data.strip() + ';encoding=' + encodings[0]!r} ({allowed})")
        if len(found) > 1:
            return f"{which} has {len(found)} encoding parameters; one is allowed"
        if found[0].lower() not in encodings:
            return f"{which} has encoding={found[0]}; allowed: {', '.join(encodings)}"
    return None


def display_name_problem(what: str, raw: str) -> str | None:
    """None, or why a caller display name is refused: it may not contain control characters
    such as new lines (SDK transfer.py / forward.py, voice-api.md §3.1 displayName)."""
    for position, ch in enumerate(raw, 1):
        if unicodedata.category(ch) in _CONTROL_CATEGORIES:
            return (f"{what} may not contain control characters such as new lines, got "
                    f"{ch!r} at character {position}")
    return None


def languages_problem(what: str, raw: str) -> str | None:
    """None, or why a ``preferredLanguages`` list is refused: comma-separated locales such as
    ``en-US,es-US`` with one dialect per language (SDK start_transcription.py)."""
    seen: dict[str, str] = {}
    for number, item in enumerate(raw.split(","), 1):
        locale = item.strip()
        if not locale:
            return (f"{what} must be a comma-separated list of locales such as en-US,es-US; "
                    f"item {number} of {raw!r} is empty")
        if not _LOCALE.match(locale):
            return f"{what} must list locales such as en-US or es-US, got {locale!r}"
        language = locale.split("-")[0].lower()
        if language in seen:
            return (f"{what} allows one dialect per language, got {seen[language]!r} and "
                    f"{locale!r}")
        seen[language] = locale
    return None


def language_problem(what: str, raw: str) -> str | None:
    """None, or why a recognition ``language`` is refused: one locale such as en-US."""
    if _LOCALE.match(raw.strip()):
        return None
    return f"{what} must be a locale such as en-US or es-MX, got {raw!r}"


_TEXT_RULES = {n.UUI: lambda xml, raw: uui_problem(xml, raw, n.UUI_ENCODINGS),
               n.DISPLAY_NAME: display_name_problem, n.LANGUAGES: languages_problem,
               n.LANGUAGE: language_problem}


def convert_attr(spec: n.AttrSpec, raw: str) -> tuple[object, list[Problem]]:
    """Typed value of one attribute, or the default with the problems found."""
    kind = spec.kind
    value: object = raw
    problems: list[Problem] = []
    if kind in (n.NUMBER, n.INT):
        pattern = _DECIMAL if kind == n.NUMBER else _INTEGRAL
        text = raw.strip()
        if len(text) > MAX_NUMBER_CHARS:
            return spec.default, [("BX203", f"{spec.xml} must be a number of at most "
                                            f"{MAX_NUMBER_CHARS} characters, got {raw[:16]!r}... "
                                            f"({len(raw)} characters)")]
        if not pattern.match(text):
            expected = "a decimal number" if kind == n.NUMBER else "a whole number"
            return spec.default, [("BX203", f"{spec.xml} must be {expected}, got {raw!r}")]
        value = float(text) if kind == n.NUMBER else int(Decimal(text))
        if value in (math.inf, -math.inf):   # more digits than a double holds
            return spec.default, [("BX203", f"{spec.xml} must be a finite number, got "
                                            f"{raw[:16]!r}... ({len(raw)} characters)")]
        problems = _range(spec, value)
    elif kind == n.BOOL:
        low = raw.strip().lower()
        if low not in ("true", "false"):
            return spec.default, [("BX203", f"{spec.xml} must be true or false, got {raw!r}")]
        value = low == "true"
    elif kind == n.METHOD:
        up = raw.strip().upper()
        if up not in ("GET", "POST"):
            return spec.default, [("BX203", f"{spec.xml} must be GET or POST, got {raw!r}")]
        if raw != up:
            problems = [("BX407", f"{spec.xml}={raw!r} accepted as {up!r}")]
        value = up
    elif kind == n.ENUM:
        choices = spec.choices or ()
        if raw in choices:
            value = raw
        else:
            folded = {c.lower(): c for c in choices}.get(raw.strip().lower())
            if folded is not None and spec.fold_case:
                value = folded
            else:
                hint = folded or (get_close_matches(raw, choices, n=1) or [None])[0]
                more = f"; did you mean {hint!r}?" if hint else f"; expected one of {', '.join(choices)}"
                return spec.default, [("BX203", f"{spec.xml}={raw!r} is not allowed{more}")]
    elif kind == n.URL:
        problem = _url_problem(spec.xml, raw, ("http", "https"), relative=True)
        if problem:
            return spec.default, [("BX203", problem)]
        value = raw.strip()
    elif kind == n.WS_URL:
        problem = _url_problem(spec.xml, raw, ("ws", "wss"), relative=False)
        if problem:
            return spec.default, [("BX203", problem)]
        value = raw.strip()
    elif kind == n.DTMF_SET:
        bad = sorted(set(raw) - DTMF_KEYS)
        if bad:
            return spec.default, [("BX203", f"{spec.xml} may only contain DTMF keys 0-9 * # A-D, "
                                            f"got {''.join(bad)!r}")]
    elif kind == n.CALLER_ID:
        word = {w.lower(): w for w in n.CALLER_ID_WORDS}.get(raw.strip().lower())
        if word:
            value = word
        elif not _E164.match(raw.strip()):
            return spec.default, [("BX203", f"{spec.xml} must be an E.164 number or one of "
                                            f"{', '.join(n.CALLER_ID_WORDS)}, got {raw!r}")]
        else:
            value = raw.strip()
    elif kind == n.DESTINATION:
        if not (_E164.match(raw.strip()) or _SIP.match(raw.strip())):
            return spec.default, [("BX203", f"{spec.xml} must be an E.164 number or a SIP URI, "
                                            f"got {raw!r}")]
        value = raw.strip()
    elif kind in _TEXT_RULES:
        problem = _TEXT_RULES[kind](spec.xml, raw)
        if problem:
            return spec.default, [("BX203", problem)]
    if spec.max_len is not None and isinstance(value, str) and len(value) > spec.max_len:
        return spec.default, [("BX204", f"{spec.xml} is {len(value)} characters long, "
                                        f"at most {spec.max_len} allowed")]
    return value, problems


def convert_text(element: str, spec: n.TextSpec, raw: str) -> tuple[str, list[Problem]]:
    """The trimmed text content of ``element`` and its problems (SSML markup is checked in
    ssml.py; here only blankness)."""
    text = raw.strip()
    if not text:
        if spec.required:
            return "", [("BX106", f"<{element}> needs text content ({_TEXT_WHAT[spec.kind]})")]
        return "", []
    if spec.max_len is not None and len(text) > spec.max_len:
        return text, [("BX107", f"<{element}> text is {len(text)} characters long, "
                                f"at most {spec.max_len} allowed")]
    problem = None
    kind = spec.kind
    if kind == n.URL:
        if "[" in text or "]" in text or not _HTTP_OR_RELATIVE.fullmatch(text):
            problem = _url_problem(f"<{element}> text", text, ("http", "https"), relative=True)
    elif kind == n.E164 and not _E164.match(text):
        problem = f"<{element}> must contain an E.164 number such as +15555550100, got {text!r}"
    elif kind == n.SIP_URI and not _SIP.match(text):
        problem = f"<{element}> must contain a SIP URI such as sip:user@host, got {text!r}"
    elif kind == n.CONF_NAME and not _CONF_NAME.match(text):
        problem = (f"<{element}> name may only contain letters, digits, '-', '_' and '.', "
                   f"got {text!r}")
    elif kind == n.DTMF_STRING:
        bad = sorted(set(text) - DTMF_KEYS - DTMF_PAUSES)
        if bad:
            problem = (f"<{element}> may only contain 0-9 * # A-D and the pauses , w W, "
                       f"got {''.join(bad)!r}")
    return text, ([("BX107", problem)] if problem else [])


_TEXT_WHAT = {n.SSML: "the sentence to speak", n.URL: "the audio URL",
              n.DTMF_STRING: "the digits", n.NONBLANK: "an id", n.CONF_NAME: "the conference name",
              n.E164: "an E.164 number", n.SIP_URI: "a SIP URI", n.STRING: "text"}


def format_attr(spec: n.AttrSpec, value: object) -> str:
    """The XML spelling of a typed attribute value (inverse of ``convert_attr``)."""
    if spec.kind == n.BOOL:
        return "true" if value else "false"
    if spec.kind == n.NUMBER:
        # Shortest round-tripping digits, never in exponent form ("1e-07" is not BXML).
        text = format(Decimal(repr(float(value))), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if spec.kind == n.INT:
        return str(int(value))
    return str(value)
