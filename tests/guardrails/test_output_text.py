"""The reading the rules rely on: figures, dates, negation scope, word boundaries."""
from __future__ import annotations

from decimal import Decimal

import pytest

from settle.guardrails.output import facts
from settle.guardrails.output.settings import output_settings
from settle.guardrails.output.text import analyse, normalise


def amounts(text: str, locale: str) -> list[Decimal]:
    return [a.value for a in facts.amounts(normalise(text), locale)]


def dates(text: str, locale: str) -> list[tuple]:
    return [(d.month, d.day, d.year) for d in facts.dates(normalise(text), locale)]


def test_normalising_keeps_every_offset():
    text = "您好,ＡＢＣ还款３５６元!Mr. Miller"
    norm = normalise(text)
    assert len(norm) == len(text)
    assert norm.index("356") == text.index("３５６")


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("应还3,560.00元,最低¥356", "zh-CN", [Decimal("3560.00"), Decimal(356)]),
        ("三千五百六十元", "zh-CN", [Decimal(3560)]),
        ("1.2万元", "zh-CN", [Decimal(12000)]),
        ("欠了三千多块", "zh-CN", []),  # approximate: not a figure to check
        ("逾期12天,请拨打400-800-1234", "zh-CN", []),
        ("You owe $1,250.00, or 300 dollars today.", "en-US", [Decimal("1250.00"), Decimal(300)]),
        ("Call 800-555-0134 within 30 days; 5% interest.", "en-US", []),
    ],
)
def test_only_money_counts_as_an_amount(text, locale, expected):
    assert amounts(text, locale) == expected


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("2025年6月15日到期,6月20号前还", "zh-CN", [(6, 15, 2025), (6, 20, None)]),
        ("六月十五日", "zh-CN", [(6, 15, None)]),
        ("due May 1, 2025 or 5/1, or June 12th", "en-US", [(5, 1, 2025), (6, 12, None), (5, 1, None)]),
        ("the 15th of June", "en-US", [(6, 15, None)]),
        ("you may pay tomorrow", "en-US", []),
    ],
)
def test_calendar_dates(text, locale, expected):
    assert sorted(dates(text, locale), key=str) == sorted(expected, key=str)


@pytest.mark.parametrize(
    ("text", "locale", "target", "negated"),
    [
        ("我们不会告诉您的单位", "zh-CN", "告诉", True),
        ("不还钱就告诉你单位", "zh-CN", "告诉", False),
        ("如果你不还钱,我们就告诉你单位", "zh-CN", "告诉", False),
        ("要不要我们告诉你老板", "zh-CN", "告诉", False),
        ("we will not contact your employer", "en-US", "contact", True),
        ("if you don't pay we will contact your employer", "en-US", "contact", False),
        ("why don't you take out a loan", "en-US", "take", False),
        ("not paying will hurt your credit", "en-US", "hurt", False),
        ("people who don't pay tend to have accidents", "en-US", "have", False),
    ],
)
def test_negation_reaches_only_its_own_clause(text, locale, target, negated):
    analysis = analyse(text, locale)
    negation = output_settings().negation[locale]
    assert negation.negates(analysis, analysis.norm.index(target)) is negated


def test_a_one_character_term_must_be_a_whole_word(guard):
    from tests.guardrails.conftest import context

    assert guard.check("请您抓紧时间处理。", context("zh-CN")).allowed
    assert not guard.check("小心警察来抓你。", context("zh-CN")).allowed


def test_sentences_do_not_break_inside_figures_or_titles():
    analysis = analyse("Mr. Miller owes $1,250.00. Please pay today.", "en-US")
    assert [analysis.sentence_text(s) for s in analysis.sentences] == ["Mr. Miller owes $1,250.00.", "Please pay today."]
