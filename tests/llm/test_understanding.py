"""LLM understanding: structured, validated, and never the sole judge of a policy-relevant intent."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from settle.agent.llm.prompts import PromptBook, llm_config
from settle.agent.llm.understanding import (
    CombinedUnderstanding,
    LLMUnderstander,
    combine,
    parse_reading,
    wire_schema,
)
from settle.agent.types import Intent, NLUContext, Stage
from tests.llm.conftest import asked, fake_engine
from tests.support import TODAY

EN_NEGOTIATION = NLUContext(locale="en-US", today=TODAY, payday=1, stage=Stage.NEGOTIATION)
ZH_NEGOTIATION = NLUContext(locale="zh-CN", today=TODAY, payday=15, stage=Stage.NEGOTIATION)


ASKED = 0.7  # these messages are ones the model is asked about (prompts/llm.yaml asks below a lower threshold)


def combined(nlu, *replies: str, budget_s: float = 2.0, sleep: float | None = None, consult_below: float = ASKED) -> CombinedUnderstanding:
    prompts = PromptBook(dataclasses.replace(llm_config(), consult_below=consult_below))
    engine = fake_engine(*replies, sleep=sleep)
    return CombinedUnderstanding(nlu, LLMUnderstander(engine, prompts, budget_s), prompts.config)


def reading(intent: str, **slots) -> str:
    return json.dumps({"intent": intent, **slots})


def test_the_llm_decides_an_ordinary_intent_the_embedding_nlu_is_unsure_of(nlu):
    text = "the money went on my nephew's tuition and he hasn't paid me back"
    base = nlu.understand(text, EN_NEGOTIATION)
    assert base.confidence < 1.0
    result = combined(nlu, reading("objection_lent_to_friend")).understand(text, EN_NEGOTIATION)
    assert result.intent is Intent.OBJECTION_LENT_TO_FRIEND
    assert (result.prompt_id, result.model) == ("en-US/understand-v1", "fake-model")


@pytest.mark.parametrize("policy_intent", ["cease", "attorney", "dispute", "hardship"])
def test_a_policy_relevant_intent_is_never_taken_from_the_llm_alone(nlu, policy_intent):
    text = "the money went on my nephew's tuition and he hasn't paid me back"
    understander = combined(nlu, reading(policy_intent))
    base = nlu.understand(text, EN_NEGOTIATION)
    assert understander.consults(base) and base.intent.value != policy_intent
    result = understander.understand(text, EN_NEGOTIATION)
    assert result.intent is base.intent and result.prompt_id == "en-US/understand-v1"


def test_a_confident_embedding_prediction_is_not_sent_to_the_llm(nlu):
    text = "my card got declined again when I tried the app"
    understander = combined(nlu, reading("objection_refusal"))
    base = nlu.understand(text, EN_NEGOTIATION)
    assert base.confidence >= understander.config.consult_below
    assert understander.understand(text, EN_NEGOTIATION) == base
    assert asked(understander.llm.engine) == []


def test_a_confident_embedding_prediction_of_cease_stands_against_the_llm(nlu):
    text = "不要再给我打电话了，别再联系我"
    understander = combined(nlu, reading("objection_busy"))
    base = nlu.understand(text, ZH_NEGOTIATION)
    assert base.intent is Intent.CEASE and base.confidence >= understander.config.confident
    assert combine(base, understander.llm.read(text, ZH_NEGOTIATION), understander.config).intent is Intent.CEASE


@pytest.mark.parametrize("reply", [
    "I think they are busy.",  # not JSON
    '{"intent": "wants_a_discount"}',  # not an intent
])
def test_output_that_fails_validation_falls_back_to_the_embedding_result(nlu, reply):
    text = "the money went on my nephew's tuition and he hasn't paid me back"
    understander = combined(nlu, reply)
    assert understander.llm.read(text, EN_NEGOTIATION).status == "invalid"
    base = nlu.understand(text, EN_NEGOTIATION)
    result = understander.understand(text, EN_NEGOTIATION)
    assert (result.intent, result.slots) == (base.intent, base.slots)


@pytest.mark.parametrize("reply", [
    '{"intent": "commitment", "amount": -5}',  # not an amount
    '{"intent": "commitment", "date": "2020-01-01"}',  # a payment date in the past
    '{"intent": "commitment", "colour": "blue"}',  # a field the schema does not have
])
def test_a_whole_reading_with_impossible_slots_is_invalid(reply):
    read = LLMUnderstander(fake_engine(reply), PromptBook(), budget_s=2.0, whole=True).read("I'll pay", EN_NEGOTIATION)
    assert read.status == "invalid" and read.reading is None


def test_a_late_reading_falls_back_to_the_embedding_result(nlu):
    text = "the money went on my nephew's tuition and he hasn't paid me back"
    understander = combined(nlu, reading("objection_refusal"), budget_s=0.2, sleep=0.05)
    read = understander.llm.read(text, EN_NEGOTIATION)
    assert read.status == "late" and read.seconds < 1.0
    assert understander.understand(text, EN_NEGOTIATION).intent is nlu.understand(text, EN_NEGOTIATION).intent


def test_explicit_rules_are_not_sent_to_the_llm(nlu):
    understander = combined(nlu, reading("objection_refusal"))
    assert understander.understand("yes", EN_NEGOTIATION).intent is Intent.AFFIRM
    assert asked(understander.llm.engine) == []


def test_slots_come_from_the_rules_never_from_the_llm(nlu):
    text = "等我哥把钱还我，两三千吧"  # an approximation: the rules deliberately read no amount
    base = nlu.understand(text, ZH_NEGOTIATION)
    assert base.slots.amount is None and base.slots.date is None
    prompts = PromptBook()
    engine = fake_engine(reading("objection_lent_to_friend", amount=2500, date="2026-12-01"))
    read = LLMUnderstander(engine, prompts, budget_s=2.0, whole=True).read(text, ZH_NEGOTIATION)
    assert read.reading.amount is not None  # the model did offer an amount
    assert combine(base, read, prompts.config).slots == base.slots


def test_the_prompt_carries_the_message_the_day_and_the_stage_but_no_earlier_turns(nlu):
    """Earlier turns are tokens to read before the first word (prompts/llm.yaml: history_turns 0)."""
    understander = combined(nlu, reading("objection_busy"))
    ctx = NLUContext(locale="en-US", today=TODAY, payday=1, stage=Stage.NEGOTIATION,
                     history=(("agent", "Are you able to pay the $1,250.00 today?"),))
    understander.understand("ugh, work has been insane lately", ctx)
    system, user = asked(understander.llm.engine)[0]
    assert "objection_busy" in system
    assert "Today is 2026-11-24 (Tuesday)" in user and "Call stage: negotiation" in user
    assert "Agent:" not in user
    assert user.endswith("Borrower: ugh, work has been insane lately")


def test_the_wire_schema_requires_only_an_intent_from_the_enum():
    schema = wire_schema()
    assert schema["required"] == ["intent"]
    assert set(schema["properties"]["intent"]["enum"]) == {intent.value for intent in Intent}
    assert not schema["additionalProperties"]


def test_json_inside_chatter_is_read():
    found = parse_reading('Sure! ```json\n{"intent": "commitment", "amount": 300, "date": "2026-11-27"}\n```', TODAY)
    assert (found.intent, str(found.amount), found.date) == (Intent.COMMITMENT, "300", dt.date(2026, 11, 27))


def test_an_llm_that_recognises_nothing_does_not_erase_what_the_embedding_found(nlu):
    text = "the money went on my nephew's tuition and he hasn't paid me back"
    understander = combined(nlu, reading("other"))
    base = nlu.understand(text, EN_NEGOTIATION)
    assert understander.consults(base) and base.intent is not Intent.OTHER
    assert understander.understand(text, EN_NEGOTIATION).intent is base.intent


def test_the_pipeline_reads_the_model_only_as_far_as_the_intent(nlu):
    understander = combined(nlu, reading("objection_busy", amount=200, date="2026-11-27"))
    read = understander.llm.read("ugh, work has been insane lately", EN_NEGOTIATION)
    assert read.status == "ok" and read.reading.intent is Intent.OBJECTION_BUSY
    assert read.raw == '{"intent": "objection_busy"' and read.reading.amount is None  # the rest was never generated


def test_the_evaluation_reads_the_whole_reading(nlu):
    engine = fake_engine(reading("commitment", amount=200, date="2026-11-27"))
    read = LLMUnderstander(engine, PromptBook(), budget_s=2.0, whole=True).read("I'll pay 200 on Friday", EN_NEGOTIATION)
    assert read.reading.intent is Intent.COMMITMENT and read.reading.amount == 200 and str(read.reading.date) == "2026-11-27"


def test_an_intent_outside_the_schema_is_invalid(nlu):
    read = combined(nlu, '{"intent": "pay_later"}').llm.read("later", EN_NEGOTIATION)
    assert read.status == "invalid" and read.reading is None
