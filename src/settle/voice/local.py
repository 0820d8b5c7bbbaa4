"""The local transport: a call through this machine's microphone and speaker (`settle call --case REF`).

One duplex sounddevice stream (PortAudio) carries both sides at 16 kHz: its
callback hands the microphone's blocks to a thread that feeds the session,
and fills the speaker from `Playback`, which also reports the session's
marks as the audio before them is played and drops everything on `clear`.
"""
from __future__ import annotations

import queue
import threading
from collections import deque

import numpy as np

from settle.voice.types import Audio

LOCAL_RATE = 16000
BLOCK = 320  # 20 ms, as on the telephone


class NoAudioDevice(RuntimeError):
    """No microphone and speaker to talk through; the message says what is missing."""


class Playback:
    """The agent's queued audio and marks, read by the audio callback block by block; thread-safe."""

    rate = LOCAL_RATE

    def __init__(self, on_mark) -> None:
        self._items: deque[np.ndarray | str] = deque()
        self._lock = threading.Lock()
        self._on_mark = on_mark
        self.hung_up = threading.Event()

    def play(self, audio: Audio) -> None:
        if audio.rate != self.rate:
            raise ValueError(f"local playback is {self.rate} Hz, got {audio.rate}")
        with self._lock:
            self._items.append(np.asarray(audio.samples, dtype=np.float32))

    def mark(self, name: str) -> None:
        with self._lock:
            self._items.append(name)
        self._report_marks()  # a mark with nothing before it is reached at once

    def clear(self) -> None:
        with self._lock:
            marks = [item for item in self._items if isinstance(item, str)]
            self._items.clear()
        for name in marks:  # as on Twilio: a clear answers the pending marks
            self._on_mark(name)

    def hang_up(self) -> None:
        self.hung_up.set()

    def read(self, frames: int) -> np.ndarray:
        """The next `frames` samples to play (silence when nothing is queued); marks passed are reported."""
        out = np.zeros(frames, dtype=np.float32)
        filled = 0
        reached = []
        with self._lock:
            while filled < frames and self._items:
                head = self._items[0]
                if isinstance(head, str):
                    reached.append(self._items.popleft())
                    continue
                take = min(frames - filled, len(head))
                out[filled : filled + take] = head[:take]
                filled += take
                if take == len(head):
                    self._items.popleft()
                else:
                    self._items[0] = head[take:]
            while self._items and isinstance(self._items[0], str):
                reached.append(self._items.popleft())
        for name in reached:
            self._on_mark(name)
        return out

    def _report_marks(self) -> None:
        reached = []
        with self._lock:
            while self._items and isinstance(self._items[0], str):
                reached.append(self._items.popleft())
        for name in reached:
            self._on_mark(name)


def open_duplex_stream(on_input, playback: Playback):
    """The machine's default microphone and speaker as one stream, or `NoAudioDevice` saying why not."""
    try:
        import sounddevice
    except OSError as exc:  # the PortAudio library itself is missing
        raise NoAudioDevice(f"PortAudio is not installed ({exc}); on Debian: apt-get install libportaudio2") from None
    try:
        devices = sounddevice.query_devices()
        default_in, default_out = sounddevice.default.device
    except sounddevice.PortAudioError as exc:
        raise NoAudioDevice(f"no audio devices: {exc}") from None
    if not len(devices) or default_in is None or default_in < 0 or default_out is None or default_out < 0:
        raise NoAudioDevice("this machine has no microphone and speaker (no default audio input and output device)")

    def callback(indata, outdata, frames, _time, _status) -> None:
        on_input(indata[:, 0].copy())
        outdata[:, 0] = playback.read(frames)

    try:
        return sounddevice.Stream(samplerate=LOCAL_RATE, blocksize=BLOCK, channels=1, dtype="float32", callback=callback)
    except sounddevice.PortAudioError as exc:
        raise NoAudioDevice(f"cannot open the microphone and speaker: {exc}") from None


class MicrophoneFeed:
    """Microphone blocks from the audio callback, fed to the session on a thread of their own
    (the callback must return fast; VAD runs here)."""

    def __init__(self, hear) -> None:
        self._blocks: queue.Queue[np.ndarray | None] = queue.Queue()
        self._hear = hear
        self._thread = threading.Thread(target=self._run, name="microphone", daemon=True)
        self._thread.start()

    def __call__(self, block: np.ndarray) -> None:
        self._blocks.put(block)

    def _run(self) -> None:
        while (block := self._blocks.get()) is not None:
            self._hear(Audio(block, LOCAL_RATE))

    def stop(self) -> None:
        self._blocks.put(None)
        self._thread.join(timeout=5)


def talk_locally(services, case, on_turn=None) -> str:
    """A whole call with the case's debtor through this machine's audio devices; returns the conversation id.
    The devices are checked before anything is stored: with none, `NoAudioDevice` and no conversation."""
    from settle.voice.call import CallSession
    from settle.voice.calls import call_timing
    from settle.voice.recording import CallRecorder

    session: CallSession | None = None
    playback = Playback(on_mark=lambda name: session.played(name) if session is not None else None)
    feed = MicrophoneFeed(lambda audio: session.hear(audio) if session is not None else None)
    try:
        stream = open_duplex_stream(feed, playback)
    except NoAudioDevice:
        feed.stop()
        raise
    if services.speech is None:
        services.load_speech()
    if services.speech is None:
        feed.stop()
        raise RuntimeError(f"voice is not available: {services.speech_unavailable}")
    conversation, _token, messages = services.pipeline.start(case, "voice", "inbound", actor="local")
    recorder = None
    if services.settings.call_recording:
        folder = services.settings.recordings_path()
        folder.mkdir(parents=True, exist_ok=True)
        recorder = CallRecorder(folder / f"{conversation.id}.wav", rate=LOCAL_RATE)
    session = CallSession(services.pipeline, services.speech, conversation, playback, LOCAL_RATE,
                          timing=call_timing(services), recorder=recorder, on_turn=on_turn)
    try:
        with stream:
            session.begin([m.text for m in messages])
            while not session.closed.wait(0.2) and not playback.hung_up.is_set():
                pass
    finally:
        session.close()
        feed.stop()
        session.finished.wait(timeout=60)
    return conversation.id
