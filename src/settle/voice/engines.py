"""The speech engines of a process, built once from settings and shared by every call.

Models load here, never at import: a missing model is a `ModelNotInstalled`
naming `settle models install`, raised when the app (or a command) builds its
engines, not a crash when a module is imported.
"""
from __future__ import annotations

from dataclasses import dataclass

from settle.config import Settings
from settle.models import installed_model
from settle.voice.kokoro_tts import KokoroTTS
from settle.voice.piper_tts import PiperTTS
from settle.voice.stt import FasterWhisperSTT, OpenAIWhisperSTT
from settle.voice.synthesis import SpeechCache, Synthesizer, VoiceEngine
from settle.voice.types import SpeechToText
from settle.voice.vad import SileroVAD

VAD_MODEL = "silero-vad"
ENGLISH_VOICE = "piper-joe"
MANDARIN_MODEL = "kokoro-82m"


def load_stt(settings: Settings) -> SpeechToText:
    if settings.stt_backend == "openai-whisper":
        if settings.stt_checkpoint is None:
            raise ValueError(
                "SETTLE_STT_BACKEND=openai-whisper needs SETTLE_STT_CHECKPOINT, a Whisper .pt checkpoint "
                "(`settle models export-whisper-pt` makes one from whisper-base)"
            )
        return OpenAIWhisperSTT(settings.stt_checkpoint, threads=settings.stt_threads, beam_size=settings.stt_beam_size)
    return FasterWhisperSTT(
        installed_model(settings.stt_model, settings.models_path()),
        threads=settings.stt_threads, workers=settings.stt_workers, beam_size=settings.stt_beam_size,
        short_window_s=settings.stt_short_window_s,
    )


def load_vad(settings: Settings) -> SileroVAD:
    return SileroVAD(installed_model(VAD_MODEL, settings.models_path()), threads=settings.vad_threads)


def load_synthesizer(settings: Settings, locales: tuple[str, ...] = ("zh-CN", "en-US")) -> Synthesizer:
    """Piper for English, Kokoro for Mandarin, with the fixed-line cache under the cache dir."""
    engines: dict[str, VoiceEngine] = {}
    models = settings.models_path()
    for locale in locales:
        if locale == "en-US":
            engines[locale] = PiperTTS(installed_model(ENGLISH_VOICE, models), threads=settings.tts_threads,
                                       speed=settings.tts_speed)
        elif locale == "zh-CN":
            engines[locale] = KokoroTTS(installed_model(MANDARIN_MODEL, models), settings.tts_zh_voice,
                                        threads=settings.tts_threads, speed=settings.tts_speed)
        else:
            raise ValueError(f"no voice for locale {locale!r}")
    return Synthesizer(engines, SpeechCache(settings.speech_cache_path()))


@dataclass(frozen=True)
class SpeechEngines:
    """What a process loads once (the app's lifespan) and every call shares; `vad.detector()` per call."""

    stt: SpeechToText
    vad: SileroVAD
    synthesizer: Synthesizer


def load_speech(settings: Settings) -> SpeechEngines:
    return SpeechEngines(stt=load_stt(settings), vad=load_vad(settings), synthesizer=load_synthesizer(settings))
