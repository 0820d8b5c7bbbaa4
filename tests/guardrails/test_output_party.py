"""The debt may be discussed with the verified debtor only: the same sentence is
fine to them and a violation to anyone else."""
from __future__ import annotations

import pytest

from settle.agent.types import Party

DEBT_SENTENCES = [
    ("zh-CN", "您本期应还3,560.00元,已经逾期十二天。"),
    ("zh-CN", "今天联系您是关于您在安信消费金融的借款。"),
    ("zh-CN", "我们是催收服务方。"),
    ("en-US", "Your balance of $1,250.00 is 45 days past due."),
    ("en-US", "This is an attempt to collect a debt."),
    ("en-US", "I'm calling about your Northwind loan."),
]


@pytest.mark.parametrize(("locale", "text"), DEBT_SENTENCES)
def test_debt_details_are_fine_for_the_verified_debtor(judge, locale, text):
    assert "third_party_disclosure" not in judge(text, locale, party=Party.DEBTOR)


@pytest.mark.parametrize("party", [Party.UNVERIFIED, Party.THIRD_PARTY])
@pytest.mark.parametrize(("locale", "text"), DEBT_SENTENCES)
def test_debt_details_are_a_disclosure_to_anyone_else(judge, locale, text, party):
    assert "third_party_disclosure" in judge(text, locale, party=party)


@pytest.mark.parametrize("party", [Party.UNVERIFIED, Party.THIRD_PARTY])
@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("zh-CN", "麻烦您转告张伟先生,方便时给我们回个电话,谢谢。"),
        ("zh-CN", "为保护您的隐私,需要先核实您的身份。"),
        ("zh-CN", "这是他的私人事务,需要他本人处理。"),
        ("en-US", "Could you ask Jordan to call us back? Thank you."),
        ("en-US", "I'm calling to confirm contact information for Jordan Miller."),
        ("en-US", "It's a personal matter, so I'd rather speak with him directly."),
    ],
)
def test_call_back_requests_to_third_parties_pass(judge, locale, text, party):
    assert judge(text, locale, party=party) == set()


def test_an_amount_alone_discloses(guard):
    from tests.guardrails.conftest import context

    verdict = guard.check("就是3,560元的事。", context("zh-CN", Party.THIRD_PARTY))
    rules = {v.rule for v in verdict.violations}
    assert "third_party_disclosure.amount" in rules
