"""One phone call with the agent, whatever carries its audio (Twilio's media stream, a local microphone).

The transport pushes the caller's audio in (`hear`) and reports how far the
agent's audio has played (`played`); the session does the rest:

    caller audio → endpointing (Silero VAD) → speech-to-text → the turn pipeline
    (input rails, NLU, policy, NLG, output guard, store) → speech synthesis → transport

Three threads keep a call responsive: the transport's (audio in, cheap), the
turn worker (speech-to-text and the pipeline, one turn at a time, in order)
and the speaker (synthesis, clause by clause, so the first clause plays while
the rest is made). Every word spoken comes out of the pipeline, so through the
output guard, and is stored before it is heard.

Barge-in: speech from the caller while the agent's audio is still playing
clears the transport's queued audio at once, drops the clauses not yet made,
and the interruption is answered as the next turn. Silence after the agent
has finished gets a re-prompt, then a polite end.
"""
from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from settle.agent.pipeline import TurnPipeline
from settle.agent.types import Outcome
from settle.store.models import Conversation
from settle.voice.audio import resample
from settle.voice.endpointing import EndpointTiming, Endpointer, Paused, SpeechStarted, Utterance
from settle.voice.engines import SpeechEngines
from settle.voice.synthesis import clauses
from settle.voice.types import Audio, Transcript

log = logging.getLogger(__name__)


class CallOutput(Protocol):
    """What a transport does with the agent's side of the call."""

    rate: int  # the sample rate it wants the agent's audio at

    def play(self, audio: Audio) -> None: ...  # queue audio behind what is queued

    def mark(self, name: str) -> None: ...  # report `played(name)` once the audio queued before it has played

    def clear(self) -> None: ...  # drop all queued audio now (barge-in)

    def hang_up(self) -> None: ...


class Recorder(Protocol):
    def caller(self, audio: Audio) -> None: ...

    def agent(self, audio: Audio) -> None: ...

    def agent_interrupted(self) -> None: ...  # barge-in: the agent audio not yet played never was

    def close(self) -> None: ...


@dataclass(frozen=True)
class CallTiming:
    endpoint: EndpointTiming = EndpointTiming()
    reprompt_after_s: float = 8.0  # silence after the agent finished before "are you still there?"
    reprompts: int = 1  # re-prompts before the call ends politely
    min_confidence: float = 0.3  # a transcript less sure than this is asked again, not acted on


@dataclass(frozen=True)
class HeardTurn:
    """What a borrower's spoken turn came to, for whoever watches the call (tests, the benchmark)."""

    transcript: Transcript
    replies: tuple[str, ...]
    ended: bool


