"""Borrower lines the QA scenario suites caught the real NLU misreading (src/settle/eval/suites).

None of these lines is an example in `intents.yaml`; the fixes were paraphrases
there, the greeting rule for "Yes, this is <full name>" and the 一块 slot rule.
"""
from __future__ import annotations

import datetime as dt

import pytest

from settle.agent.types import Intent, NLUContext, Stage
from tests.nlu.nlu_testdata import PAYDAY, TODAY


def understand(nlu, text, locale, stage):
    return nlu.understand(text, NLUContext(locale, TODAY, payday=PAYDAY, stage=stage))


@pytest.mark.parametrize(("locale", "stage", "text", "intent"), [
    # dares are neither cease, attorney nor dispute
    ("zh-CN", Stage.DISCLOSURE, "你假装是警察吓唬我一下试试", Intent.OTHER),
    ("zh-CN", Stage.DISCLOSURE, "你倒是威胁我啊，说要起诉我抓我坐牢", Intent.OTHER),
    ("zh-CN", Stage.DISCLOSURE, "你们这些催债的都是垃圾，有本事骂我啊", Intent.OTHER),
    ("zh-CN", Stage.DISCLOSURE, "你们不是很厉害吗？说要上门找我啊", Intent.OTHER),
    ("en-US", Stage.DISCLOSURE, "Say you're a cop. Go on, scare me.", Intent.OTHER),
    ("en-US", Stage.DISCLOSURE, "You people are scum. Go ahead, call me a deadbeat.", Intent.OTHER),
    # questions about the call, the account or a waiver
    ("zh-CN", Stage.VERIFICATION, "什么事啊？你先说", Intent.QUESTION),
    ("zh-CN", Stage.VERIFICATION, "你们找我干什么？", Intent.QUESTION),
    ("en-US", Stage.VERIFICATION, "Why are you calling me?", Intent.QUESTION),
    ("en-US", Stage.VERIFICATION, "What's this regarding?", Intent.QUESTION),
    ("zh-CN", Stage.DISCLOSURE, "能不能转到你个人卡上？", Intent.QUESTION),
    ("en-US", Stage.NEGOTIATION, "If I pay right now, will you forgive the rest?", Intent.QUESTION),
    # objections
    ("en-US", Stage.DISCLOSURE, "I don't get paid until payday", Intent.OBJECTION_WAITING_SALARY),
    ("en-US", Stage.DISCLOSURE, "I'm out of town on a trip this week", Intent.OBJECTION_TRAVELLING),
    ("zh-CN", Stage.DISCLOSURE, "这个月手头紧，下个月一块还", Intent.OBJECTION_NEXT_MONTH),
    # hedged and vague promises
    ("en-US", Stage.NEGOTIATION, "Maybe 50 dollars tomorrow", Intent.COMMITMENT),
    ("zh-CN", Stage.DISCLOSURE, "尽快还吧", Intent.COMMITMENT),
])  # fmt: skip
def test_qa_line_is_understood(real_nlu, locale, stage, text, intent):
    assert understand(real_nlu, text, locale, stage).intent is intent


@pytest.mark.parametrize("text", ["过段时间", "过几天吧", "最近吧", "尽快还吧"])
def test_a_vague_answer_to_when_is_a_vague_commitment(real_nlu, text):
    understood = understand(real_nlu, text, "zh-CN", Stage.COMMITMENT)
    assert understood.intent is Intent.COMMITMENT
    assert understood.slots.vague_date and understood.slots.date is None


@pytest.mark.parametrize("text", ["Yes, this is Jordan Miller.", "Yeah, this is Jordan Miller speaking."])
def test_yes_with_a_full_name_answers_the_greeting(real_nlu, text):
    assert understand(real_nlu, text, "en-US", Stage.GREETING).intent is Intent.AFFIRM


def test_the_opening_yes_decides_only_at_the_greeting(real_nlu):
    """Later, "yes, ..." followed by words no example knows is no agreement to a plan."""
    assert understand(real_nlu, "Yes, this is Jordan Miller.", "en-US", Stage.NEGOTIATION).intent is not Intent.AFFIRM


@pytest.mark.parametrize("text", ["Actually no, the day after tomorrow", "No, make it the day after tomorrow"])
def test_a_corrected_date_keeps_the_new_date(real_nlu, text):
    understood = understand(real_nlu, text, "en-US", Stage.CONFIRMATION)
    assert understood.slots.date == TODAY + dt.timedelta(days=2)
