"""G.711 μ-law, the telephone's codec: 8-bit codes at 8 kHz, one byte a sample.

The telephone transport speaks μ-law on the wire while every engine works on
`Audio`, so this is the only place that knows the code. It follows the
reference (Sun's g711.c, as in CPython's audioop) bit for bit: the codes are
computed once into lookup tables, and encoding or decoding a frame is a single
vectorised table look-up.
"""
from __future__ import annotations

import numpy as np

from settle.voice.audio import PCM16_SCALE, resample
from settle.voice.types import Audio

TELEPHONE_RATE = 8000

_BIAS = 0x84  # added to the magnitude so every segment starts on a power of two
_CLIP = 8159  # the largest 14-bit magnitude μ-law represents
_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def _encode_table() -> np.ndarray:
    """The μ-law code of every 16-bit sample, indexed by sample + 32768."""
    pcm14 = np.arange(-32768, 32768, dtype=np.int32) >> 2
    negative = pcm14 < 0
    magnitude = np.minimum(np.where(negative, -pcm14, pcm14), _CLIP) + (_BIAS >> 2)
    segment = np.searchsorted(_SEGMENT_ENDS, magnitude)  # first segment whose end is >= magnitude
    code = np.where(segment < 8, (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F), 0x7F)  # past the top: loudest
    return (code ^ np.where(negative, 0x7F, 0xFF)).astype(np.uint8)  # μ-law stores the bits inverted


def _decode_table() -> np.ndarray:
    """The 16-bit sample every μ-law code stands for."""
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    magnitude = (((code & 0x0F) << 3) + _BIAS) << ((code & 0x70) >> 4)
    return np.where(code & 0x80, _BIAS - magnitude, magnitude - _BIAS).astype(np.int16)


_ENCODE = _encode_table()
_DECODE = _decode_table()


def ulaw_encode(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] → μ-law bytes (clipped, truncated to 16 bits first, as `to_pcm16` does)."""
    clipped = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0 - 1.0 / PCM16_SCALE)
    pcm16 = (clipped * PCM16_SCALE).astype(np.int32)
    return _ENCODE[pcm16 + 32768].tobytes()


def ulaw_decode(data: bytes) -> np.ndarray:
    """μ-law bytes → float32 samples in [-1, 1]."""
    codes = np.frombuffer(data, dtype=np.uint8)
    return _DECODE[codes].astype(np.float32) / PCM16_SCALE


def telephone_audio(data: bytes) -> Audio:
    """A telephone payload (8 kHz μ-law) as Audio."""
    return Audio(ulaw_decode(data), TELEPHONE_RATE)


def telephone_bytes(audio: Audio) -> bytes:
    """Audio at any rate as a telephone payload (8 kHz μ-law)."""
    return ulaw_encode(resample(audio, TELEPHONE_RATE).samples)
