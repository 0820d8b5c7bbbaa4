"""Amounts and calendar dates stated in a draft, to hold against the case record.

Only figures marked as money count as amounts (¥/元/块/人民币, $/dollars), so
phone numbers, day counts and percentages are left alone. Dates are calendar
dates ("6月15日", "May 1, 2025", "5/1"); relative ones ("tomorrow") are not facts
of the case and are judged by the lexicon instead.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an


@dataclass(frozen=True)
class Amount:
    value: Decimal
    span: tuple[int, int]


@dataclass(frozen=True)
class StatedDate:
    month: int
    day: int
    year: int | None
    span: tuple[int, int]

    def matches(self, day: dt.date) -> bool:
        return (self.month, self.day) == (day.month, day.day) and self.year in (None, day.year)


_NUMBER = r"[0-9][0-9,]*(?:\.[0-9]+)?"
_CN_NUMBER = r"[零一二两三四五六七八九十百千万亿点]+"
_ZH_AMOUNTS = (
    re.compile(rf"(?:¥|人民币)\s*(?P<n>{_NUMBER})(?P<wan>\s*万)?"),
    re.compile(rf"(?P<n>{_NUMBER})(?P<wan>\s*万)?\s*(?:元|块|人民币)"),
    re.compile(rf"(?P<cn>{_CN_NUMBER})\s*(?:元|块)"),
)
_EN_AMOUNTS = (
    re.compile(rf"\$\s*(?P<n>{_NUMBER})"),
    re.compile(rf"(?P<n>{_NUMBER})\s*(?:dollars|usd|bucks)\b"),
)

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_NAME = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_EN_DATES = (
    re.compile(rf"\b{_MONTH_NAME}\s+(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>[0-9]{{4}}))?"),
    re.compile(rf"\b(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_NAME}\b(?:,?\s+(?P<y>[0-9]{{4}}))?"),
    re.compile(r"(?<![0-9/])(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})(?:/(?P<y>[0-9]{4}|[0-9]{2}))?(?![0-9/])"),
)
_ZH_DATE = re.compile(
    r"(?:(?P<y>[0-9]{4})\s*年\s*)?(?P<m>[0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*"
    r"(?P<d>[0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*(?:日|号)"
)


def _decimal(figure: str) -> Decimal | None:
    try:
        return Decimal(figure.replace(",", ""))
    except InvalidOperation:
        return None


def _chinese_number(figure: str) -> Decimal | None:
    try:
        return Decimal(str(cn2an.cn2an(figure, "smart")))
    except (ValueError, KeyError, IndexError, InvalidOperation):
        return None


def amounts(norm: str, locale: str) -> list[Amount]:
    """Money figures in a normalised draft, each once, in order."""
    found: dict[tuple[int, int], Amount] = {}
    patterns = _ZH_AMOUNTS if locale == "zh-CN" else _EN_AMOUNTS
    for pattern in patterns:
        for match in pattern.finditer(norm):
            groups = match.groupdict()
            if groups.get("cn"):
                value = _chinese_number(groups["cn"])
            else:
                value = _decimal(groups["n"])
                if value is not None and groups.get("wan"):
                    value *= 10000
            span = (match.start(), match.end())
            if value is not None and not any(_overlaps(span, other) for other in found):
                found[span] = Amount(value, span)
    return sorted(found.values(), key=lambda amount: amount.span)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _int(figure: str) -> int | None:
    if figure.isdigit():
        return int(figure)
    value = _chinese_number(figure)
    return int(value) if value is not None else None


def dates(norm: str, locale: str) -> list[StatedDate]:
    """Calendar dates (day and month, maybe year) in a normalised draft."""
    found: list[StatedDate] = []
    patterns = (_ZH_DATE,) if locale == "zh-CN" else _EN_DATES
    for pattern in patterns:
        for match in pattern.finditer(norm):
            groups = match.groupdict()
            month = _MONTHS[groups["mon"][:3]] if groups.get("mon") else _int(groups["m"])
            day = _int(groups["d"])
            year = int(groups["y"]) if groups.get("y") else None
            if year is not None and year < 100:
                year += 2000
            span = (match.start(), match.end())
            if month and day and 1 <= month <= 12 and 1 <= day <= 31 and not any(_overlaps(span, d.span) for d in found):
                found.append(StatedDate(month, day, year, span))
    return sorted(found, key=lambda stated: stated.span)
