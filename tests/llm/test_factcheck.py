"""An LLM draft may reword its vetted line, never add a fact to it or drop one from it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from settle.agent.llm.factcheck import FactCheck
from settle.agent.types import CaseFacts, GuardContext, Party

CHECK = FactCheck()
US_CASE = CaseFacts(
    external_ref="US-1", policy="us-regf", creditor="Harbor Credit Union", agent_name="Sam", debtor_name="Jordan Miller",
    locale="en-US", timezone="America/New_York", amount_due=Decimal("1250.00"), currency="USD",
    due_date=dt.date(2026, 11, 15), min_payment=Decimal("150.00"), payment_channels=("the Harbor online portal",),
)
CN_CASE = CaseFacts(
    external_ref="CN-1", policy="cn", creditor="安心消费金融", agent_name="小安", debtor_name="张伟", locale="zh-CN",
    timezone="Asia/Shanghai", amount_due=Decimal("3200.00"), currency="CNY", due_date=dt.date(2026, 11, 12),
    min_payment=Decimal("500.00"), payment_channels=("安心金融App", "官方对公账户"),
)
EN = GuardContext(locale="en-US", party=Party.DEBTOR, case=US_CASE)
ZH = GuardContext(locale="zh-CN", party=Party.DEBTOR, case=CN_CASE)
EN_LINE = "I am sorry you are out of work; that is hard. Could you manage a small payment, at least $150.00?"
ZH_LINE = "理解您目前没有收入，这确实不容易。您看能否先还一小部分，最低500.00元？"


def rules(found) -> set[str]:
    return {v.rule for v in found}


@pytest.mark.parametrize("sentence, ctx, line", [
    ("I'm really sorry to hear about your job.", EN, EN_LINE),
    ("Could you manage at least $150.00 for now?", EN, EN_LINE),
    ("听到您没有收入，真的很不容易。", ZH, ZH_LINE),
    ("您看能不能先还最低500.00元？", ZH, ZH_LINE),
])
def test_a_rewording_of_the_line_passes(sentence, ctx, line):
    assert CHECK.check_sentence(sentence, line, ctx) == []


@pytest.mark.parametrize("sentence, ctx, line, rule", [
    ("Could you pay $200.00 instead?", EN, EN_LINE, "new_amount"),
    ("Please pay by December 3.", EN, EN_LINE, "new_date"),
    ("You have 3 days to respond.", EN, EN_LINE, "new_number"),
    ("Please pay it tomorrow.", EN, EN_LINE, "new_time"),
    ("I can waive the late fees for you.", EN, EN_LINE, "new_promise"),
    ("Otherwise this may go to court.", EN, EN_LINE, "new_consequence"),
    ("您可以先还300元。", ZH, ZH_LINE, "new_amount"),
    ("请在12月3日前还款。", ZH, ZH_LINE, "new_date"),
    ("请您三天内处理。", ZH, ZH_LINE, "new_number"),
    ("请您明天就还。", ZH, ZH_LINE, "new_time"),
    ("我保证给您减免罚息。", ZH, ZH_LINE, "new_promise"),
    ("不然我们会联系您的家人。", ZH, ZH_LINE, "new_consequence"),
])
def test_anything_the_line_does_not_say_is_found(sentence, ctx, line, rule):
    assert rule in rules(CHECK.check_sentence(sentence, line, ctx))


def test_a_commitment_the_borrower_made_may_be_read_back():
    ctx = GuardContext(locale="en-US", party=Party.DEBTOR, case=US_CASE,
                       allowed_amounts=(Decimal(300),), allowed_dates=(dt.date(2026, 12, 1),))
    assert CHECK.check_sentence("So that is $300.00 on December 1.", "Thank you. How much will you pay?", ctx) == []


def test_words_the_line_itself_uses_are_fine():
    line = "I understand money is tight this month. Could you pay at least $150.00 this month?"
    assert CHECK.check_sentence("I hear you, this month is hard.", line, EN) == []


@pytest.mark.parametrize("draft, ctx, line, rule", [
    ("I'm sorry about your job. Could you make a small payment?", EN, EN_LINE, "dropped_amount"),
    ("I'm sorry about your job. A payment of at least $150.00 would help.", EN, EN_LINE, "dropped_question"),
    ("理解您的难处。请先还最低500.00元，可以吗？", EN, EN_LINE, "wrong_language"),
    ("I understand. Could you pay at least 500.00 yuan?", ZH, ZH_LINE, "wrong_language"),
    ("理解您。请问您哪天方便处理？", ZH, "您可以改用安心金融App还款。请问您打算哪天处理？", "dropped_channel"),
])
def test_the_finished_draft_must_carry_the_whole_line(draft, ctx, line, rule):
    assert rule in rules(CHECK.check_draft(draft, line, ctx, ctx.case.payment_channels))


def test_a_faithful_draft_passes_the_whole_check():
    draft = "I'm sorry you lost your job. Could you manage at least $150.00 for now?"
    assert CHECK.check_draft(draft, EN_LINE, EN, US_CASE.payment_channels) == []
