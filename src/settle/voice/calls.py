"""Answering a call: who is on the line decides what may be said.

A person gets the conversation (the pipeline's opening: recording notice,
greeting, AI disclosure); an answering machine gets the policy pack's
limited-content voicemail and nothing else, or — where the pack has none
(cn) or no call-back number is configured — silence and a hang-up. Either
way the words come from the pipeline, so through the output guard, and are
stored before they are spoken.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from settle.services import Services
from settle.store.models import Call
from settle.voice.call import CallOutput, CallSession, CallTiming, HeardTurn, Recorder
from settle.voice.endpointing import EndpointTiming

# Twilio's answering-machine detection (AnsweredBy): these mean no person picked up
MACHINE_ANSWERS = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax")


def answered_by_machine(answered_by: str | None) -> bool:
    return answered_by in MACHINE_ANSWERS


def call_timing(services: Services) -> CallTiming:
    settings = services.settings
    return CallTiming(
        endpoint=EndpointTiming(end_of_speech_s=settings.call_end_of_speech_s, min_speech_s=settings.call_min_speech_s),
        reprompt_after_s=settings.call_reprompt_after_s,
        min_confidence=settings.call_min_asr_confidence,
    )


@dataclass(frozen=True)
class AnsweredCall:
    session: CallSession
    conversation_id: str


def answer(
    services: Services,
    call: Call,
    output: CallOutput,
    inbound_rate: int,
    recorder_for: Callable[[Path], Recorder] | None = None,
    on_turn: Callable[[HeardTurn], None] | None = None,
) -> AnsweredCall | None:
    """Start the call's session and its opening words; None when there is nothing the agent may say
    (a machine, and no voicemail allowed): the transport then hangs up."""
    if services.speech is None:
        raise RuntimeError(f"voice is not available: {services.speech_unavailable}")
    store, pipeline = services.store, services.pipeline
    case = call.case
    if answered_by_machine(call.answered_by):
        voicemail = pipeline.voicemail(case, services.settings.callback_number)
        if voicemail is None:
            store.end_call(call.id, status="machine_no_message")
            return None
        conversation, lines, hang_up_after = voicemail[0], [voicemail[1]], True
    else:
        conversation, _token, messages = pipeline.start(case, "voice", call.direction, actor="agent")
        lines, hang_up_after = [m.text for m in messages], False
    recording = None
    recorder = None
    if recorder_for is not None and services.settings.call_recording:
        folder = services.settings.recordings_path()
        folder.mkdir(parents=True, exist_ok=True)
        recording = folder / f"{conversation.id}.wav"
        recorder = recorder_for(recording)
    store.attach_conversation(call.id, conversation.id, str(recording) if recording else None)
    session = CallSession(pipeline, services.speech, conversation, output, inbound_rate, timing=call_timing(services),
                          recorder=recorder, on_turn=on_turn, on_finished=lambda: store.end_call(call.id))
    session.begin(lines, hang_up_after=hang_up_after)
    return AnsweredCall(session, conversation.id)
