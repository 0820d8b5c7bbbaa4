"""Text as it is said: amounts, dates and numbers written out in words before speech synthesis.

The script formats facts for reading (`¥`-less "3,200.00元", "$1,250.00",
"2026年11月19日", "November 19, 2026"); a voice must say them the way a person
would: "三千二百元", "one thousand two hundred fifty dollars", "二零二六年十一月十九日",
"November nineteenth, twenty twenty-six". Numbers of three or more digits
written without grouping (110, 988, a phone number) are read digit by digit,
but for English years; smaller ones ("逾期12天", "9 days") as numbers. The same normalisation scores a
round trip: both the text and what speech-to-text heard are normalised before
they are compared.
"""
from __future__ import annotations

import re

import cn2an

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                  "nine": "ninth", "twelve": "twelfth"}
_MONTHS = ("January February March April May June July August September October November December").split()
_ZH_DIGITS = "零幺二三四五六七八九"  # 1 is 幺 when digits are read out one by one


def english_number(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("-" + _ONES[n % 10] if n % 10 else "")
    if n < 1000:
        return _ONES[n // 100] + " hundred" + (" " + english_number(n % 100) if n % 100 else "")
    for scale, name in _SCALES:
        if n >= scale:
            rest = n % scale
            return english_number(n // scale) + f" {name}" + (" " + english_number(rest) if rest else "")
    raise ValueError(n)


def english_ordinal(n: int) -> str:
    words = english_number(n)
    head, _, last = words.rpartition(" ")
    last_head, dash, last_word = last.rpartition("-")
    if last_word in _ORDINAL_WORDS:
        last_word = _ORDINAL_WORDS[last_word]
    elif last_word.endswith("y"):
        last_word = last_word[:-1] + "ieth"
    else:
        last_word += "th"
    return (head + " " if head else "") + last_head + dash + last_word


def english_year(year: int) -> str:
    """2026 → twenty twenty-six; 2005 → two thousand five; 1999 → nineteen ninety-nine."""
    high, low = divmod(year, 100)
    if 2000 <= year < 2010 or low == 0 and high % 10 == 0:
        return english_number(year)
    return english_number(high) + " " + ("hundred" if low == 0 else ("oh " if low < 10 else "") + english_number(low))


def _english_money(match: re.Match) -> str:
    dollars, cents = int(match["whole"].replace(",", "")), int(match["cents"] or 0)
    spoken = f"{english_number(dollars)} dollar{'' if dollars == 1 else 's'}"
    if cents:
        spoken += f" and {english_number(cents)} cent{'' if cents == 1 else 's'}"
    return spoken


def _digits(number: str, names: list[str] | str) -> str:
    return " ".join(names[int(d)] for d in number) if isinstance(names, list) else "".join(names[int(d)] for d in number)


_EN_MONEY = re.compile(r"\$(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{2}))?")
_EN_DATE = re.compile(rf"\b(?P<month>{'|'.join(_MONTHS)}) (?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:, (?P<year>\d{{4}}))?\b")
_EN_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_EN_GROUPED = re.compile(r"\b\d{1,3}(?:,\d{3})+(?:\.\d+)?\b|\b\d+\.\d+\b")
_EN_NUMBER = re.compile(r"\b\d+\b")


def _english_date(match: re.Match) -> str:
    spoken = f"{match['month']} {english_ordinal(int(match['day']))}"
    return spoken + (f", {english_year(int(match['year']))}" if match["year"] else "")


def _english_decimal(match: re.Match) -> str:
    whole, _, fraction = match[0].replace(",", "").partition(".")
    spoken = english_number(int(whole))
    return spoken + (" point " + _digits(fraction, _ONES[:10]) if fraction else "")


def _english_plain(match: re.Match) -> str:
    number = match[0]
    if len(number) == 4 and 1900 <= int(number) < 2100:
        return english_year(int(number))
    return _digits(number, _ONES[:10]) if len(number) >= 3 else english_number(int(number))


def spoken_english(text: str) -> str:
    text = _EN_MONEY.sub(_english_money, text)
    text = _EN_DATE.sub(_english_date, text)
    text = _EN_ORDINAL.sub(lambda m: english_ordinal(int(m[1])), text)
    text = _EN_GROUPED.sub(_english_decimal, text)
    return _EN_NUMBER.sub(_english_plain, text)


_AMOUNT = r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{1,2}))?"
_ZH_MONEY = re.compile(rf"[¥￥]\s*{_AMOUNT}\s*(?P<unit>元|块)?|{_AMOUNT.replace('?P<', '?P<u_')}\s*(?P<u_unit>元|块)")
_ZH_DATE = re.compile(r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?P<day>\d{1,2})(?P<suffix>日|号)")
_ZH_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+")
_ZH_NUMBER = re.compile(r"\d+")
# 他/她 and 他（她） are both said tā
_ZH_PRONOUN = re.compile(r"他\s*[/／]\s*她|他（她）")


def _zh_money(match: re.Match) -> str:
    """¥3,500.50 / 3,500.50元 → 三千五百元五角; 0.05元 → 五分."""
    prefix = "" if match["whole"] is not None else "u_"
    whole = int(match[prefix + "whole"].replace(",", ""))
    cents = (match[prefix + "cents"] or "").ljust(2, "0")
    jiao, fen = int(cents[0]), int(cents[1])
    spoken = cn2an.an2cn(str(whole)) + (match[prefix + "unit"] or "元") if whole or not (jiao or fen) else ""
    if jiao:
        spoken += cn2an.an2cn(str(jiao)) + "角"
    if fen:
        spoken += ("零" if spoken and not jiao else "") + cn2an.an2cn(str(fen)) + "分"
    return spoken


def _zh_date(match: re.Match) -> str:
    year = _digits(match["year"], "零一二三四五六七八九") + "年" if match["year"] else ""
    return year + cn2an.an2cn(match["month"]) + "月" + cn2an.an2cn(match["day"]) + match["suffix"]


def _zh_plain(match: re.Match) -> str:
    number = match[0]
    return _digits(number, _ZH_DIGITS) if len(number) >= 3 else cn2an.an2cn(number)


def spoken_chinese(text: str) -> str:
    text = _ZH_PRONOUN.sub("他", text)
    text = _ZH_MONEY.sub(_zh_money, text)
    text = _ZH_DATE.sub(_zh_date, text)
    text = _ZH_GROUPED.sub(lambda m: cn2an.an2cn(m[0].replace(",", "")), text)
    return _ZH_NUMBER.sub(_zh_plain, text)


def spoken(text: str, locale: str) -> str:
    return spoken_chinese(text) if locale.startswith("zh") else spoken_english(text)
