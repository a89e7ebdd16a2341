"""Real text-to-speech with espeak-ng (the optional ``tts`` extra): text -> 8 kHz samples.

Opt-in only (scenario ``tts: espeak`` or ``bxmlsim run --tts espeak``); without it the engine
uses the deterministic speech-like model of ``synth.speech``, so outputs never depend on what
happens to be installed. The runner (I/O side) calls :func:`speak` to answer the engine's
``SynthesizeSpeech`` effects; the engine never imports this module (tests/test_layering.py).

espeak-ng comes from the ``espeakng-loader`` wheel (``libespeak-ng`` + its data, no Python
API) and is driven through ctypes: ``espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS)`` (22 050 Hz),
a synth callback collecting the 16-bit chunks, ``espeak_SetVoiceByName``, ``espeak_Synth``,
``espeak_Synchronize``. The result is low-passed and resampled to 8 kHz (``sink.resample``).

Determinism (measured with espeak-ng 1.52): two things make espeak-ng's output vary. It keeps
synthesis state in static variables across utterances, so the same text twice in one process
gives different samples (lengths drift by a few samples), and ``espeak_Terminate`` +
``espeak_Initialize`` do not reset it; a freshly loaded library does, so each utterance loads
libespeak-ng, synthesises, and unloads it again (``dlclose``; about 6 ms an utterance), under one
process-wide lock because the engine is global state. And ``espeak_Initialize`` seeds the noise
of breathy voices (the ``f`` variants) from the clock, so ``espeak_ng_SetRandSeed`` fixes it
right after. Then the same text and voice give the same samples in any process. Results are also memoised per (text, voice), so a
Gather prompt repeated ``repeatCount`` times is synthesised once. (If something else in the
process keeps libespeak-ng loaded, the unload is a no-op and repeat runs may differ.)

Voices: a SpeakSentence's ``voice``/``gender``/``locale`` first pick a Bandwidth voice as the
spec says (``voice`` wins; else the first voice of that locale and gender in the spec's table,
the other gender when the locale has none: julie for the defaults), then
:func:`espeak_voice_name` maps it to ``<language>+<variant>``: the locale's espeak language
(:data:`ESPEAK_LANGUAGES`) and one of espeak's female (``f1``-``f5``) or male (``m1``-``m8``)
variants, the voices of one locale and gender taking :data:`FEMALE_VARIANTS` /
:data:`MALE_VARIANTS` in table order (julie ``en-us+f3``, kate ``en-us+f2``, dave ``en-us+m3``).
"""

from __future__ import annotations

import ctypes
import threading
from collections import OrderedDict

import numpy as np

from ..bxml.nodes import VOICES
from ..errors import MediaError, install_extra
from .sink import resample
from .synth import SAMPLE_RATE

MISSING_EXTRA = f"TTS 'espeak' needs the tts extra: {install_extra('tts')}"

#: Bandwidth locale -> espeak-ng language. espeak-ng has no Canadian French nor US/Mexican
#: Spanish of their own: fr_CA speaks ``fr``, es_MX/es_US Latin American Spanish (``es-419``).
ESPEAK_LANGUAGES = {
    "en_US": "en-us", "en_UK": "en", "de": "de", "es": "es", "es_MX": "es-419",
    "es_US": "es-419", "fr": "fr", "fr_CA": "fr", "it": "it", "ja": "ja", "ru": "ru",
    "arb": "ar", "cmn-CN": "cmn",
}
#: espeak voice variants handed out, in order, to a locale's female / male voices.
FEMALE_VARIANTS = ("f3", "f2", "f4", "f1", "f5")
MALE_VARIANTS = ("m3", "m1", "m2", "m4", "m5", "m6", "m7", "m8")

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # report a bad data path instead of calling exit()
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_CACHE_SIZE = 256
_RAND_SEED = 1
_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                  ctypes.c_void_p)


def bandwidth_voice(voice: str | None = None, gender: str = "female",
                    locale: str = "en_US") -> str:
    """The Bandwidth voice a SpeakSentence speaks with (spec §3.1).

    ``voice`` wins (gender and locale are then ignored); otherwise the first voice of the
    spec's table with that locale and gender, or of that locale when it has no such gender.
    """
    if voice is not None:
        name = voice.lower()
        if name not in VOICES:
            raise MediaError("unknown SpeakSentence voice", expected="one of " + ", ".join(VOICES),
                             got=repr(voice))
        return name
    in_locale = [name for name, (loc, _) in VOICES.items() if loc.lower() == locale.lower()]
    if not in_locale:
        raise MediaError("unknown SpeakSentence locale",
                         expected="one of " + ", ".join(sorted(ESPEAK_LANGUAGES)), got=repr(locale))
    same_gender = [name for name in in_locale if VOICES[name][1] == gender.lower()]
    return (same_gender or in_locale)[0]


