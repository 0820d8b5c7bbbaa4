"""Call recording and its retention: one 2-channel WAV per call, the caller left, the agent right.

Reviewers listen to what was really said and when, so the two sides are kept
time-aligned on one timeline. The caller's audio is the call's clock: it
arrives continuously (the telephone sends silence too), each chunk right after
the last unless its own time is given. Agent audio is placed when it starts
playing, at the later of "now" (the caller audio so far) and the end of the
agent audio still queued, as a telephone plays what it is sent; a barge-in
drops what was queued and never played. Settled audio goes to disk every
FLUSH_SECONDS with the WAV header patched each time, so the file is a valid WAV
at every moment and a crash loses at most that much.
"""
from __future__ import annotations

import datetime
import logging
import threading
import wave
from pathlib import Path

import numpy as np

from settle.voice.audio import resample, to_pcm16
from settle.voice.types import Audio

log = logging.getLogger(__name__)

CALLER, AGENT = 0, 1
FLUSH_SECONDS = 0.5


class CallRecorder:
    """Records one call to `path` as it happens; caller and agent audio may come from different threads."""

    def __init__(self, path: Path, rate: int = 8000):
        self.path = Path(path)
        self.rate = rate
        self._lock = threading.Lock()
        self._file = open(self.path, "wb")
        self._wav = wave.open(self._file, "wb")
        self._wav.setnchannels(2)
        self._wav.setsampwidth(2)
        self._wav.setframerate(rate)
        self._wav.writeframes(b"")  # the header now, so the file is a WAV even before the first second
        self._file.flush()
        self._written = 0  # frames already on disk
        self._pending = np.zeros((0, 2), dtype=np.float32)  # frames from `_written` on
        self._caller_end = 0  # frame after the caller's last sample: "now" on the call
        self._agent_end = 0  # frame after the agent's last queued sample
        self._closed = False

    def caller(self, audio: Audio, at: float | None = None) -> None:
        """The caller's audio as it arrived, right after the previous chunk, or at `at` seconds into the call
        (the telephone's own timestamp) when given; a gap is silence."""
        samples = self._at_rate(audio)
        with self._lock:
            start = self._caller_end if at is None else round(at * self.rate)
            self._caller_end = max(self._caller_end, self._place(CALLER, samples, start))
            self._flush_settled()

    def agent(self, audio: Audio, at: float | None = None) -> None:
        """Agent audio sent to be played: it starts now or after what is still queued, or at `at` seconds
        into the call when the transport knows the time."""
        samples = self._at_rate(audio)
        with self._lock:
            start = max(self._caller_end, self._agent_end) if at is None else round(at * self.rate)
            self._agent_end = max(self._agent_end, self._place(AGENT, samples, start))

    def agent_interrupted(self) -> None:
        """Barge-in: the agent audio queued after now was never played, so it leaves the recording too."""
        with self._lock:
            if self._closed or self._agent_end <= self._caller_end:
                return
            self._pending = self._pending[:self._caller_end - self._written]  # past now, only agent audio
            self._agent_end = self._caller_end

    def close(self) -> None:
        """Writes everything still pending (the shorter side padded with silence) and fixes the header."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._write(len(self._pending))
            self._wav.close()
            self._file.close()

    def __enter__(self) -> CallRecorder:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _at_rate(self, audio: Audio) -> np.ndarray:
        return resample(audio, self.rate).samples

    def _place(self, channel: int, samples: np.ndarray, start: int) -> int:
        """Puts `samples` on `channel` from frame `start`; returns the frame after them. Audio after close, or
        for a stretch already on disk, cannot be recorded any more: it is dropped with a warning."""
        end = start + len(samples)
        if self._closed:
            return end
        if start < self._written:
            log.warning("%s: %d samples for a time already on disk were not recorded", self.path,
                        min(end, self._written) - start)
            samples, start = samples[self._written - start:], self._written
        if end - self._written > len(self._pending):
            grown = np.zeros((end - self._written, 2), dtype=np.float32)
            grown[:len(self._pending)] = self._pending
            self._pending = grown
        self._pending[start - self._written:end - self._written, channel] = samples
        return end

    def _flush_settled(self) -> None:
        """Writes the frames up to now once there is FLUSH_SECONDS of them; later agent audio stays queued."""
        settled = self._caller_end - self._written
        if not self._closed and settled >= FLUSH_SECONDS * self.rate:
            self._write(settled)

    def _write(self, frames: int) -> None:
        interleaved = self._pending[:frames].reshape(-1)  # row-major (frames, 2): caller, agent, caller, …
        self._wav.writeframes(to_pcm16(Audio(interleaved, self.rate)))  # writeframes patches the header
        self._file.flush()
        self._pending = self._pending[frames:]
        self._written += frames


def purge_recordings(folder: Path, older_than: datetime.timedelta, now: datetime.datetime) -> list[Path]:
    """Deletes the recordings (WAV files, in subfolders too) last written more than `older_than` before `now`,
    as the retention setting requires; returns the deleted paths. A call still recording is written to
    every FLUSH_SECONDS, so it is never old enough."""
    deleted = []
    for recording in sorted(Path(folder).rglob("*.wav")):
        written = datetime.datetime.fromtimestamp(recording.stat().st_mtime, tz=now.tzinfo)
        if now - written > older_than:
            recording.unlink(missing_ok=True)
            deleted.append(recording)
    return deleted
