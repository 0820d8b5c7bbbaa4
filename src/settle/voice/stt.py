"""Speech-to-text: Whisper through faster-whisper (CTranslate2, int8), or openai-whisper on a `.pt` checkpoint.

The language is the case's, never detected: a borrower's short "嗯" or "yes"
is too little audio for detection, and the agent already knows which script
it is speaking. Chinese comes out in simplified characters: Whisper base writes
traditional ones for some Mandarin clips, and OpenCC's t2s conversion fixes
that after decoding (an `initial_prompt` would also steer it, but it rides in
the decoder's context on every window and can echo back on silence).

One engine serves every call of the process: faster-whisper runs up to
`workers` transcriptions in parallel (each with `threads` threads), so
concurrent calls share one copy of the weights.

A caller's turn is a few seconds long, but Whisper pads every input to a
30-second window, and the encoder's cost over that window is most of the time
of a transcription (1.1 s of 1.3 s for three seconds of speech, one thread).
CTranslate2 encodes shorter windows too: with `short_window_s` below 30,
audio that fits in it with two seconds to spare is encoded in that window.
At ten seconds the shared clips keep their error rates (Mandarin CER 12.1%,
English WER 1.6%) and a short turn is transcribed three times faster — but
Mandarin over the telephone is heard worse: the agent's own turns, heard back
piece by piece, went from within the 0.35 round-trip CER to 0.38, and short
borrower lines lost a leading "对". A collector must not mishear yes, so
Whisper's full window is the default; the short one is for an operator who
measures it on their own lines (`settle bench voice`).
"""
from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

from settle.voice.audio import resample
from settle.voice.types import Audio, Transcript

STT_RATE = 16000
FRAMES_PER_S = 100  # Whisper's mel frames
WINDOW_MARGIN_S, FULL_WINDOW_S = 2.0, 30.0
LANGUAGES = {"zh-CN": "zh", "en-US": "en"}


def language_of(locale: str) -> str:
    try:
        return LANGUAGES[locale]
    except KeyError:
        raise ValueError(f"no speech-to-text language for locale {locale!r}; known: {', '.join(LANGUAGES)}") from None


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    return _t2s().convert(text)


def confidence_of(segments: Iterable[tuple[float, float, int]]) -> float:
    """(avg_logprob, no_speech_prob, tokens) per segment → one figure in [0, 1]: the mean token
    probability, discounted by the chance the segment is no speech, weighted by tokens."""
    total = weight = 0.0
    for avg_logprob, no_speech_prob, tokens in segments:
        n = max(tokens, 1)
        total += n * math.exp(min(avg_logprob, 0.0)) * (1.0 - no_speech_prob)
        weight += n
    return min(max(total / weight, 0.0), 1.0) if weight else 0.0


def _text_of(pieces: Iterable[str], language: str) -> str:
    text = ("" if language == "zh" else " ").join(p.strip() for p in pieces).strip()
    return simplified(text) if language == "zh" else text


def _samples(audio: Audio) -> np.ndarray:
    return np.ascontiguousarray(resample(audio, STT_RATE).samples, dtype=np.float32)


def window_frames(duration_s: float, short_window_s: float) -> int:
    """Mel frames the encoder is given for audio this long: the short window when the audio and a
    margin fit in it, else Whisper's full 30 seconds."""
    fits = duration_s + WINDOW_MARGIN_S <= short_window_s
    return round(FRAMES_PER_S * (min(short_window_s, FULL_WINDOW_S) if fits else FULL_WINDOW_S))


def _windowed_model_class():
    """faster-whisper's model, encoding the window `transcribe` sets for its thread rather than 30 seconds."""
    from faster_whisper import WhisperModel

    class WindowedWhisperModel(WhisperModel):
        window = threading.local()  # per transcription: concurrent calls transcribe on their own threads

        def encode(self, features: np.ndarray):
            frames = getattr(self.window, "frames", None)
            if frames is not None and features.shape[-1] > frames:
                features = np.ascontiguousarray(features[..., :frames])
            return super().encode(features)

    return WindowedWhisperModel


class FasterWhisperSTT:
    """Whisper on CTranslate2: the model folder from `settle models install` (whisper-base)."""

    def __init__(self, model_dir: Path, *, threads: int = 1, workers: int = 2, beam_size: int = 1,
                 compute_type: str = "int8", short_window_s: float = FULL_WINDOW_S) -> None:
        self.beam_size = beam_size
        self.short_window_s = short_window_s
        self.model = _windowed_model_class()(str(model_dir), device="cpu", compute_type=compute_type,
                                             cpu_threads=threads, num_workers=workers, local_files_only=True)

    def transcribe(self, audio: Audio, locale: str) -> Transcript:
        language = language_of(locale)
        if not len(audio.samples):
            return Transcript("", 0.0, language)
        samples = _samples(audio)
        self.model.window.frames = window_frames(len(samples) / STT_RATE, self.short_window_s)
        try:
            segments, _info = self.model.transcribe(
                samples, language=language, task="transcribe", beam_size=self.beam_size,
                condition_on_previous_text=False, without_timestamps=True, vad_filter=False,
            )
            segments = list(segments)
        finally:
            self.model.window.frames = None
        return Transcript(
            text=_text_of((s.text for s in segments), language),
            confidence=confidence_of((s.avg_logprob, s.no_speech_prob, len(s.tokens)) for s in segments),
            language=language,
        )


class OpenAIWhisperSTT:
    """openai-whisper on a user-supplied `.pt` checkpoint ({"dims", "model_state_dict"}), in fp32 on the CPU.
    Audio goes in as numpy: openai-whisper would otherwise call ffmpeg, which is not installed."""

    def __init__(self, checkpoint: Path, *, threads: int = 1, beam_size: int = 1) -> None:
        try:
            import torch
            import whisper
        except ImportError as exc:
            raise RuntimeError(
                f"the openai-whisper backend needs openai-whisper and torch ({exc.name} is missing): "
                "install the dev extras (`make .venv/.installed-dev`)"
            ) from None
        if not Path(checkpoint).is_file():
            raise FileNotFoundError(f"no Whisper checkpoint at {checkpoint}")
        torch.set_num_threads(threads)
        self.beam_size = beam_size
        self.model = whisper.load_model(str(checkpoint), device="cpu")

    def transcribe(self, audio: Audio, locale: str) -> Transcript:
        language = language_of(locale)
        if not len(audio.samples):
            return Transcript("", 0.0, language)
        options = {"beam_size": self.beam_size} if self.beam_size > 1 else {}
        result = self.model.transcribe(
            _samples(audio), language=language, task="transcribe", fp16=False, temperature=0.0,
            condition_on_previous_text=False, without_timestamps=True, verbose=None, **options,
        )
        segments = result["segments"]
        return Transcript(
            text=_text_of((s["text"] for s in segments), language),
            confidence=confidence_of((s["avg_logprob"], s["no_speech_prob"], len(s["tokens"])) for s in segments),
            language=language,
        )
