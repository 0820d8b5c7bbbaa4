"""Whole phone calls through the telephone transport: a simulated Twilio streams synthesized borrower
speech as μ-law frames into the media WebSocket of a live server; what the agent says comes back as
audio, is transcribed back, and must match the text the store says was sent."""
from __future__ import annotations

import datetime as dt
import wave

import httpx
import pytest

from settle.eval.bench_voice import scripted_call
from settle.eval.live_server import served
from settle.eval.tts_eval import comparable
from settle.eval.twilio_caller import SimulatedTwilioCall
from settle.voice.audio import resample
from settle.voice.scoring import error_rate
from settle.voice.types import Audio
from tests.support import STAFF, cn_case, us_case
from tests.voice.calls import TWILIO_TOKEN, agent_lines_after, run_call, voice_app

pytestmark = pytest.mark.timeout(900)

# the agent's audio, transcribed back, may differ from its text by this much (Whisper base on
# 8 kHz μ-law synthesis: ~10% on Mandarin, a few % on English, measured with `settle eval tts`)
MAX_ROUND_TRIP_ERROR = {"zh": 0.35, "en": 0.25}

# a weekday morning in the debtor's zone, inside either pack's calling hours
MORNING = {"zh-CN": dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.timezone.utc),  # 10:00 in Shanghai
           "en-US": dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.timezone.utc)}  # 10:00 in New York

CASES = {"zh-CN": cn_case, "en-US": lambda: us_case(ai_voice_consent=True)}


def _heard_matches(audio: Audio, texts: list[str], stt, vad, locale: str) -> float:
    """The error rate of the agent's audio heard back against its text, both written out as said (as
    `settle eval tts` scores). Whisper base stops early on a long turn with pauses in it, so the audio
    is heard piece by piece, cut at its pauses (Silero VAD)."""
    heard = " ".join(stt.transcribe(piece, locale).text for piece in _spoken_pieces(audio, vad))
    return error_rate(comparable(" ".join(texts), locale), comparable(heard, locale), locale[:2])


def _spoken_pieces(audio: Audio, vad, pause_s: float = 0.25) -> list[Audio]:
    speech = resample(audio, 16000)
    frames = vad.speech_probabilities(speech) >= 0.5
    frame = 512
    pieces, start, quiet = [], None, 0
    for index, spoken in enumerate(frames):
        if spoken:
            start = index if start is None else start
            quiet = 0
        elif start is not None:
            quiet += 1
            if quiet * frame / 16000 >= pause_s:
                pieces.append(speech.samples[max(0, start - 3) * frame : (index + 1) * frame])
                start, quiet = None, 0
    if start is not None:
        pieces.append(speech.samples[max(0, start - 3) * frame :])
    return [Audio(piece, 16000) for piece in pieces]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_whole_call_reaches_a_promise_and_says_what_the_store_says(locale, voice_services, synthesizer, stt, vad):
    case_body, borrower_lines = CASES[locale], scripted_call(locale)
    services = voice_services
    services.now = lambda: MORNING[locale]
    # the borrower's lines are ready before the call: a borrower who took seconds to answer would
    # (rightly) be asked "are you still there?"
    speech = [synthesizer.synthesize(line, locale) for line in borrower_lines]

    async def call(base: str) -> list[tuple[str, float]]:
        async with httpx.AsyncClient(base_url=base) as client:
            case = (await client.post("/v1/cases", json=case_body(), headers=STAFF)).json()
            placed = await client.post("/v1/calls", json={"case_id": case["id"]}, headers=STAFF)
        assert placed.status_code == 201, placed.text
        twilio = SimulatedTwilioCall(base, TWILIO_TOKEN)
        await twilio.answer(placed.json()["twiml_url"], {"From": "+15005550006", "To": placed.json()["to"],
                                                        "Direction": "outbound-api", "AnsweredBy": "human"})
        turns = [await twilio.agent_turn()]
        for audio in speech:
            await twilio.say(audio)
            turns.append(await twilio.agent_turn())
        await twilio.wait_closed(timeout=120)  # the agent says goodbye and hangs up
        return placed.json()["id"], turns

    with served(voice_app(services)) as base:
        services.settings.public_url = base
        call_id, turns = run_call(call(base))

    record = services.store.get_call(call_id)
    conversation, stored, commitment = services.store.transcript(record.conversation_id)
    assert conversation.channel == "voice" and conversation.outcome == "promise_to_pay"
    assert commitment is not None
    stages = [t.stage for t in stored if t.speaker == "agent"]
    for stage in ("greeting", "verification", "disclosure", "negotiation", "confirmation", "closing"):
        assert stage in stages, stages
    borrower = [t for t in stored if t.speaker == "borrower"]
    assert len(borrower) == len(borrower_lines)
    assert all(t.asr_confidence is not None and 0 < t.asr_confidence <= 1 for t in borrower)
    # the call opens with the recording notice, verbatim
    assert stored[0].step == "opening.recording_notice"
    # every agent turn's audio, transcribed back, is the text stored for it
    for index, turn in enumerate(turns):
        texts = agent_lines_after(stored, index)
        assert turn.audio.duration_s > 0.5, (index, texts)
        rate = _heard_matches(turn.audio, texts, stt, vad, locale)
        assert rate <= MAX_ROUND_TRIP_ERROR[locale[:2]], (index, texts, rate)
    # the call was recorded, caller left and agent right, and the call row is closed
    assert record.status == "completed" and record.recording_path
    with wave.open(record.recording_path) as recording:
        assert recording.getnchannels() == 2 and recording.getnframes() > 8000 * 10


def test_barge_in_clears_the_agent_audio_and_the_interruption_is_answered(voice_services, synthesizer):
    services = voice_services
    services.now = lambda: MORNING["en-US"]
    interruption = synthesizer.synthesize("Yes, this is Jordan speaking.", "en-US")

    async def call(base: str):
        async with httpx.AsyncClient(base_url=base) as client:
            case = (await client.post("/v1/cases", json=us_case(ai_voice_consent=True), headers=STAFF)).json()
            placed = (await client.post("/v1/calls", json={"case_id": case["id"]}, headers=STAFF)).json()
        twilio = SimulatedTwilioCall(base, TWILIO_TOKEN, playback="hold")  # the greeting is still playing …
        await twilio.answer(placed["twiml_url"], {"AnsweredBy": "human"})
        opening = await twilio.agent_turn()
        # … when the borrower talks over it
        await twilio.say(interruption)
        answer = await twilio.agent_turn()
        await twilio.hang_up()
        return placed["id"], opening, answer

    with served(voice_app(services)) as base:
        services.settings.public_url = base
        call_id, opening, answer = run_call(call(base))
    assert answer.cleared or opening.cleared, "speech over the agent's audio must send `clear`"
    conversation, stored, _ = services.store.transcript(services.store.get_call(call_id).conversation_id)
    borrower = [t for t in stored if t.speaker == "borrower"]
    assert [t.intent for t in borrower] == ["affirm"], [(t.text, t.intent) for t in borrower]
    assert any(t.stage == "verification" for t in stored if t.speaker == "agent")  # the interruption was answered
    assert conversation.outcome == "hung_up"
