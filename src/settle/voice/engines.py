"""The speech engines of a process, built once from settings and shared by every call.

Models load here, never at import: a missing model is a `ModelNotInstalled`
naming `settle models install`, raised when the app (or a command) builds its
engines, not a crash when a module is imported.
"""
from __future__ import annotations

from settle.config import Settings
from settle.models import installed_model
from settle.voice.stt import FasterWhisperSTT, OpenAIWhisperSTT
from settle.voice.types import SpeechToText
from settle.voice.vad import SileroVAD

VAD_MODEL = "silero-vad"


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
    )


def load_vad(settings: Settings) -> SileroVAD:
    return SileroVAD(installed_model(VAD_MODEL, settings.models_path()), threads=settings.vad_threads)
