"""Misrepresentation against the case record: amounts, dates, waivers, legal talk."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from settle.agent.types import GuardContext, Party
from tests.guardrails.conftest import case_for, context


def rules(guard, text, locale, **fields) -> set[str]:
    return {v.rule for v in guard.check(text, context(locale, **fields)).violations}


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("zh-CN", "您的待还金额是3,560.00元,最低还款356元,还款日是2025年6月15日。"),
        ("zh-CN", "您需要还三千五百六十元。"),
        ("en-US", "Your balance is $1,250.00 and the minimum payment is $125.00, due May 1, 2025."),
        ("en-US", "The payment was due on 5/1."),
    ],
)
def test_the_case_amounts_and_due_date_pass(guard, locale, text):
    assert guard.check(text, context(locale)).allowed


@pytest.mark.parametrize(
    ("locale", "text", "rule"),
    [
        ("zh-CN", "您的待还金额是3,650元。", "misrepresentation.amount_mismatch"),
        ("zh-CN", "最低还款是500元。", "misrepresentation.amount_mismatch"),
        ("zh-CN", "您的还款日是6月5日。", "misrepresentation.date_mismatch"),
        ("en-US", "Your balance is $1,520.00.", "misrepresentation.amount_mismatch"),
        ("en-US", "The payment was due on April 15.", "misrepresentation.date_mismatch"),
    ],
)
def test_amounts_and_dates_that_differ_from_the_case_are_caught(guard, locale, text, rule):
    assert rule in rules(guard, text, locale)


def test_amounts_and_dates_the_borrower_committed_to_may_be_read_back(guard):
    text = "Let me confirm: you'll pay $300.00 on June 12."
    assert not guard.check(text, context("en-US")).allowed
    ctx = context("en-US", allowed_amounts=(Decimal(300),), allowed_dates=(dt.date(2025, 6, 12),))
    assert guard.check(text, ctx).allowed


def test_amounts_are_not_checked_without_a_case(guard):
    ctx = GuardContext(locale="en-US", party=Party.DEBTOR)
    assert guard.check("Your balance is $1,520.00.", ctx).allowed


class TestWaivers:
    def test_no_waiver_when_the_case_allows_none(self, guard):
        assert "misrepresentation.waiver_offer" in rules(guard, "我们可以把罚息给您免了。", "zh-CN")
        assert "misrepresentation.waiver_offer" in rules(guard, "We can waive the late charges.", "en-US")

    def test_a_waiver_within_the_case_limit_passes(self, guard):
        case = case_for("zh-CN", max_waiver=Decimal(500))
        assert guard.check("今天结清可以为您减免500元罚息。", context("zh-CN", case=case)).allowed
        assert guard.check("结清金额是3,200元。", context("zh-CN", case=case_for("zh-CN", max_waiver=Decimal(500)))).allowed

    def test_a_waiver_figure_said_without_an_offer_is_judged_as_a_waiver(self, guard):
        case = case_for("zh-CN", max_waiver=Decimal(500))
        assert guard.check("好的,结清金额按减免500元后计算,一共3,060元。", context("zh-CN", case=case)).allowed
        found = rules(guard, "结清金额按减免800元后计算。", "zh-CN", case=case)
        assert "misrepresentation.waiver_beyond_case" in found
        assert "misrepresentation.amount_mismatch" not in found

    def test_a_waiver_beyond_the_case_limit_is_caught(self, guard):
        case = case_for("en-US", max_waiver=Decimal(100))
        found = rules(guard, "We can take $300 off if you pay today.", "en-US", case=case)
        assert "misrepresentation.waiver_beyond_case" in found

    def test_wiping_out_the_debt_is_never_allowed(self, guard):
        case = case_for("en-US", max_waiver=Decimal(100))
        assert "misrepresentation.total_waiver" in rules(guard, "I can wipe out the whole balance.", "en-US", case=case)

    def test_saying_a_waiver_needs_approval_is_not_an_offer(self, guard):
        assert guard.check("减免需要公司审批,我不能私自答应您。", context("zh-CN")).allowed


LEGAL_TALK = {"zh-CN": "如果协商不成,公司可能会依法提起诉讼。", "en-US": "If we can't agree, the creditor may take legal action."}


class TestLegalTalk:
    @pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
    def test_allowed_when_the_case_permits_it(self, guard, locale):
        case = case_for(locale, legal_action_permitted=True)
        assert guard.check(LEGAL_TALK[locale], context(locale, case=case)).allowed

    @pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
    def test_blocked_when_it_does_not(self, guard, locale):
        assert "misrepresentation.legal_action" in rules(guard, LEGAL_TALK[locale], locale)

    @pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
    def test_never_on_a_time_barred_debt(self, guard, locale):
        case = case_for(locale, legal_action_permitted=True, time_barred=True)
        assert "misrepresentation.legal_action" in rules(guard, LEGAL_TALK[locale], locale, case=case)

    @pytest.mark.parametrize(
        ("locale", "text"),
        [("zh-CN", "法院明天就会强制执行。"), ("en-US", "A lawsuit has already been filed against you.")],
    )
    def test_invented_legal_status_is_blocked_even_when_legal_action_is_permitted(self, guard, locale, text):
        case = case_for(locale, legal_action_permitted=True)
        assert "misrepresentation.invented_legal_status" in rules(guard, text, locale, case=case)
