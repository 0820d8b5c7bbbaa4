"""English speech with Piper (VITS on onnxruntime, espeak-ng phonemes bundled in piper-tts) and the joe voice.

espeak-ng says "not" unstressed with a flapped t ("nˌɑːɾə"): the AI disclosure
"not a person" came back from the STT as "at a person" in 8 of 8 tries. A
negation is the word a collector can least afford to lose, so "not" is given
its full form (stressed, with its t: raw phonemes in Piper's [[ ]] syntax),
which was heard right 4 of 4 times.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from settle.voice.textnorm import spoken_english
from settle.voice.types import Audio

_LEXICON = ((re.compile(r"\bnot\b", re.IGNORECASE), "[[nˈɑːt]]"),)


def _pronounced(text: str) -> str:
    for pattern, phonemes in _LEXICON:
        text = pattern.sub(phonemes, text)
    return text


class PiperTTS:
    """One onnxruntime session per process (safe to run from several threads), `threads` each run."""

    def __init__(self, model_path: Path, *, threads: int = 1, speed: float = 1.0) -> None:
        import onnxruntime
        from piper import PiperVoice, SynthesisConfig
        from piper.config import PiperConfig

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        config = json.loads(Path(f"{model_path}.json").read_text(encoding="utf-8"))
        self.voice = PiperVoice(
            config=PiperConfig.from_dict(config),
            session=onnxruntime.InferenceSession(str(model_path), sess_options=options, providers=["CPUExecutionProvider"]),
        )
        self.rate = self.voice.config.sample_rate
        self.name = f"piper/{Path(model_path).stem}"
        self.speed = speed
        self._config = SynthesisConfig(length_scale=1.0 / speed)

    def synthesize(self, text: str, locale: str = "en-US") -> Audio:
        chunks = [chunk.audio_float_array for chunk in self.voice.synthesize(_pronounced(spoken_english(text)), self._config)]
        samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return Audio(samples.astype(np.float32, copy=False), self.rate)
