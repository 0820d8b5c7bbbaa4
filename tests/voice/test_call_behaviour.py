"""How a call behaves at its edges, through the media stream with the real speech engines: an answering
machine gets only the limited-content voicemail (or nothing), and silence gets a re-prompt, then a
polite end."""
from __future__ import annotations

import datetime as dt

import httpx
import pytest

from settle.eval.live_server import served
from settle.eval.twilio_caller import CallEnded, SimulatedTwilioCall
from settle.voice.scoring import tokens
from tests.support import DEBT_WORDS_EN, STAFF, assert_no_debt_details, cn_case, us_case
from tests.voice.calls import TWILIO_TOKEN, run_call, voice_app

pytestmark = pytest.mark.timeout(600)

NEW_YORK_MORNING = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.timezone.utc)
SHANGHAI_MORNING = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.timezone.utc)


def _place_and_answer(services, case_body, answered_by: str):
    """Place a call to a new case, answer it as Twilio does, return (call id, the agent's first turn or None)."""

    async def call(base: str):
        async with httpx.AsyncClient(base_url=base) as client:
            case = (await client.post("/v1/cases", json=case_body, headers=STAFF)).json()
            placed = await client.post("/v1/calls", json={"case_id": case["id"]}, headers=STAFF)
        assert placed.status_code == 201, placed.text
        twilio = SimulatedTwilioCall(base, TWILIO_TOKEN)
        await twilio.answer(placed.json()["twiml_url"], {"AnsweredBy": answered_by})
        try:
            turn = await twilio.agent_turn(timeout=180)
        except CallEnded:
            turn = None
        await twilio.wait_closed(timeout=120)  # the agent hangs up: nothing else may be said
        return placed.json()["id"], turn

    with served(voice_app(services)) as base:
        services.settings.public_url = base
        return run_call(call(base))


def test_an_answering_machine_hears_only_the_limited_content_voicemail(voice_services, stt):
    services = voice_services
    services.now = lambda: NEW_YORK_MORNING
    call_id, turn = _place_and_answer(services, us_case(ai_voice_consent=True), "machine_end_beep")
    record = services.store.get_call(call_id)
    conversation, stored, _ = services.store.transcript(record.conversation_id)
    assert conversation.outcome == "voicemail" and conversation.ended
    [message] = stored
    assert message.text == "Hi, this is Sam. Please call me back at +1 800 555 0100. Thank you."
    assert record.status == "voicemail"
    heard = stt.transcribe(turn.audio, "en-US").text
    assert_no_debt_details([heard], DEBT_WORDS_EN + ("harbor", "credit union", "jordan"))
    assert {"call", "back", "sam"} <= set(tokens(heard, "en")), heard


def test_under_the_cn_pack_a_machine_gets_no_message_at_all(voice_services):
    services = voice_services
    services.now = lambda: SHANGHAI_MORNING
    call_id, turn = _place_and_answer(services, cn_case(), "machine_end_silence")
    record = services.store.get_call(call_id)
    assert turn is None
    assert record.conversation_id is None and record.status == "machine_no_message"
    assert services.store.contact_attempts(record.case_id)[0][1] is False  # an unanswered attempt


def test_silence_gets_a_reprompt_then_a_polite_end(voice_services):
    services = voice_services
    services.now = lambda: NEW_YORK_MORNING
    services.settings = services.settings.model_copy(update={"call_reprompt_after_s": 1.5})

    async def call(base: str):
        async with httpx.AsyncClient(base_url=base) as client:
            case = (await client.post("/v1/cases", json=us_case(ai_voice_consent=True), headers=STAFF)).json()
            placed = (await client.post("/v1/calls", json={"case_id": case["id"]}, headers=STAFF)).json()
        twilio = SimulatedTwilioCall(base, TWILIO_TOKEN)
        await twilio.answer(placed["twiml_url"], {"AnsweredBy": "human"})
        turns = [await twilio.agent_turn() for _ in range(3)]  # the greeting, the re-prompt, the goodbye
        await twilio.wait_closed(timeout=60)
        return placed["id"], turns

    with served(voice_app(services)) as base:
        services.settings.public_url = base
        call_id, turns = run_call(call(base))
    conversation, stored, _ = services.store.transcript(services.store.get_call(call_id).conversation_id)
    steps = [t.step for t in stored]
    assert steps[-2:] == ["voice.reprompt", "voice.no_response"], steps
    assert all(t.speaker == "agent" for t in stored)
    assert conversation.outcome == "no_response" and conversation.ended
    assert all(turn.audio.duration_s > 0.5 for turn in turns)
