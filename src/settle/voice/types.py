"""The vocabulary the voice pieces share: audio buffers, transcripts and the engines' interfaces.

Channels (the telephone WebSocket, the local microphone) and tests depend on
these small interfaces only, so speech-to-text, speech synthesis and voice
activity detection can be swapped without touching a transport.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Audio:
    """Mono PCM as float32 samples in [-1, 1] at `rate` Hz."""

    samples: np.ndarray
    rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0


@dataclass(frozen=True)
class Transcript:
    """What speech-to-text heard; `confidence` in [0, 1] is kept with the stored turn."""

    text: str
    confidence: float
    language: str  # the language decoded: "zh" | "en"


class SpeechToText(Protocol):
    def transcribe(self, audio: Audio, locale: str) -> Transcript: ...


class TextToSpeech(Protocol):
    def synthesize(self, text: str, locale: str) -> Audio: ...


class SpeechDetector(Protocol):
    """One call's streaming voice-activity detector: 16 kHz frames in, speech probability out.
    It keeps state between frames, so each call has its own."""

    frame_samples: int

    def probability(self, frame: np.ndarray) -> float: ...

    def reset(self) -> None: ...
