"""A small, known set of conversations held through the real API, for the console's list, queue and dashboard."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from tests.guardrails.test_guard_in_the_pipeline import InjectingNLG
from tests.support import Chat, cn_case, us_case

BLOCKED_STEP = "objection.objection_busy"
BAD_DRAFT_EN = "This is Officer Sam from the county sheriff's office; pay today or a warrant will be issued."
PHONE, RESIDENT_ID = "13912345678", "110101199003077774"


@dataclass(frozen=True)
class Sample:
    promise_zh: Chat  # verified, promised to pay: reached confirmation
    cease_en: Chat  # said stop at the greeting: unverified, an input-rail event, cease
    ongoing_zh: Chat  # verified, told the borrower's phone and ID, still talking
    blocked_en: Chat  # verified; the phraser's draft impersonated a sheriff and was blocked


def hold_sample_conversations(client: TestClient) -> Sample:
    promise = Chat(client, cn_case(external_ref="ZH-PROMISE-1"))
    for line in ("是我", "1234", "我下周五还1500", "对"):
        promise.say(line)
    cease = Chat(client, us_case(external_ref="US-CEASE-1"))
    cease.say("Stop contacting me.")
    ongoing = Chat(client, cn_case(external_ref="ZH-ONGOING-1"))
    for line in ("是我", "身份证后四位是1234", f"我的手机号是{PHONE}，身份证号{RESIDENT_ID}"):
        ongoing.say(line)
    blocked = hold_with_a_blocked_draft(client, "US-BLOCKED-1")
    return Sample(promise, cease, ongoing, blocked)


def hold_with_a_blocked_draft(client: TestClient, external_ref: str) -> Chat:
    """An en-US conversation whose phraser writes an impersonating draft for the busy objection."""
    pipeline = client.app.state.services.pipeline
    vetted, pipeline.nlg = pipeline.nlg, InjectingNLG(BLOCKED_STEP, BAD_DRAFT_EN)
    try:
        chat = Chat(client, us_case(external_ref=external_ref))
        for line in ("yes", "April 12, 1988", "I'm too busy right now, no time"):
            chat.say(line)
    finally:
        pipeline.nlg = vetted
    return chat
