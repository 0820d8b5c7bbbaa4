"""Relative dates and phrases: resolved per run so suites never rot, and matched the way QA means."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from settle.agent.slots import parse_date
from settle.eval.scenarios.expressions import (
    ExpressionError,
    Phrase,
    RunContext,
    borrower_date,
    build_case,
    money_forms,
    resolve_date,
)
from settle.eval.scenarios.loader import load_shared

TUESDAY = dt.date(2026, 11, 24)
A_WEEK = [TUESDAY + dt.timedelta(days=n) for n in range(7)]


@pytest.mark.parametrize(
    "expr,expected",
    [
        ("today", TUESDAY),
        ("tomorrow", dt.date(2026, 11, 25)),
        ("+3d", dt.date(2026, 11, 27)),
        ("-12d", dt.date(2026, 11, 12)),
        ("+2w", dt.date(2026, 12, 8)),
        ("tuesday", TUESDAY),  # the coming one; today counts
        ("friday", dt.date(2026, 11, 27)),
        ("next friday", dt.date(2026, 12, 4)),  # Friday of next calendar week
        ("Next Monday", dt.date(2026, 11, 30)),
        ("2027-01-05", dt.date(2027, 1, 5)),
        ("payday", dt.date(2026, 12, 15)),
    ],
)
def test_date_expressions(expr, expected):
    assert resolve_date(expr, TUESDAY, payday=15) == expected


@pytest.mark.parametrize("expr", ["next week", "+3", "3d", "fri", "payday"])
def test_unknown_date_expressions_are_errors(expr):
    with pytest.raises(ExpressionError):
        resolve_date(expr, TUESDAY)  # no payday on this case either


def test_payday_skips_months_too_short():
    assert resolve_date("payday", dt.date(2027, 2, 1), payday=31) == dt.date(2027, 3, 31)


@pytest.mark.parametrize("today", A_WEEK, ids=lambda d: d.strftime("%a"))
@pytest.mark.parametrize("locale,words", [("zh-CN", {"next friday": "下周五", "friday": "周五"}), ("en-US", {"next friday": "next Friday", "friday": "Friday"})])
def test_weekday_expressions_mean_what_the_engine_reads(today, locale, words):
    """A suite saying `next friday` passes on every day of the week, not only the day it was written."""
    for expr, said in words.items():
        assert parse_date(f"{said}还" if locale == "zh-CN" else f"pay on {said}", locale, today).date == resolve_date(expr, today)


@pytest.mark.parametrize("today", [dt.date(2026, 11, 24), dt.date(2026, 12, 30), dt.date(2027, 2, 27)])
@pytest.mark.parametrize("offset", [0, 3, 9, 40])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_borrower_dates_read_back_as_the_same_day(today, offset, locale):
    """{date:+Nd} in a borrower line is understood by the engine as that very day, across months and years."""
    day = today + dt.timedelta(days=offset)
    assert parse_date(borrower_date(day, locale), locale, today).date == day


def test_case_dates_are_relative_to_today():
    case = build_case({"due_date": "-12d", "payday": "+5d", "debtor": {"name": "x"}}, dt.date(2026, 12, 30), "REF-1")
    assert case == {"due_date": "2026-12-18", "payday": 4, "debtor": {"name": "x"}, "external_ref": "REF-1"}


def test_money_forms():
    assert money_forms(Decimal("3200.00")) == ("3,200", "3200")
    assert money_forms(Decimal("1250.50")) == ("1,250.50", "1250.50")


@pytest.mark.parametrize(
    "form,text,found",
    [
        ("owe", "However, you can pay online.", False),
        ("owe", "How much does he owe?", True),
        ("debt", "This is an attempt to collect a Debt.", True),
        ("3,200", "目前还有3,200.00元未还", True),
        ("3200", "REF-13200", False),
        ("欠", "不好意思打扰了", False),
        ("欠", "他欠你们钱", True),
        ("1234", "身份证后四位１２３４", True),  # full-width digits fold
    ],
)
def test_phrase_matching(form, text, found):
    assert (Phrase(form, (form,)).found_in(text) is not None) is found


@pytest.fixture
def context():
    shared = load_shared()
    case = build_case(shared.cases["en-US"], TUESDAY, "REF")
    return RunContext("en-US", TUESDAY, case, shared.phrase_sets)


def test_phrases_expand_sets_notices_and_case_facts(context):
    from settle.prompts import load_script

    notices = load_script("en-US")["notices"]
    [ai] = context.phrases(["{notice:ai_disclosure}"])
    assert ai.forms == (notices["ai_disclosure"],)
    [debt_collector] = context.phrases(["{policy_notices}"])  # us-regf: the debt-collector notice
    assert debt_collector.forms == (notices["debt_collector"],)
    [amount] = context.phrases(["{amount_due}"])
    assert amount.forms == ("1,250", "1250")
    debt_words = context.phrases(["@debt_details"])
    assert len(debt_words) > 5 and all(p.label.startswith("@debt_details") for p in debt_words)
    [read_back] = context.phrases(["on {date:next friday}"])
    assert "on December 4" in read_back.forms


def test_borrower_lines_fill_in_the_case(context):
    assert context.fill("My date of birth is {dob}") == "My date of birth is April 12, 1988"
    assert context.fill("zip {zip}, paying on {date:+3d}") == "zip 10001, paying on November 27"
    with pytest.raises(ExpressionError):
        context.fill("{id_last4}")  # this case verifies by date of birth and ZIP only
    with pytest.raises(ExpressionError):
        context.phrases(["@no_such_set"])
