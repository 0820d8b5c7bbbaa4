"""Voice activity: Silero VAD v6 through onnxruntime, streamed frame by frame.

The ONNX model is recurrent: each 512-sample frame (32 ms at 16 kHz) is fed
with the model's state and the last 64 samples of the frame before, so a call
keeps both between frames. `SileroVAD` holds the one inference session of the
process (onnxruntime sessions are safe to run from several threads); each call
gets its own `SileroDetector` with its own state from `detector()`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from settle.voice.audio import resample
from settle.voice.types import Audio

VAD_RATE = 16000
FRAME_SAMPLES = 512
CONTEXT_SAMPLES = 64
STATE_SHAPE = (2, 1, 128)


class SileroVAD:
    def __init__(self, model_path: Path, threads: int = 1) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(model_path), sess_options=options,
                                                    providers=["CPUExecutionProvider"])
        self._rate = np.array(VAD_RATE, dtype=np.int64)

    def detector(self) -> SileroDetector:
        return SileroDetector(self)

    def step(self, window: np.ndarray, state: np.ndarray) -> tuple[float, np.ndarray]:
        probability, state = self.session.run(None, {"input": window[np.newaxis, :], "state": state, "sr": self._rate})
        return float(probability[0, 0]), state

    def speech_probabilities(self, audio: Audio) -> np.ndarray:
        """One probability per 32 ms frame of a whole recording (a fresh detector; the tail is zero-padded)."""
        samples = resample(audio, VAD_RATE).samples
        padded = np.pad(samples, (0, -len(samples) % FRAME_SAMPLES))
        detector = self.detector()
        return np.array([detector.probability(frame) for frame in padded.reshape(-1, FRAME_SAMPLES)], dtype=np.float32)


class SileroDetector:
    """One call's detector (a `SpeechDetector`): 512 float32 samples at 16 kHz in, speech probability out."""

    frame_samples = FRAME_SAMPLES
    rate = VAD_RATE

    def __init__(self, vad: SileroVAD) -> None:
        self._vad = vad
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros(STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)

    def probability(self, frame: np.ndarray) -> float:
        frame = np.asarray(frame, dtype=np.float32)
        if frame.shape != (FRAME_SAMPLES,):
            raise ValueError(f"a VAD frame is {FRAME_SAMPLES} samples at {VAD_RATE} Hz, got shape {frame.shape}")
        window = np.concatenate([self._context, frame])
        probability, self._state = self._vad.step(window, self._state)
        self._context = window[-CONTEXT_SAMPLES:]
        return probability
