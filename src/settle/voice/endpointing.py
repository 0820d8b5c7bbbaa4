"""Turn-taking on a stream of caller audio: when the borrower starts speaking, and when they are done.

Silero VAD scores each 32 ms frame (16 kHz, from the caller's audio through a
low-latency stream resampler); a run of speech frames at least
`min_speech_s` long is the start of speech (shorter ones — a cough, a click on
the line — are not), and `end_of_speech_s` of non-speech after it is the end.
The utterance handed on keeps a little audio from before the start (Whisper
needs the onset) and ends shortly after the last speech frame, at the caller's
own sample rate: speech-to-text resamples it whole, at high quality (the
low-latency filter that feeds the VAD costs Whisper digits — 四位 heard as
此位). Everything is
counted in audio time, not wall time, so a call behaves the same however fast
its frames arrive (a test streams faster than real time).

A shorter pause (`speculate_after_s`) is reported too, with the audio so far:
the call starts transcribing it then, so that if the borrower has really
finished, the words are ready when the end of speech is certain. The
utterance and the pause share a `revision` (speech frames heard so far) when
nothing was said in between — the audio is then the same.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from settle.voice.audio import StreamResampler
from settle.voice.types import Audio, SpeechDetector

SPEECH_RATE = 16000


@dataclass(frozen=True)
class EndpointTiming:
    speech_threshold: float = 0.5  # Silero's probability above which a frame is speech
    min_speech_s: float = 0.2  # shorter speech is noise, and does not interrupt the agent
    # this much non-speech after speech ends the utterance: Kokoro and people alike pause ~0.5 s
    # inside a sentence ("身份证后 … 四位是"), so less would cut a borrower off mid-sentence
    end_of_speech_s: float = 0.7
    speculate_after_s: float = 0.3  # a pause this long is transcribed ahead, in case it is the end
    pre_roll_s: float = 0.3  # audio kept from before the start of speech
    tail_s: float = 0.15  # audio kept after the last speech frame
    max_utterance_s: float = 30.0  # an utterance this long is handed on even without a pause


@dataclass(frozen=True)
class SpeechStarted:
    at_s: float  # audio time of the first speech frame


@dataclass(frozen=True)
class Utterance:
    audio: Audio  # at the caller's rate
    started_s: float
    ended_s: float  # audio time of the end of the last speech frame
    revision: int  # speech frames in it: a `Paused` with the same revision had the same audio


@dataclass(frozen=True)
class Paused:
    """The borrower paused mid-utterance: what they said so far, to transcribe ahead."""

    audio: Audio
    revision: int


class Endpointer:
    """One call's end-of-speech detector: `feed()` the caller's audio (at `rate`), get events."""

    def __init__(self, detector: SpeechDetector, timing: EndpointTiming = EndpointTiming(), rate: int = SPEECH_RATE) -> None:
        self.detector = detector
        self.timing = timing
        self.rate = rate
        self._frame = detector.frame_samples
        self._frame_s = self._frame / SPEECH_RATE
        self._to_vad = StreamResampler(rate, SPEECH_RATE)
        self._pending = np.zeros(0, np.float32)  # 16 kHz, for the VAD
        self._native = np.zeros(0, np.float32)  # the same audio at the caller's rate
        self._native_taken = 0
        self._history: deque[np.ndarray] = deque(maxlen=max(1, round(timing.pre_roll_s / self._frame_s)))
        self._frames = 0  # frames scored so far: the audio clock
        self._run: list[np.ndarray] = []  # a run of speech frames not yet long enough to count
        self._speech: list[np.ndarray] | None = None  # the utterance being heard
        self._silent_frames = 0
        self._started_s = 0.0
        self._last_speech_s = 0.0
        self._speech_frames = 0

    @property
    def now_s(self) -> float:
        return self._frames * self._frame_s

    @property
    def in_speech(self) -> bool:
        return self._speech is not None

    def feed(self, audio: Audio) -> list[SpeechStarted | Paused | Utterance]:
        if audio.rate != self.rate:
            raise ValueError(f"this endpointer takes {self.rate} Hz audio, got {audio.rate} Hz")
        samples = np.asarray(audio.samples, dtype=np.float32)
        self._pending = np.concatenate([self._pending, self._to_vad(samples)])
        self._native = np.concatenate([self._native, samples])
        events: list[SpeechStarted | Paused | Utterance] = []
        whole = len(self._pending) // self._frame * self._frame
        for frame in self._pending[:whole].reshape(-1, self._frame):
            event = self._score(frame, self._native_frame())
            if event is not None:
                events.append(event)
        self._pending = self._pending[whole:]
        return events

    def _native_frame(self) -> np.ndarray:
        """The caller-rate samples of the next VAD frame (a frame's share, so rates need not divide)."""
        end = round((self._frames + 1) * self._frame * self.rate / SPEECH_RATE)
        count = max(0, end - self._native_taken)
        frame, self._native = self._native[:count], self._native[count:]
        self._native_taken += len(frame)
        return frame

    def _score(self, frame: np.ndarray, native: np.ndarray) -> SpeechStarted | Paused | Utterance | None:
        speech = self.detector.probability(frame) >= self.timing.speech_threshold
        self._frames += 1
        if self._speech is None:
            return self._listen(native, speech)
        self._speech.append(native)
        if speech:
            self._silent_frames = 0
            self._speech_frames += 1
            self._last_speech_s = self.now_s
        else:
            self._silent_frames += 1
        too_long = self.now_s - self._started_s >= self.timing.max_utterance_s
        if self._silent_frames * self._frame_s >= self.timing.end_of_speech_s or too_long:
            return self._finish()
        if self._silent_frames == max(1, round(self.timing.speculate_after_s / self._frame_s)):
            return Paused(self._heard_so_far(), self._speech_frames)
        return None

    def _listen(self, frame: np.ndarray, speech: bool) -> SpeechStarted | None:
        if not speech:
            self._history.extend(self._run)
            self._run = []
            self._history.append(frame)
            return None
        self._run.append(frame)
        if len(self._run) * self._frame_s < self.timing.min_speech_s:
            return None
        self._started_s = self.now_s - len(self._run) * self._frame_s
        self._last_speech_s = self.now_s
        self._speech_frames = len(self._run)
        self._speech = [*self._history, *self._run]
        self._history.clear()
        self._run, self._silent_frames = [], 0
        return SpeechStarted(at_s=self._started_s)

    def _heard_so_far(self) -> Audio:
        """The utterance up to its last speech frame and a short tail: the same at a pause and at its end."""
        keep = len(self._speech) - self._silent_frames + max(0, round(self.timing.tail_s / self._frame_s))
        return Audio(np.concatenate(self._speech[: min(keep, len(self._speech))]), self.rate)

    def _finish(self) -> Utterance:
        utterance = Utterance(self._heard_so_far(), self._started_s, self._last_speech_s, self._speech_frames)
        self._speech, self._silent_frames = None, 0
        return utterance
