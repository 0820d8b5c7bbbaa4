"""Amounts, dates and numbers are written out as they are said, in both languages, before synthesis."""
import datetime as dt
from decimal import Decimal

import pytest

from settle.agent.nlg import format_date, format_money
from settle.voice.textnorm import english_number, english_ordinal, english_year, spoken_chinese, spoken_english


@pytest.mark.parametrize(("written", "said"), [
    (format_money(Decimal("3500.00"), "CNY", "zh-CN"), "三千五百元"),
    (format_money(Decimal("3200.50"), "CNY", "zh-CN"), "三千二百元五角"),
    (format_money(Decimal("1250.05"), "CNY", "zh-CN"), "一千二百五十元零五分"),
    ("¥3,500.00", "三千五百元"),
    ("￥800", "八百元"),
    ("0.05元", "五分"),
    ("100,000.00元", "十万元"),
    (format_date(dt.date(2026, 11, 19), "zh-CN"), "二零二六年十一月十九日"),
    ("12月1日", "十二月一日"),
    ("每月15号", "每月十五号"),
    ("已逾期12天", "已逾期十二天"),
    ("请立即拨打110或120", "请立即拨打幺幺零或幺二零"),
    ("请他/她方便时回电", "请他方便时回电"),
])
def test_chinese_is_written_out(written, said):
    assert spoken_chinese(written) == said


@pytest.mark.parametrize(("written", "said"), [
    (format_money(Decimal("1250.00"), "USD", "en-US"), "one thousand two hundred fifty dollars"),
    ("$3,500.00", "three thousand five hundred dollars"),
    ("$1.01", "one dollar and one cent"),
    ("$150.75", "one hundred fifty dollars and seventy-five cents"),
    (format_date(dt.date(2026, 11, 19), "en-US"), "November nineteenth, twenty twenty-six"),
    ("March 3rd", "March third"),
    ("on the 1st of each month", "on the first of each month"),
    ("9 days past due", "nine days past due"),
    ("call 911 or 988", "call nine one one or nine eight eight"),
    ("10,000 people", "ten thousand people"),
])
def test_english_is_written_out(written, said):
    assert spoken_english(written) == said


def test_number_words():
    assert english_number(0) == "zero" and english_number(115) == "one hundred fifteen"
    assert english_number(2_000_019) == "two million nineteen"
    assert [english_ordinal(n) for n in (1, 2, 3, 12, 20, 21, 30, 101)] == [
        "first", "second", "third", "twelfth", "twentieth", "twenty-first", "thirtieth", "one hundred first"]
    assert [english_year(y) for y in (2026, 2000, 2005, 1999, 1900, 2010)] == [
        "twenty twenty-six", "two thousand", "two thousand five", "nineteen ninety-nine", "nineteen hundred", "twenty ten"]
