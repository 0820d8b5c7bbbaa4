"""Denials and lawful statements pass; the same words said as a threat do not."""
from __future__ import annotations

import pytest

from settle.agent.types import Party
from tests.guardrails.conftest import case_for


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        # the issue's own examples
        ("zh-CN", "我不是法院的。"),
        ("en-US", "We are not a law firm."),
        ("en-US", "If you feel unsafe, call the police."),
        ("zh-CN", "逾期可能会产生罚息,以合同为准。"),
        # more denials
        ("zh-CN", "我们不会联系您的单位和家人。"),
        ("zh-CN", "您不会因为这笔欠款被抓。"),
        ("zh-CN", "我们绝不会让您转账到个人账户。"),
        ("zh-CN", "请勿向任何个人账户转账。"),
        ("en-US", "No one is going to come to your home."),
        ("en-US", "You won't go to jail over this."),
        ("en-US", "I'm not with the police or any government agency."),
        ("en-US", "We will never ask you to pay into a personal account."),
        ("en-US", "There is no fee for paying online."),
        # a match that starts inside a word keeps the word's negation (不能 … 减免)
        ("zh-CN", "我不能私下给您减免,也不会让您转账到个人账户。"),
        # 到 inside 听到 is not a visit
        ("zh-CN", "听到您家人住院,真的很抱歉,您先照顾好家里。"),
    ],
)
def test_denials_and_lawful_statements_pass(judge, locale, text):
    assert judge(text, locale) == set()


@pytest.mark.parametrize(
    ("locale", "text", "category"),
    [
        ("zh-CN", "我是法院的。", "impersonation"),
        ("en-US", "We are a law firm.", "impersonation"),
        ("zh-CN", "我们会联系您的单位和家人。", "threat"),
        # a negation that belongs to the condition does not excuse the threat
        ("zh-CN", "不还钱就告诉你单位。", "threat"),
        ("en-US", "If you don't pay we will tell your boss.", "threat"),
        ("en-US", "Why don't you take out a payday loan?", "misrepresentation"),
        ("en-US", "People who don't pay us tend to have accidents.", "threat"),
        ("en-US", "You won't be allowed to leave the country.", "misrepresentation"),
    ],
)
def test_the_affirmative_counterparts_are_caught(judge, locale, text, category):
    assert category in judge(text, locale)


def test_legal_remedies_depend_on_the_case(judge):
    text = "We may pursue legal remedies as permitted by law."
    assert judge(text, "en-US", case=case_for("en-US", legal_action_permitted=True)) == set()
    assert judge(text, "en-US", case=case_for("en-US", legal_action_permitted=False)) == {"misrepresentation"}
    assert judge(text, "en-US", case=case_for("en-US", legal_action_permitted=True, time_barred=True)) == {
        "misrepresentation"
    }


def test_time_barred_disclosure_that_we_will_not_sue_passes(judge):
    case = case_for("en-US", time_barred=True)
    assert judge("Because of the age of your debt, we will not sue you for it.", "en-US", case=case) == set()


def test_a_threat_to_a_third_party_is_still_a_threat(judge):
    assert "threat" in judge("告诉他,我们会去他家找他。", "zh-CN", party=Party.THIRD_PARTY)
