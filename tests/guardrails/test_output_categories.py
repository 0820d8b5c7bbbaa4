"""Each category is caught in each language, and the finding points at the words."""
from __future__ import annotations

import pytest

from settle.agent.types import Party
from tests.guardrails.conftest import context

VIOLATIONS = [
    # (category, locale, party, text, words the span must cover)
    ("threat", "zh-CN", Party.DEBTOR, "再不还钱,我们明天就派人去你家门口等你。", "派人"),
    ("threat", "zh-CN", Party.DEBTOR, "我们会打电话告诉你单位领导你欠钱不还。", "告诉你单位领导"),
    ("threat", "zh-CN", Party.DEBTOR, "你这样下去迟早要坐牢。", "坐牢"),
    ("threat", "en-US", Party.DEBTOR, "We know where you live.", "we know where you live"),
    ("threat", "en-US", Party.DEBTOR, "If you don't pay we'll call your boss.", "call your boss"),
    ("threat", "en-US", Party.DEBTOR, "You could be arrested for ignoring this.", "arrested"),
    ("impersonation", "zh-CN", Party.DEBTOR, "我是区人民法院的工作人员。", "我是区人民法院"),
    ("impersonation", "zh-CN", Party.DEBTOR, "我们这边是律师事务所。", "我们这边是律师"),
    ("impersonation", "zh-CN", Party.DEBTOR, "我是建设银行信用卡中心的。", "我是建设银行"),
    ("impersonation", "en-US", Party.DEBTOR, "This is Officer Reyes with the city police.", "this is officer"),
    ("impersonation", "en-US", Party.DEBTOR, "I'm an attorney handling your file.", "attorney"),
    ("impersonation", "en-US", Party.DEBTOR, "Hi, this is Sam from Chase card services.", "chase"),
    ("third_party_disclosure", "zh-CN", Party.THIRD_PARTY, "他的借款已经逾期了。", "借款"),
    ("third_party_disclosure", "en-US", Party.THIRD_PARTY, "Tell him his loan is past due.", "loan"),
    ("abuse", "zh-CN", Party.DEBTOR, "你这个老赖。", "老赖"),
    ("abuse", "zh-CN", Party.DEBTOR, "这不关我的事。", "不关我的事"),
    ("abuse", "en-US", Party.DEBTOR, "Stop whining, you deadbeat.", "deadbeat"),
    ("abuse", "en-US", Party.DEBTOR, "Do you even understand how loans work?", "understand how loans work"),
    ("misrepresentation", "zh-CN", Party.DEBTOR, "办理还款需要另交手续费。", "手续费"),
    ("misrepresentation", "zh-CN", Party.DEBTOR, "你把钱转到我个人支付宝就行。", "个人支付宝"),
    ("misrepresentation", "zh-CN", Party.DEBTOR, "法院已经立案了。", "立案"),
    ("misrepresentation", "zh-CN", Party.DEBTOR, "逾期会让你孩子考不了公务员。", "孩子"),
    ("misrepresentation", "en-US", Party.DEBTOR, "There's a $20 processing fee.", "processing fee"),
    ("misrepresentation", "en-US", Party.DEBTOR, "Send it to my personal Venmo.", "personal venmo"),
    ("misrepresentation", "en-US", Party.DEBTOR, "A warrant has been issued.", "warrant"),
    ("misrepresentation", "en-US", Party.DEBTOR, "Just take out a payday loan to cover it.", "payday loan"),
    ("misrepresentation", "en-US", Party.DEBTOR, "This stays on your credit report forever.", "forever"),
]


@pytest.mark.parametrize(("category", "locale", "party", "text", "words"), VIOLATIONS)
def test_violation_is_blocked_and_located(guard, category, locale, party, text, words):
    verdict = guard.check(text, context(locale, party))
    assert not verdict.allowed
    found = [v for v in verdict.violations if v.category == category]
    assert found, verdict.violations
    assert all(v.rule.startswith(category + ".") and v.message for v in found)
    start = text.lower().index(words.lower())
    assert any(v.span[0] <= start < v.span[1] or start <= v.span[0] < start + len(words) for v in found), found


COMPLIANT = [
    ("zh-CN", "您好,请问您现在方便说话吗?"),
    ("zh-CN", "请您抓紧时间处理一下这笔还款。"),
    ("zh-CN", "理解您的难处,我们可以一起商量一个还款计划。"),
    ("zh-CN", "请只通过官方App还款,不要转账给任何个人。"),
    ("zh-CN", "如果您对账单有异议,可以告诉我,我们会暂停并核实。"),
    ("en-US", "Is now a good time to talk?"),
    ("en-US", "I understand money is tight; could we set up a plan?"),
    ("en-US", "Please pay only through the official app."),
    ("en-US", "If you dispute this balance, tell me and we'll pause while we verify it."),
    ("en-US", "Thank you for your time. Have a good day."),
]


@pytest.mark.parametrize(("locale", "text"), COMPLIANT)
def test_ordinary_collector_speech_passes_unchanged(guard, locale, text):
    verdict = guard.check(text, context(locale))
    assert verdict.allowed, verdict.violations
    assert verdict.text == text
    assert verdict.violations == ()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_blocked_draft_is_replaced_by_the_vetted_hold_line(guard, locale):
    from settle.prompts import load_script

    draft = "你这个废物。" if locale == "zh-CN" else "You worthless deadbeat."
    verdict = guard.check(draft, context(locale))
    assert not verdict.allowed
    assert verdict.text == load_script(locale)["lines"]["guard.hold"]
    assert verdict.text != draft


def test_one_draft_can_break_several_rules_and_all_are_reported(guard):
    verdict = guard.check(
        "你这个老赖,我是法院的,再不还就派人去你单位。", context("zh-CN")
    )
    assert {"abuse", "impersonation", "threat"} <= {v.category for v in verdict.violations}


def test_empty_draft_is_allowed(guard):
    verdict = guard.check("   ", context("en-US"))
    assert verdict.allowed and verdict.violations == ()


def test_unknown_locale_is_a_clear_error(guard):
    from settle.agent.types import GuardContext

    with pytest.raises(ValueError, match="unsupported locale"):
        guard.check("hello", GuardContext(locale="fr-FR", party=Party.DEBTOR))