class CallSession:
    def __init__(
        self,
        pipeline: TurnPipeline,
        speech: SpeechEngines,
        conversation: Conversation,
        output: CallOutput,
        inbound_rate: int,
        timing: CallTiming = CallTiming(),
        recorder: Recorder | None = None,
        on_turn: Callable[[HeardTurn], None] | None = None,
        on_finished: Callable[[], None] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.speech = speech
        self.conversation = conversation
        self.locale = conversation.locale
        self.output = output
        self.timing = timing
        self.recorder = recorder
        self.on_turn = on_turn or (lambda _turn: None)
        self.on_finished = on_finished or (lambda: None)
        self._endpointer = Endpointer(speech.vad.detector(), timing.endpoint, rate=inbound_rate)
        self._lock = threading.RLock()
        self._jobs: queue.Queue[tuple[str, object] | None] = queue.Queue()
        # what the speaker says, in order: a line's text, or None for the end of an agent turn
        self._lines: queue.Queue[tuple[int, str | None] | None] = queue.Queue()
        self._generation = 0  # bumped by barge-in: queued lines of an older generation are not spoken
        self._marks = itertools.count()
        self._turns = itertools.count()
        self._unplayed: set[str] = set()
        self._speaking = 0  # lines being synthesized or queued for synthesis
        self._busy = 0  # borrower turns heard but not yet answered
        self._quiet_since_s = 0.0
        self._reprompted = 0
        self._hang_up_after_playback = False
        # a pause's transcription, started before the end of speech is certain: (revision, its future)
        self._ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"call-stt-{conversation.id[:8]}")
        self._speculation: tuple[int, Future[Transcript]] | None = None
        self.closed = threading.Event()
        self.finished = threading.Event()
        self._threads = [
            threading.Thread(target=self._turn_worker, name=f"call-turns-{conversation.id[:8]}", daemon=True),
            threading.Thread(target=self._speaker, name=f"call-speech-{conversation.id[:8]}", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    # -- the transport's side -------------------------------------------------------------
    def begin(self, lines: list[str], hang_up_after: bool = False) -> None:
        """Speak the conversation's opening (already guarded and stored by the pipeline)."""
        with self._lock:
            self._hang_up_after_playback = hang_up_after
        for line in lines:
            self._say(line)
        self._end_turn()

    def hear(self, audio: Audio) -> None:
        """The caller's audio, as it arrives."""
        if self.closed.is_set():
            return
        if self.recorder is not None:
            self.recorder.caller(audio)
        for event in self._endpointer.feed(audio):
            if isinstance(event, SpeechStarted):
                self._barge_in()
            elif isinstance(event, Paused):
                self._speculation = (event.revision, self._ahead.submit(self.speech.stt.transcribe, event.audio, self.locale))
            else:
                self._heard(event)
        self._check_silence()

    def played(self, mark: str) -> None:
        """The transport played the agent's audio up to `mark`."""
        with self._lock:
            self._unplayed.discard(mark)
            if self._agent_audible():
                return
            self._quiet_since_s = self._endpointer.now_s
            hang_up = self._hang_up_after_playback
        if hang_up:
            self.output.hang_up()
            self.close()

    def close(self) -> None:
        """The call is over (either side hung up). Returns at once — the transport's thread must not
        wait — and the session winds down behind it: the threads stop, the recording is closed, and a
        conversation still open is ended. `finished` is set when all that is done."""
        if self.closed.is_set():
            return
        self.closed.set()
        self._jobs.put(None)
        self._lines.put(None)
        threading.Thread(target=self._wind_down, name=f"call-end-{self.conversation.id[:8]}", daemon=True).start()

    def _wind_down(self) -> None:
        for thread in self._threads:
            thread.join(timeout=60)
        self._ahead.shutdown(wait=True, cancel_futures=True)
        if self.recorder is not None:
            self.recorder.close()
        if not self.conversation.ended:
            try:
                self.pipeline.end(self.conversation, Outcome.HUNG_UP)
            except Exception:
                log.exception("could not end conversation %s after the call", self.conversation.id)
        try:
            self.on_finished()
        finally:
            self.finished.set()

    # -- turn-taking ------------------------------------------------------------------------
    def _agent_audible(self) -> bool:
        return bool(self._unplayed) or self._speaking > 0

    def _barge_in(self) -> None:
        with self._lock:
            if not self._agent_audible() or self._hang_up_after_playback:
                return  # nothing to interrupt; a goodbye is let finish
            self._generation += 1
            self._unplayed.clear()
        self.output.clear()
        if self.recorder is not None:
            self.recorder.agent_interrupted()

    def _heard(self, utterance: Utterance) -> None:
        """The end of the borrower's turn: transcribed ahead when the audio is that of the last pause."""
        speculation, self._speculation = self._speculation, None
        ahead = speculation[1] if speculation is not None and speculation[0] == utterance.revision else None
        with self._lock:
            self._busy += 1
        self._jobs.put(("utterance", (utterance, ahead)))

    def _check_silence(self) -> None:
        with self._lock:
            if self._busy or self._agent_audible() or self._endpointer.in_speech or self.conversation.ended:
                return
            if self._endpointer.now_s - self._quiet_since_s < self.timing.reprompt_after_s:
                return
            self._busy += 1
            self._quiet_since_s = self._endpointer.now_s
            give_up = self._reprompted >= self.timing.reprompts
            self._reprompted += 1
        self._jobs.put(("no_response" if give_up else "reprompt", None))

    def _say(self, text: str | None) -> None:
        with self._lock:
            self._speaking += 1
            generation = self._generation
        self._lines.put((generation, text))

    def _end_turn(self) -> None:
        """A mark `turn<N>` after the agent's turn: the transport's echo says the whole turn was heard."""
        self._say(None)

    # -- the turn worker: speech-to-text and the pipeline, one turn at a time ----------------
    def _turn_worker(self) -> None:
        while (job := self._jobs.get()) is not None:
            kind, payload = job
            try:
                if self.conversation.ended:
                    continue
                if kind == "utterance":
                    self._answer(payload)
                elif kind == "reprompt":
                    self._say(self.pipeline.say(self.conversation, "voice.reprompt"))
                    self._end_turn()
                else:
                    self._end_with("voice.no_response", Outcome.NO_RESPONSE)
            except Exception:
                log.exception("a turn of call %s failed", self.conversation.id)
            finally:
                with self._lock:
                    self._busy -= 1
                    self._quiet_since_s = self._endpointer.now_s

    def _answer(self, heard: tuple[Utterance, Future[Transcript] | None]) -> None:
        utterance, ahead = heard
        transcript = ahead.result() if ahead is not None else self.speech.stt.transcribe(utterance.audio, self.locale)
        if not transcript.text.strip():
            return  # noise the VAD took for speech: nothing to answer
        with self._lock:
            self._reprompted = 0
        if transcript.confidence < self.timing.min_confidence:
            self._say(self.pipeline.say(self.conversation, "voice.unclear"))
            self._end_turn()
            self.on_turn(HeardTurn(transcript, (), False))
            return
        result = self.pipeline.handle(
            self.conversation, transcript.text, on_sentence=self._say, asr_confidence=round(transcript.confidence, 4)
        )
        self._end_turn()
        if result.ended:
            self._hang_up_when_played()
        self.on_turn(HeardTurn(transcript, tuple(m.text for m in result.messages), result.ended))

    def _end_with(self, step: str, outcome: Outcome) -> None:
        self._say(self.pipeline.say(self.conversation, step, end_with=outcome))
        self._end_turn()
        self._hang_up_when_played()

    def _hang_up_when_played(self) -> None:
        with self._lock:
            self._hang_up_after_playback = True
            done = not self._agent_audible()
        if done:
            self.output.hang_up()
            self.close()

    # -- the speaker: synthesis clause by clause -----------------------------------------------
    def _speaker(self) -> None:
        while (line := self._lines.get()) is not None:
            generation, text = line
            try:
                if text is None:
                    with self._lock:
                        mark = f"turn{next(self._turns)}"
                        self._unplayed.add(mark)
                    self.output.mark(mark)
                    continue
                for clause in clauses(text, self.locale):
                    if generation != self._generation or self.closed.is_set():
                        break  # interrupted: the rest of the line is never made
                    audio = self.speech.synthesizer.clause_audio(clause, self.locale)
                    with self._lock:
                        if generation != self._generation:
                            break
                        mark = f"m{next(self._marks)}"
                        self._unplayed.add(mark)
                    self._play(audio, mark)
            except Exception:
                log.exception("speaking a line of call %s failed", self.conversation.id)
            finally:
                with self._lock:
                    self._speaking -= 1
                    silent = not self._agent_audible()
                    hang_up = silent and self._hang_up_after_playback
                if hang_up:
                    self.output.hang_up()
                    self.close()

    def _play(self, clause: Audio, mark: str) -> None:
        audio = resample(clause, self.output.rate)
        if self.recorder is not None:
            self.recorder.agent(audio)
        self.output.play(audio)
        self.output.mark(mark)
