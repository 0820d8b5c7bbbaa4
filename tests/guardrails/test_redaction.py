"""Redaction of personal numbers in transcripts shown to staff or exported."""

from __future__ import annotations

import pytest

from settle.guardrails.redaction import redact

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(first17: str) -> str:
    """A mainland resident ID with its ISO 7064 check character, computed independently here."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def luhn_complete(prefix: str) -> str:
    """`prefix` plus the one digit that makes it pass the Luhn check."""
    for last in "0123456789":
        digits = [int(d) for d in reversed(prefix + last)]
        total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
        if total % 10 == 0:
            return prefix + last
    raise AssertionError("unreachable")


ID_1 = resident_id("11010119900307777")  # ...7774
ID_X = resident_id("44030419851231002")  # ends in X
CARD_16 = luhn_complete("622202123456789")  # 6222021234567894
CARD_19 = luhn_complete("622848001234567890")
VISA = "4111111111111111"


class TestResidentIds:
    def test_fixtures_are_what_they_claim(self):
        assert ID_1.endswith("7774") and ID_X.endswith("X")

    def test_id_is_masked_except_the_last_four(self):
        assert redact(f"身份证号{ID_1}。") == f"身份证号{'*' * 14}7774。"

    def test_id_ending_in_x(self):
        assert redact(f"ID {ID_X}") == f"ID {'*' * 14}002X"

    def test_lowercase_x_and_spaced_groups(self):
        spaced = f"{ID_X[:6]} {ID_X[6:14]} {ID_X[14:-1]}x"
        assert redact(spaced) == "****** ******** 002x"

    def test_id_with_a_wrong_check_digit_but_a_birth_date_is_still_personal(self):
        typo = ID_1[:-1] + ("5" if ID_1[-1] != "5" else "6")
        assert redact(typo) == "*" * 14 + typo[-4:]

    def test_eighteen_digits_without_a_birth_date_are_not_an_id(self):
        assert redact("流水号 202613450000123456") == "流水号 202613450000123456"

    def test_four_digit_tail_alone_is_left_alone(self):
        assert redact("身份证后四位是7774,对吗?") == "身份证后四位是7774,对吗?"


class TestCards:
    def test_plain_card_keeps_the_last_four(self):
        assert redact(f"卡号{CARD_16}") == f"卡号{'*' * 12}{CARD_16[-4:]}"

    def test_grouped_card_keeps_its_spacing(self):
        grouped = " ".join(VISA[i : i + 4] for i in range(0, 16, 4))
        assert redact(f"card {grouped} exp 05/27") == "card **** **** **** 1111 exp 05/27"

    def test_dashed_card(self):
        assert redact("4111-1111-1111-1111") == "****-****-****-1111"

    def test_nineteen_digit_card(self):
        assert redact(CARD_19) == "*" * 15 + CARD_19[-4:]

    def test_number_failing_luhn_is_not_a_card(self):
        not_a_card = CARD_16[:-1] + str((int(CARD_16[-1]) + 1) % 10)
        assert redact(f"order {not_a_card}") == f"order {not_a_card}"

    def test_grouped_number_failing_luhn_is_not_half_masked_as_a_phone(self):
        assert redact("6222 0212 3456 7890") == "6222 0212 3456 7890"


class TestSsns:
    def test_formatted_ssn(self):
        assert redact("My SSN is 123-45-6789.") == "My SSN is ***-**-6789."

    def test_spaced_ssn(self):
        assert redact("123 45 6789") == "*** ** 6789"

    @pytest.mark.parametrize("context", ["SSN", "social security number", "my social is", "SS# "])
    def test_nine_digits_with_ssn_context(self, context):
        assert redact(f"{context} 123456789") == f"{context} *****6789"

    def test_nine_digits_without_context_are_left_alone(self):
        assert redact("reference 123456789") == "reference 123456789"

    @pytest.mark.parametrize(
        "never_issued", ["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"]
    )
    def test_numbers_the_ssa_never_issues_are_left_alone(self, never_issued):
        assert redact(never_issued) == never_issued


class TestPhones:
    @pytest.mark.parametrize(
        ("raw", "shown"),
        [
            ("(212) 555-0100", "(***) ***-0100"),
            ("212-555-0100", "***-***-0100"),
            ("212.555.0100", "***.***.0100"),
            ("+1 212 555 0100", "+1 *** *** 0100"),
            ("1-800-555-0199", "1-***-***-0199"),
            ("+12125550100", "+1******0100"),
            ("2125550100", "******0100"),
            ("13812345678", "*******5678"),
            ("138-1234-5678", "***-****-5678"),
            ("+86 138 1234 5678", "+86 *** **** 5678"),
            ("+8613812345678", "+86*******5678"),
            ("010-12345678", "***-****5678"),
        ],
    )
    def test_formats(self, raw, shown):
        assert redact(f"call {raw} today") == f"call {shown} today"

    def test_phone_inside_chinese_text(self):
        assert redact("我的手机是13812345678,晚上打") == "我的手机是*******5678,晚上打"

    def test_two_phones_side_by_side(self):
        assert redact("13812345678 13912345678") == "*******5678 *******5678"


class TestLeftAlone:
    @pytest.mark.parametrize(
        "text",
        [
            "应还金额¥12,345.67,最低还款 3000 元",
            "Amount due: $1,234,567.89 by 2026-05-01",
            "还款日期2026-05-01,也就是05/01/2026",
            "2026年5月1日 12:30 前还款",
            "zip 12345-6789",
            "期数 12/36,逾期 45 天",
            "order 20260501",
            "2000000000 points",
        ],
    )
    def test_amounts_dates_and_short_numbers(self, text):
        assert redact(text) == text


def test_a_transcript_line_with_everything():
    line = f"我叫张三,身份证{ID_1},卡{CARD_16},手机+86 138 1234 5678,欠款¥5,000.00,2026-05-01前还。"
    assert redact(line) == (
        f"我叫张三,身份证{'*' * 14}7774,卡{'*' * 12}{CARD_16[-4:]},手机+86 *** **** 5678,欠款¥5,000.00,2026-05-01前还。"
    )


def test_redaction_keeps_length_and_is_idempotent():
    text = f"SSN 123-45-6789, card {VISA}, phone (212) 555-0100"
    once = redact(text)
    assert len(once) == len(text)
    assert redact(once) == once
