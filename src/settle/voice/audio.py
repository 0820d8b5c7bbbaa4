"""Audio buffers in and out: WAV files, 16-bit PCM bytes, sample-rate conversion.

Every engine works on `Audio` (float32 mono); these helpers are the only place
that knows about bytes and rates, so STT (16 kHz), TTS (22–24 kHz) and the
telephone (8 kHz) meet without each converting on its own.
"""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import soxr

from settle.voice.types import Audio

PCM16_SCALE = 32768.0


def from_pcm16(data: bytes, rate: int) -> Audio:
    """Little-endian signed 16-bit mono PCM → Audio."""
    samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / PCM16_SCALE
    return Audio(samples, rate)


def to_pcm16(audio: Audio) -> bytes:
    clipped = np.clip(audio.samples, -1.0, 1.0 - 1.0 / PCM16_SCALE)
    return (clipped * PCM16_SCALE).astype("<i2").tobytes()


def resample(audio: Audio, rate: int) -> Audio:
    """The same sound at another sample rate (soxr, high quality); a no-op at the same rate."""
    if audio.rate == rate or not len(audio.samples):
        return Audio(audio.samples.astype(np.float32, copy=False), rate)
    return Audio(soxr.resample(audio.samples.astype(np.float32, copy=False), audio.rate, rate).astype(np.float32), rate)


def read_wav(path: Path | str) -> Audio:
    """A 16-bit PCM WAV file as mono Audio (channels are averaged)."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported (sample width {wav.getsampwidth()} bytes)")
        channels, rate = wav.getnchannels(), wav.getframerate()
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / PCM16_SCALE
    if channels > 1:
        frames = frames.reshape(-1, channels).mean(axis=1)
    return Audio(frames, rate)


def write_wav(path: Path | str, audio: Audio) -> None:
    """Mono 16-bit PCM WAV."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(audio.rate)
        wav.writeframes(to_pcm16(audio))


class StreamResampler:
    """Rate conversion of audio that arrives in pieces (a call's 20 ms frames): one soxr stream keeps
    its filter state between pieces, so the boundaries do not click as piece-by-piece `resample` would.
    soxr's quick quality: its better filters hold back ~100 ms of audio, and every millisecond held
    here is one the caller waits at the end of their turn."""

    def __init__(self, rate_in: int, rate_out: int) -> None:
        self.rate_in, self.rate_out = rate_in, rate_out
        self._stream = (soxr.ResampleStream(rate_in, rate_out, 1, dtype="float32", quality="QQ")
                        if rate_in != rate_out else None)

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        samples = np.asarray(samples, dtype=np.float32)
        return samples if self._stream is None else self._stream.resample_chunk(samples)
