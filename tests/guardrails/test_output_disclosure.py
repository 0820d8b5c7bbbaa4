"""The first disclosure turn carries the pack's mandatory notice verbatim."""
from __future__ import annotations

import pytest

from settle.agent.types import GuardContext, Party
from settle.prompts import load_flow, load_script
from tests.guardrails.conftest import case_for, context

BODY = {
    "zh-CN": "您在安信消费金融的借款3,560.00元已于2025年6月15日到期。",
    "en-US": "Your Northwind Bank balance of $1,250.00 was due on May 1, 2025.",
}


def required(locale: str) -> list[str]:
    policy = case_for(locale).policy
    notices = load_script(locale)["notices"]
    return [notices[name] for name in load_flow()["notices_by_policy"][policy]]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_first_disclosure_without_the_notice_is_blocked(guard, locale):
    verdict = guard.check(BODY[locale], context(locale, first_disclosure=True))
    assert [v.rule for v in verdict.violations] == ["missing_disclosure.notice_missing"]
    assert verdict.violations[0].span == (0, len(BODY[locale]))


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_first_disclosure_with_the_verbatim_notice_passes(guard, locale):
    separator = "" if locale == "zh-CN" else " "
    text = separator.join([BODY[locale], *required(locale)])
    assert guard.check(text, context(locale, first_disclosure=True)).allowed


def test_whitespace_may_differ_but_words_may_not(guard):
    notice = required("en-US")[0]
    reflowed = BODY["en-US"] + "\n" + notice.replace(" ", "\n  ", 3)
    assert guard.check(reflowed, context("en-US", first_disclosure=True)).allowed
    paraphrased = BODY["en-US"] + " Just so you know, I'm a debt collector trying to collect a debt."
    assert not guard.check(paraphrased, context("en-US", first_disclosure=True)).allowed


def test_the_notice_must_be_in_the_conversations_language(guard):
    english_notice = required("en-US")[0]
    zh_case = case_for("zh-CN", policy="us-regf")
    verdict = guard.check(BODY["zh-CN"] + english_notice, context("zh-CN", case=zh_case, first_disclosure=True))
    assert "missing_disclosure" in {v.category for v in verdict.violations}


def test_each_pack_requires_its_own_notice(guard):
    cn_notice = required("zh-CN")[0]
    assert cn_notice == load_script("zh-CN")["notices"]["recording"]
    assert required("en-US")[0] == load_script("en-US")["notices"]["debt_collector"]
    # the recording notice does not satisfy a us-regf conversation held in Chinese
    us_pack_case = case_for("zh-CN", policy="us-regf")
    verdict = guard.check(BODY["zh-CN"] + cn_notice, context("zh-CN", case=us_pack_case, first_disclosure=True))
    assert not verdict.allowed


def test_later_turns_need_no_notice(guard):
    assert guard.check(BODY["zh-CN"], context("zh-CN", first_disclosure=False)).allowed


def test_without_a_case_the_locales_default_pack_applies(guard):
    ctx = GuardContext(locale="en-US", party=Party.DEBTOR, first_disclosure=True)
    assert not guard.check("Your payment is past due.", ctx).allowed
    assert guard.check("Your payment is past due. " + required("en-US")[0], ctx).allowed