def espeak_voice_name(voice: str | None = None, gender: str = "female",
                      locale: str = "en_US") -> str:
    """The espeak-ng voice (``language+variant``) standing in for a Bandwidth voice."""
    name = bandwidth_voice(voice, gender, locale)
    loc, sex = VOICES[name]
    peers = [other for other, (l2, s2) in VOICES.items() if l2 == loc and s2 == sex]
    variants = FEMALE_VARIANTS if sex == "female" else MALE_VARIANTS
    return f"{ESPEAK_LANGUAGES[loc]}+{variants[peers.index(name) % len(variants)]}"


class EspeakVoice:
    """espeak-ng for this process: lazily located, one utterance at a time (thread-safe).

    ``EspeakVoice.get()`` returns the process-wide instance, raising :class:`MediaError`
    (:data:`MISSING_EXTRA`) when the ``tts`` extra is not installed or the library cannot load.
    """

    _instance: EspeakVoice | None = None
    _instance_lock = threading.Lock()

    def __init__(self, library_path: str, data_path: str) -> None:
        self.library_path = library_path
        self.data_path = data_path
        self.sample_rate = 0  # espeak's output rate, known after the first utterance
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()

    @classmethod
    def get(cls) -> EspeakVoice:
        with cls._instance_lock:
            if cls._instance is None:
                try:
                    import espeakng_loader
                except ImportError:
                    raise MediaError(MISSING_EXTRA, expected="the espeakng-loader package",
                                     got="not installed") from None
                try:
                    voice = cls(espeakng_loader.get_library_path(),
                                espeakng_loader.get_data_path())
                    voice.synthesize("ready", "en-us")  # fail here, not in the middle of a run
                except (OSError, RuntimeError) as exc:
                    raise MediaError(MISSING_EXTRA, expected="a loadable libespeak-ng",
                                     got=str(exc)) from None
                cls._instance = voice
            return cls._instance

    def speak(self, text: str, *, voice: str | None = None, gender: str = "female",
              locale: str = "en_US") -> np.ndarray:
        """``text`` (plain, no markup) spoken by the espeak stand-in of a Bandwidth voice:
        read-only 8 kHz mono float32; empty for blank text. Same arguments, same samples."""
        name = espeak_voice_name(voice, gender, locale)
        key = (" ".join(text.split()), name)
        if not key[0]:
            return _frozen(np.zeros(0, dtype=np.float32))
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        pcm, rate = self.synthesize(*key)
        samples = _frozen(resample(pcm.astype(np.float32) / 32768.0, rate, SAMPLE_RATE))
        with self._lock:
            self._cache[key] = samples
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return samples

    def synthesize(self, text: str, espeak_voice: str) -> tuple[np.ndarray, int]:
        """One utterance from a freshly loaded libespeak-ng: (int16 samples, rate in Hz)."""
        chunks: list[np.ndarray] = []

        def collect(wav, count, _events) -> int:
            if count > 0 and wav:
                chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
            return 0  # 0: go on synthesising

        callback = _SynthCallback(collect)  # referenced until the library is unloaded
        with self._lock:
            lib = ctypes.CDLL(self.library_path)
            rate = 0
            try:
                lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                                  ctypes.c_int]
                rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0,
                                             self.data_path.encode(), _INITIALIZE_DONT_EXIT)
                if rate <= 0:
                    raise RuntimeError(f"espeak_Initialize failed ({rate}) with data at "
                                       f"{self.data_path}")
                # espeak_Initialize seeds espeak's noise generator (breathy voices) from the
                # clock: a fixed seed keeps the samples the same from run to run
                lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
                lib.espeak_ng_SetRandSeed(_RAND_SEED)
                lib.espeak_SetSynthCallback(callback)
                lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
                status = lib.espeak_SetVoiceByName(espeak_voice.encode())
                if status != 0:
                    raise MediaError("espeak-ng has no such voice", expected="a voice of its "
                                     "data such as en-us+f3", got=repr(espeak_voice))
                data = text.encode("utf-8")
                lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint,
                                             ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                             ctypes.c_void_p, ctypes.c_void_p]
                status = lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0,
                                          _CHARS_UTF8, None, None)
                lib.espeak_Synchronize()
                if status != 0:
                    raise RuntimeError(f"espeak_Synth failed ({status})")
            finally:
                if rate > 0:
                    lib.espeak_Terminate()
                _unload(lib)
            self.sample_rate = rate
        pcm = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return pcm.astype(np.int16), rate


def speak(text: str, *, voice: str | None = None, gender: str = "female",
          locale: str = "en_US") -> np.ndarray:
    """``EspeakVoice.get().speak(...)``: 8 kHz float32 samples of ``text``."""
    return EspeakVoice.get().speak(text, voice=voice, gender=gender, locale=locale)


def _frozen(samples: np.ndarray) -> np.ndarray:
    samples.flags.writeable = False
    return samples


def _unload(lib: ctypes.CDLL) -> None:
    """Unload the library so the next utterance starts from espeak's initial state."""
    import _ctypes

    handle = lib._handle
    close = getattr(_ctypes, "dlclose", None) or getattr(_ctypes, "FreeLibrary", None)
    if close is not None:
        close(handle)
