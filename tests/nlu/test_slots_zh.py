"""Slot extraction from Chinese borrower messages: amounts, dates, identity answers."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.nlu.nlu_testdata import PAYDAY, TODAY

from settle.agent.slots import extract_slots, parse_amount, parse_date, parse_dob, parse_id_last4
from settle.agent.types import NLUContext, Stage


def slots(text: str, stage: Stage | None = None, payday: int | None = PAYDAY):
    return extract_slots(text, NLUContext("zh-CN", TODAY, payday=payday, stage=stage))


@pytest.mark.parametrize(("text", "amount"), [
    ("我明天还一千五", "1500"),
    ("1.5千", "1500"),
    ("两千块", "2000"),
    ("三千二", "3200"),
    ("五百", "500"),
    ("先还800块", "800"),
    ("我还你1,500", "1500"),
    ("¥2000", "2000"),
    ("一万五", "15000"),
    ("还五十", "50"),
    ("周五前还五百", "500"),
    ("先还500,明天再还300", "500"),  # the first sum mentioned
    ("先还一块", "1"),
    ("还一块钱", "1"),
])
def test_amounts(text, amount):
    assert slots(text).amount == Decimal(amount)


@pytest.mark.parametrize("text", [
    "15号还",            # a day of the month
    "身份证后四位是1234",  # ID digits
    "我1990年3月5日出生",  # a birth date
    "几十块钱",            # an approximation
    "二十多万",
    "我还两期",            # a count of instalments
    "一次性还清",
    "给我三天时间",
    "我电话是13812345678",
    "这个月手头紧,下个月一块还",  # 一块 before a verb: "together"
    "下个月一块儿还清",
])
def test_numbers_that_are_not_amounts(text):
    assert slots(text).amount is None


def test_bare_number_is_an_amount_only_in_money_stages():
    assert slots("500吧").amount is None
    assert slots("500吧", Stage.NEGOTIATION).amount == Decimal(500)
    assert slots("15吧", Stage.NEGOTIATION).amount is None  # 1–31 may be a day


@pytest.mark.parametrize(("text", "expected"), [
    ("明天", dt.date(2026, 11, 25)),
    ("后天还", dt.date(2026, 11, 26)),
    ("大后天", dt.date(2026, 11, 27)),
    ("今天晚上转过去", TODAY),
    ("周五", dt.date(2026, 11, 27)),
    ("这周五之前", dt.date(2026, 11, 27)),
    ("下周五", dt.date(2026, 12, 4)),
    ("下个星期一", dt.date(2026, 11, 30)),
    ("星期二还", TODAY),  # today is Tuesday
    ("这周末", dt.date(2026, 11, 28)),
    ("15号", dt.date(2026, 12, 15)),  # already past this month
    ("二十八号", dt.date(2026, 11, 28)),
    ("下个月5号", dt.date(2026, 12, 5)),
    ("下月十号还", dt.date(2026, 12, 10)),
    ("3月6日", dt.date(2027, 3, 6)),
    ("12月1号", dt.date(2026, 12, 1)),
    ("月底", dt.date(2026, 11, 30)),
    ("下个月底", dt.date(2026, 12, 31)),
    ("发工资那天就还", dt.date(2026, 12, 15)),
    ("三天之内", dt.date(2026, 11, 27)),
    ("两周后", dt.date(2026, 12, 8)),
    ("我马上还", TODAY),
])
def test_dates(text, expected):
    found = slots(text)
    assert found.date == expected
    assert found.vague_date is False


def test_payday_without_a_known_payday_is_vague():
    found = slots("发工资就还", payday=None)
    assert found.date is None
    assert found.vague_date is True


def test_payday_today_is_today():
    mention = parse_date("发工资那天还", "zh-CN", dt.date(2026, 12, 15), payday=15)
    assert mention.date == dt.date(2026, 12, 15)


@pytest.mark.parametrize("text", ["过几天", "过两天还", "尽快", "最近手头紧", "下个月吧", "改天再说"])
def test_vague_dates(text):
    found = slots(text)
    assert found.vague_date is True
    assert found.date is None


def test_a_fixed_date_wins_over_vague_words():
    found = slots("尽快,最晚下周五")
    assert found.date == dt.date(2026, 12, 4)
    assert found.vague_date is False


def test_past_full_date_is_not_a_payment_date():
    assert parse_date("2025年3月1日", "zh-CN", TODAY).date is None


@pytest.mark.parametrize("text", ["全部还清", "一次性还", "全额", "我把全部欠款还了"])
def test_full_amount(text):
    assert slots(text).full_amount is True


def test_not_paid_off_is_not_full_amount():
    assert slots("我还没还清").full_amount is False


@pytest.mark.parametrize(("text", "last4"), [
    ("身份证后四位是1234", "1234"),
    ("尾号123X", "123X"),
    ("尾号是002x", "002X"),
    ("后四位:6613", "6613"),
    ("后四位是幺三五七", "1357"),
    ("号码后四位是八八六一", "8861"),
    ("身份证后四位１２３４", "1234"),  # full-width digits
    ("身分正后,四位是一二三死。", "1234"),  # speech-to-text: a comma inside the cue, 四 heard as 死
])
def test_id_last4(text, last4):
    assert parse_id_last4(text, "zh-CN") == last4
    assert slots(text).id_last4 == last4
    assert slots(text).amount is None


def test_bare_four_digits_are_an_id_only_during_verification():
    assert slots("1234").id_last4 is None
    found = slots("是1234", Stage.VERIFICATION)
    assert found.id_last4 == "1234"
    assert found.amount is None


@pytest.mark.parametrize(("text", "dob"), [
    ("1990年3月5日", dt.date(1990, 3, 5)),
    ("我生日是1985年11月2号", dt.date(1985, 11, 2)),
    ("出生日期1992-06-18", dt.date(1992, 6, 18)),
    ("一九八八年一月二十日", dt.date(1988, 1, 20)),
])
def test_date_of_birth(text, dob):
    assert parse_dob(text, "zh-CN", TODAY) == dob
    found = slots(text)
    assert found.dob == dob
    assert found.date is None


def test_a_recent_date_is_not_a_birth_date():
    assert parse_dob("2026年3月5日", "zh-CN", TODAY) is None


def test_amount_and_date_together():
    found = slots("下个月5号还三千二")
    assert (found.amount, found.date) == (Decimal(3200), dt.date(2026, 12, 5))


def test_parse_amount_alone():
    assert parse_amount("两千块", "zh-CN") == Decimal(2000)
    assert parse_amount("500", "zh-CN") is None
    assert parse_amount("500", "zh-CN", bare_numbers=True) == Decimal(500)
