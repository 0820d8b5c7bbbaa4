"""Slot extraction from English borrower messages: amounts, dates, identity answers."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.nlu.nlu_testdata import PAYDAY, TODAY

from settle.agent.slots import extract_slots, parse_date, parse_dob, parse_id_last4, parse_zip
from settle.agent.types import NLUContext, Stage


def slots(text: str, stage: Stage | None = None, payday: int | None = PAYDAY):
    return extract_slots(text, NLUContext("en-US", TODAY, payday=payday, stage=stage))


@pytest.mark.parametrize(("text", "amount"), [
    ("I'll pay 500 on Friday", "500"),
    ("$1,500.00", "1500.00"),
    ("I can pay 1,500", "1500"),
    ("1.5k", "1500"),
    ("fifteen hundred", "1500"),
    ("two thousand five hundred dollars", "2500"),
    ("a hundred bucks", "100"),
    ("two grand", "2000"),
    ("a grand by Friday", "1000"),
    ("I can send fifty bucks", "50"),
    ("200 dollars", "200"),
    ("I could do maybe 75", "75"),
    ("USD 300", "300"),
])
def test_amounts(text, amount):
    assert slots(text).amount == Decimal(amount)


@pytest.mark.parametrize("text", [
    "the 15th",
    "on 12/5",
    "the last four are 1234",
    "I was born March 5, 1990",
    "I'll make 2 payments",
    "I have like ten loans",
    "at 5:30",
    "in 3 days",
    "call me at 212 555 1234",
    "zip is 10001",
])
def test_numbers_that_are_not_amounts(text):
    assert slots(text).amount is None


def test_bare_number_is_an_amount_only_in_money_stages():
    assert slots("how about 250?").amount is None
    assert slots("how about 250?", Stage.COMMITMENT).amount == Decimal(250)
    assert slots("20?", Stage.COMMITMENT).amount is None  # 1–31 may be a day


@pytest.mark.parametrize(("text", "expected"), [
    ("tomorrow", dt.date(2026, 11, 25)),
    ("the day after tomorrow", dt.date(2026, 11, 26)),
    ("today", TODAY),
    ("I can pay right now", TODAY),
    ("on Friday", dt.date(2026, 11, 27)),
    ("this Friday", dt.date(2026, 11, 27)),
    ("next Friday", dt.date(2026, 12, 4)),
    ("next Monday", dt.date(2026, 11, 30)),
    ("Tuesday", TODAY),  # today is Tuesday
    ("this weekend", dt.date(2026, 11, 28)),
    ("March 6", dt.date(2027, 3, 6)),
    ("Dec. 1st", dt.date(2026, 12, 1)),
    ("1st of December", dt.date(2026, 12, 1)),
    ("12/5", dt.date(2026, 12, 5)),
    ("the 15th", dt.date(2026, 12, 15)),
    ("on the 28th", dt.date(2026, 11, 28)),
    ("by the first of next month", dt.date(2026, 12, 1)),
    ("on the fifteenth", dt.date(2026, 12, 15)),
    ("end of the month", dt.date(2026, 11, 30)),
    ("by the end of next month", dt.date(2026, 12, 31)),
    ("on payday", dt.date(2026, 12, 15)),
    ("when I get paid", dt.date(2026, 12, 15)),
    ("in 3 days", dt.date(2026, 11, 27)),
    ("within two weeks", dt.date(2026, 12, 8)),
])
def test_dates(text, expected):
    found = slots(text)
    assert found.date == expected
    assert found.vague_date is False


def test_payday_without_a_known_payday_is_vague():
    found = slots("I'll pay on payday", payday=None)
    assert found.date is None
    assert found.vague_date is True


@pytest.mark.parametrize("text", ["soon", "in a few days", "as soon as I can", "sometime next week", "ASAP",
                                  "in a couple of days"])
def test_vague_dates(text):
    found = slots(text)
    assert found.vague_date is True
    assert found.date is None


def test_past_full_date_is_not_a_payment_date():
    assert parse_date("March 1, 2025", "en-US", TODAY).date is None


def test_first_date_mentioned_wins():
    assert slots("500 tomorrow and the rest on the 15th").date == dt.date(2026, 11, 25)


@pytest.mark.parametrize("text", ["all of it", "I'll pay it in full", "the full amount", "pay it off",
                                  "the whole balance"])
def test_full_amount(text):
    assert slots(text).full_amount is True


@pytest.mark.parametrize(("text", "last4"), [
    ("the last four of my social are 1234", "1234"),
    ("last 4 of my SSN is 5678", "5678"),
    ("ending in 3309", "3309"),
    ("my SSN ends with 1029", "1029"),
    ("the last four are 2 2 6 9", "2269"),
    ("last four, 0045", "0045"),
])
def test_id_last4(text, last4):
    assert parse_id_last4(text, "en-US") == last4
    found = slots(text)
    assert found.id_last4 == last4
    assert found.amount is None


@pytest.mark.parametrize(("text", "zip_code"), [
    ("my zip code is 10001", "10001"),
    ("zip: 94107", "94107"),
    ("postal code 30301-1234", "30301"),
])
def test_zip(text, zip_code):
    assert parse_zip(text) == zip_code
    assert slots(text).zip == zip_code


def test_bare_numbers_during_verification():
    assert slots("it's 60614", Stage.VERIFICATION).zip == "60614"
    assert slots("4821", Stage.VERIFICATION).id_last4 == "4821"
    assert slots("4821").id_last4 is None
    assert slots("it's 60614").zip is None


@pytest.mark.parametrize(("text", "dob"), [
    ("my date of birth is March 5, 1990", dt.date(1990, 3, 5)),
    ("03/05/1990", dt.date(1990, 3, 5)),
    ("born July 4th 1985", dt.date(1985, 7, 4)),
    ("the 3rd of April 1991", dt.date(1991, 4, 3)),
    ("1992-06-18", dt.date(1992, 6, 18)),
])
def test_date_of_birth(text, dob):
    assert parse_dob(text, "en-US", TODAY) == dob
    found = slots(text)
    assert found.dob == dob
    assert found.date is None
    assert found.amount is None


def test_amount_and_date_together():
    found = slots("I can pay $1,000 on December 1st")
    assert (found.amount, found.date) == (Decimal(1000), dt.date(2026, 12, 1))
