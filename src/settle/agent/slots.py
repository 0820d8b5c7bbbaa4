"""Slot extraction: the amounts, payment dates and identity answers in one borrower message.

Pure functions of the text and a few facts (locale, today, payday, stage), so the
policy, the guard and tests can use each on its own. Rules first; `cn2an` reads
Chinese numerals and `dateparser` reads English month-name and numeric dates.

The rules, and why:

* **Amounts need money context**: a currency sign or word (¥ 元 块, $ dollars bucks),
  a quantity word (百 千 万, hundred thousand grand, 1.5k), or a paying verb right
  before the number (还500, "pay 500"). Borrowers also say ID digits, days of the
  month, years and counts; without context those are not money. In the money
  stages the caller passes ``bare_numbers=True``: then a plain number of 32 or more
  left over after dates and identity answers counts too (1–31 may be a day).
  Approximations (几十块, 一千多) are not amounts. The first amount mentioned wins.
* **Dates are payment dates**, today or later, counted from ``today``. "Next
  Friday"/下周五 is the Friday of next calendar week (weeks start on Monday);
  "Friday"/周五 the coming one (today if today is Friday); a bare day of the
  month ("the 15th", 15号) the next time that day comes; 发工资那天/"on payday" the
  next payday of the case, or only a vague date if the case has none. A full date
  in the past is not a payment date. The first date mentioned wins.
* **Vague time words** ("soon", "in a few days", 过几天, 尽快, 最近, 下个月) set
  ``vague_date`` only when no date can be fixed.
* **Identity answers**: the ID's last four digits (a check letter X allowed) after a
  cue (后四位, 尾号, "last four", "ending in"); a date of birth is a full date at
  least 16 years back; a ZIP is 5 digits after "zip"/"postal code". During
  verification the cue may be missing: a message whose only number has 4 digits is
  the ID's last four, 5 digits a ZIP.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

import cn2an
import dateparser

from settle.agent.types import NLUContext, Slots, Stage

Language = Literal["zh", "en"]
Span = tuple[int, int]

MONEY_STAGES = frozenset({Stage.NEGOTIATION, Stage.COMMITMENT, Stage.CONFIRMATION})
MIN_BARE_AMOUNT = 32  # a bare 1–31 may be a day of the month
MIN_DOB_AGE_YEARS = 16
MAX_AMOUNT_DIGITS = 8  # longer digit runs are phone or ID numbers


def language_of(locale: str) -> Language:
    return "zh" if locale.lower().startswith("zh") else "en"


_CURLY_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """NFKC folds full-width digits, letters and punctuation (１２３４，：) into ASCII; curly
    quotes become straight ones, so "can’t" reads as "can't"."""
    return unicodedata.normalize("NFKC", text).translate(_CURLY_QUOTES)


# ---------------------------------------------------------------- numbers

_ZH_DIGIT_VALUES = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4,
                    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def zh_number(token: str) -> Decimal | None:
    """Read a Chinese, Arabic or mixed numeral (一千五, 1.5千, 三千二, 1,500) with cn2an."""
    token = token.replace(",", "")
    if not token:
        return None
    try:
        value = cn2an.cn2an(token, "smart")
    except (ValueError, KeyError, IndexError):
        return None
    try:
        return Decimal(str(value)).normalize()
    except InvalidOperation:
        return None


def _digits_of(token: str) -> str:
    """Spell a digit string that may use Chinese digit characters (幺三五七) in ASCII."""
    return "".join(str(_ZH_DIGIT_VALUES[c]) if c in _ZH_DIGIT_VALUES else c for c in token)


_EN_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_EN_TENS = {w: 10 * (i + 2) for i, w in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split())}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "grand": 1000}
_EN_WORD = "|".join([*_EN_UNITS, *_EN_TENS, "hundred", "thousand"])
_EN_WORD_NUMBER = re.compile(
    rf"\ban?\s+grand\b|\b(?:an?[\s-]+(?=hundred|thousand))?(?:{_EN_WORD})(?:(?:[\s-]+(?:and[\s-]+)?)(?:{_EN_WORD}))*\b",
    re.I,
)


def en_word_number(words: str) -> int | None:
    """"fifteen hundred" → 1500, "two thousand five hundred" → 2500, "a hundred" → 100."""
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", words.lower()):
        if word in ("a", "an"):
            current, seen = 1, True
        elif word == "and":
            continue
        elif word in _EN_UNITS:
            current, seen = current + _EN_UNITS[word], True
        elif word in _EN_TENS:
            current, seen = current + _EN_TENS[word], True
        elif word == "hundred":
            current, seen = max(current, 1) * 100, True
        elif word in ("thousand", "grand"):
            total, current, seen = total + max(current, 1) * 1000, 0, True
        else:
            return None
    return total + current if seen else None


# ---------------------------------------------------------------- amounts

_ZH_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万"
_ZH_NUMBER_TOKEN = re.compile(rf"[\d{_ZH_NUMERAL_CHARS}]+(?:[.,][\d{_ZH_NUMERAL_CHARS}]+)*")
_ZH_MONEY_AFTER = re.compile(r"\s*(?:块钱|块|元|圆|人民币|rmb|刀|美元|美金)", re.I)
_ZH_MONEY_BEFORE = re.compile(r"(?:[¥￥]|人民币|rmb)\s*$", re.I)
_ZH_NOT_MONEY_AFTER = re.compile(
    r"\s*(?:号|日|月|年|天|点|周|个|次|期|岁|位|分钟|小时|%|楼|层|星期|礼拜|口|人|家|张|笔|倍|成|条|多|几|来|余)")
_ZH_HAS_DIGIT = re.compile(r"[\d零〇一二两三四五六七八九十]")  # a lone 万 or 千 is not a number
_ZH_PAY_VERB_BEFORE = re.compile(
    r"(?:还|付|转|打|交|存|凑|给|充|拿出)(?:给?你们?|给?您|上|了|掉|个|先|出|到)?\s*$")
_ZH_MAGNITUDE = re.compile(r"[百千万]")
# 一块 before a verb, or 一块儿, is "together" ("下个月一块还"), not one yuan ("还一块")
_ZH_TOGETHER_AFTER_YI = re.compile(r"块(?:儿|(?:还|付|交|转|给|算|结|清|处理))")

_EN_NUMBER_END = r"(?:(?=[kK]\b)|(?!\w|[.,]\d))"  # "1.5k" ends at the k; "1,500" is one token
_EN_NUMBER_TOKEN = re.compile(
    rf"(?<![\w.,/])(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?{_EN_NUMBER_END}")
_EN_MONEY_AFTER = re.compile(r"\s*(?:dollars?|bucks|usd|grand\b|k\b)", re.I)
_EN_MONEY_BEFORE = re.compile(r"(?:\$|usd|us\$)\s*$", re.I)
_EN_NOT_MONEY_AFTER = re.compile(
    r"(?:\s*(?:st|nd|rd|th)\b|[/:]\d|\s*(?:days?|weeks?|months?|years?|hours?|minutes?|mins?|am|pm|a\.m|p\.m|"
    r"o'?clock|%|percent|times|loans?|cards?|kids?|children|people|installments?|payments?|lenders?|creditors?)\b)",
    re.I)
_EN_PAY_VERB_BEFORE = re.compile(
    r"\b(?:pay|paying|paid|send|sending|do|give|put|putting|transfer|make|afford|manage|cover|wire|deposit|offer|"
    r"come up with|scrape together|payment of)"
    r"(?:\s+(?:you|ya|y'all|about|around|like|maybe|only|just|at least|up to|me|down|in|over|another|an extra|extra))*"
    r"\s*\$?\s*$",
    re.I)


@dataclass(frozen=True)
class _Candidate:
    value: Decimal
    span: Span
    money_context: bool  # currency, quantity word or paying verb


def _zh_amount_candidates(text: str) -> Iterable[_Candidate]:
    for m in _ZH_NUMBER_TOKEN.finditer(text):
        token, start, end = m.group(), m.start(), m.end()
        before, after = text[:start], text[end:]
        if before.endswith("几") or not _ZH_HAS_DIGIT.search(token) or _ZH_NOT_MONEY_AFTER.match(after):
            continue
        if token == "一" and _ZH_TOGETHER_AFTER_YI.match(after):
            continue
        if token.isdigit() and (token.startswith("0") or len(token) > MAX_AMOUNT_DIGITS):
            continue  # ID-like or a phone number
        value = zh_number(token)
        if value is None or value <= 0:
            continue
        has_arabic = any(c.isdigit() for c in token)
        money = bool(
            _ZH_MONEY_AFTER.match(after)
            or _ZH_MONEY_BEFORE.search(before)
            or _ZH_MAGNITUDE.search(token)
            or (_ZH_PAY_VERB_BEFORE.search(before) and (has_arabic or "十" in token))
        )
        yield _Candidate(value, (start, end), money)


def _en_amount_candidates(text: str) -> Iterable[_Candidate]:
    found: list[_Candidate] = []
    for m in _EN_NUMBER_TOKEN.finditer(text):
        token, start, end = m.group(), m.start(), m.end()
        before, after = text[:start], text[end:]
        digits = token.replace(",", "")
        if _EN_NOT_MONEY_AFTER.match(after):
            continue
        if "." not in digits and (digits.startswith("0") or len(digits) > MAX_AMOUNT_DIGITS):
            continue
        value = Decimal(digits)
        suffix = re.match(r"\s*(k\b|grand\b)", after, re.I)
        if suffix:
            value *= 1000
            end += suffix.end()
        money = bool(suffix or _EN_MONEY_AFTER.match(after) or _EN_MONEY_BEFORE.search(before)
                     or _EN_PAY_VERB_BEFORE.search(before))
        if value > 0:
            found.append(_Candidate(value, (start, end), money))
    for m in _EN_WORD_NUMBER.finditer(text):
        before, after = text[:m.start()], text[m.end():]
        if _EN_NOT_MONEY_AFTER.match(after):
            continue
        number = en_word_number(m.group())
        if not number:
            continue
        value = Decimal(number)
        grand = re.match(r"[\s-]*grand\b", after, re.I)
        if grand:
            value *= 1000
        quantity = re.search(r"hundred|thousand|grand", m.group(), re.I) is not None
        money = bool(quantity or grand or _EN_MONEY_AFTER.match(after) or _EN_MONEY_BEFORE.search(before)
                     or _EN_PAY_VERB_BEFORE.search(before))
        found.append(_Candidate(value, m.span(), money))
    return sorted(found, key=lambda c: c.span)


def _find_amount(text: str, language: Language, bare_numbers: bool) -> tuple[Decimal, Span] | None:
    candidates = _zh_amount_candidates(text) if language == "zh" else _en_amount_candidates(text)
    for c in candidates:
        if c.money_context or (bare_numbers and c.value >= MIN_BARE_AMOUNT):
            return c.value, c.span
    return None


def parse_amount(text: str, locale: str, bare_numbers: bool = False) -> Decimal | None:
    """The first sum of money in `text` (see the module rules), or None."""
    found = _find_amount(normalise(text), language_of(locale), bare_numbers)
    return found[0] if found else None


_FULL_AMOUNT = {
    "zh": re.compile(r"全部|全额|全款|一次性(?:还|付|结)|(?<![没未不])(?:还清|结清|付清|还完)|全还|都还上"),
    "en": re.compile(
        r"\b(?:all of it|in full|(?:the )?(?:full|whole|entire|total) (?:amount|balance|thing|debt|sum)|"
        r"pay(?:ing)? (?:it|this|that|everything) off|pay(?:ing)? off (?:the|my) (?:whole |entire |full )?"
        r"(?:balance|loan|debt)|everything i owe|the whole lot|all at once|in one go|pay(?:ing)? (?:it )?all)\b",
        re.I),
}


def is_full_amount(text: str, locale: str) -> bool:
    """The borrower means the whole balance: 全部/全额/还清, "all of it", "in full"."""
    return _FULL_AMOUNT[language_of(locale)].search(normalise(text)) is not None


# ---------------------------------------------------------------- dates

def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _month_length(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def next_day_of_month(today: dt.date, day: int) -> dt.date | None:
    """The next date on or after `today` whose day of the month is `day`."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(3):  # every day 1–31 occurs within three months
        if day <= _month_length(year, month) and (found := dt.date(year, month, day)) >= today:
            return found
        year, month = _add_months(year, month, 1)
    return None


def _day_in_month(today: dt.date, month_offset: int, day: int) -> dt.date | None:
    """Day `day` of the month `month_offset` months from today, clamped to its last day."""
    if not 1 <= day <= 31:
        return None
    year, month = _add_months(today.year, today.month, month_offset)
    return dt.date(year, month, min(day, _month_length(year, month)))


def _month_end(today: dt.date, month_offset: int) -> dt.date:
    year, month = _add_months(today.year, today.month, month_offset)
    return dt.date(year, month, _month_length(year, month))


def _next_month_day(today: dt.date, month: int, day: int) -> dt.date | None:
    """Month and day without a year: this year's, or next year's once it has passed."""
    for year in (today.year, today.year + 1):
        try:
            found = dt.date(year, month, day)
        except ValueError:
            return None
        if found >= today:
            return found
    return None


def _weekday(today: dt.date, weekday: int, weeks_ahead: int) -> dt.date:
    """`weeks_ahead` 0: the coming `weekday` (today counts); 1: that day in next calendar week."""
    if weeks_ahead == 0:
        return today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    monday = today - dt.timedelta(days=today.weekday())
    return monday + dt.timedelta(weeks=weeks_ahead, days=weekday)


@dataclass(frozen=True)
class DateMention:
    date: dt.date | None
    vague: bool
    span: Span | None = None


Resolver = Callable[[re.Match[str], dt.date, int | None], dt.date | None]

_PAYDAY = {
    "zh": re.compile(r"发工资|发薪|开工资|领工资|工资到账|工资下来|出粮|工资发了|工资一发"),
    "en": re.compile(r"\b(?:pay ?day|when i get paid|when i get my (?:pay)?check|when my (?:pay)?check "
                     r"(?:comes in|clears|hits)|(?:my )?next pay ?check)\b", re.I),
}


def _zh_int(token: str) -> int | None:
    value = zh_number(token)
    return int(value) if value is not None and value == int(value) else None


_ZH_SMALL = r"[\d零〇一二两三四五六七八九十]{1,3}"
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
                "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_ZH_DAY_OFFSETS = {"大后天": 3, "后天": 2, "明天": 1, "明儿": 1, "明日": 1, "明早": 1, "明晚": 1,
                   "今天": 0, "今儿": 0, "今日": 0, "今晚": 0, "当天": 0, "马上": 0, "立刻": 0,
                   "立即": 0, "现在就": 0}
_MONTH_OFFSETS = {"下": 1, "这": 0, "本": 0}


def _zh_month_day(m: re.Match[str], today: dt.date, _payday: int | None) -> dt.date | None:
    month, day = _zh_int(m["month"]), _zh_int(m["day"])
    if month is None or day is None or not 1 <= month <= 12:
        return None
    if m["year"]:
        try:
            found = dt.date(int(m["year"]), month, day)
        except ValueError:
            return None
        return found if found >= today else None
    return _next_month_day(today, month, day)


def _zh_relative_month_day(m: re.Match[str], today: dt.date, _payday: int | None) -> dt.date | None:
    day = _zh_int(m["day"])
    return _day_in_month(today, _MONTH_OFFSETS[m["which"]], day) if day else None


def _zh_day_of_month(m: re.Match[str], today: dt.date, _payday: int | None) -> dt.date | None:
    day = _zh_int(m["day"])
    return next_day_of_month(today, day) if day else None


def _zh_weekday(m: re.Match[str], today: dt.date, _payday: int | None) -> dt.date:
    return _weekday(today, _ZH_WEEKDAYS[m["day"]], (m["which"] or "").count("下"))


def _zh_month_end(m: re.Match[str], today: dt.date, _payday: int | None) -> dt.date:
    return _month_end(today, 1 if m["which"].startswith("下") else 0)


def _payday_date(_m: re.Match[str], today: dt.date, payday: int | None) -> dt.date | None:
    return next_day_of_month(today, payday) if payday else None


def _zh_days_ahead(m: re.Match[str], today: dt.date, _payday: int | None) -> dt.date | None:
    count = _zh_int(m["count"])
    if count is None:
        return None
    return today + dt.timedelta(days=count * (1 if m["unit"] == "天" else 7))


_ZH_DATES: list[tuple[re.Pattern[str], Resolver]] = [
    (re.compile(rf"(?:(?P<year>\d{{4}})年)?(?P<month>{_ZH_SMALL})月(?P<day>{_ZH_SMALL})[日号]"), _zh_month_day),
    (re.compile(rf"(?P<which>下|这|本)个?月(?P<day>{_ZH_SMALL})[日号]"), _zh_relative_month_day),
    (re.compile(rf"(?<![\d{_ZH_NUMERAL_CHARS}月])(?P<day>{_ZH_SMALL})[日号](?![码线楼房院床])"), _zh_day_of_month),
    (re.compile("|".join(_ZH_DAY_OFFSETS)),
     lambda m, today, _p: today + dt.timedelta(days=_ZH_DAY_OFFSETS[m.group()])),
    (re.compile(r"(?P<which>下下|下|这|本)?个?(?:周|星期|礼拜)(?P<day>[一二三四五六日天1-7末])"), _zh_weekday),
    (re.compile(r"(?P<which>下个?月|这个?月|本月|月)[底末]"), _zh_month_end),
    (re.compile(r"年[底末]"), lambda _m, today, _p: dt.date(today.year, 12, 31)),
    (_PAYDAY["zh"], _payday_date),
    (re.compile(rf"(?P<count>{_ZH_SMALL})个?(?P<unit>天|周|星期|礼拜)(?:之?[内后]|以[内后])"), _zh_days_ahead),
]
_ZH_VAGUE = re.compile(
    r"过几天|过两天|过一阵|过阵子|过段时间|过些天|过些日子|尽快|尽早|最近|这几天|近期|改天|回头|晚些时候|早点|以后|"
    r"下个?周|下个?星期|下个?礼拜|下个?月|月初|月中|年前|年后|有钱了|等有钱|到时候|几天[内后]")

_EN_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_EN_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
              "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec")
_EN_ORDINAL_WORDS: dict[str, int] = {
    w: i + 1 for i, w in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
        "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split())}
_EN_ORDINAL_WORDS |= {f"twenty-{w}": 20 + i for w, i in list(_EN_ORDINAL_WORDS.items())[:9]}
_EN_ORDINAL_WORDS |= {"thirtieth": 30, "thirty-first": 31}
_EN_ORDINAL = "|".join(sorted(_EN_ORDINAL_WORDS, key=len, reverse=True)).replace("-", "[- ]")
_EN_MONTH_REF = r"(?:\s+of\s+(?P<month_ref>next month|this month|the month))?"
_EN_DAY_OFFSETS = {"the day after tomorrow": 2, "day after tomorrow": 2, "tomorrow": 1, "tmrw": 1, "tmr": 1,
                   "today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
                   "right now": 0, "right away": 0, "immediately": 0}


def _dateparser_settings(today: dt.date, prefer: str) -> dict[str, object]:
    return {"PREFER_DATES_FROM": prefer, "RELATIVE_BASE": dt.datetime.combine(today, dt.time()),
            "DATE_ORDER": "MDY", "REQUIRE_PARTS": ["day", "month"], "RETURN_AS_TIMEZONE_AWARE": False}


def _read_en_date(span: str, today: dt.date, prefer: str = "future") -> tuple[dt.date, bool] | None:
    """(date, year given) for an English month-name or numeric date, read by dateparser."""
    parsed = dateparser.parse(span, languages=["en"], settings=_dateparser_settings(today, prefer))
    if parsed is None:
        return None
    return parsed.date(), re.search(r"\d{4}|\d+/\d+/\d+", span) is not None


def _en_calendar_date(m: re.Match[str], today: dt.date, _payday: int | None) -> dt.date | None:
    read = _read_en_date(m.group(), today)
    if read is None:
        return None
    date, year_given = read
    if year_given:
        return date if date >= today else None
    return _next_month_day(today, date.month, date.day)


def _en_day_of_month(m: re.Match[str], today: dt.date, _payday: int | None) -> dt.date | None:
    day = int(m["day"]) if m["day"].isdigit() else _EN_ORDINAL_WORDS[re.sub(r"\s", "-", m["day"].lower())]
    month_ref = (m["month_ref"] or "").lower()
    if month_ref == "next month":
        return _day_in_month(today, 1, day)
    return next_day_of_month(today, day)


def _en_weekday(m: re.Match[str], today: dt.date, _payday: int | None) -> dt.date:
    weeks_ahead = 1 if (m["which"] or "").lower() == "next" else 0
    return _weekday(today, _EN_WEEKDAYS[m["day"].lower()], weeks_ahead)


def _en_days_ahead(m: re.Match[str], today: dt.date, _payday: int | None) -> dt.date | None:
    count = int(m["count"]) if m["count"].isdigit() else en_word_number(m["count"])
    if count is None:
        return None
    return today + dt.timedelta(days=count * (7 if m["unit"].lower().startswith("week") else 1))


_EN_DATES: list[tuple[re.Pattern[str], Resolver]] = [
    (re.compile(rf"\b(?:{_EN_MONTHS})\b\.?\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?", re.I),
     _en_calendar_date),
    (re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_EN_MONTHS})\b\.?(?:,?\s+\d{{4}}\b)?", re.I),
     _en_calendar_date),
    (re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}(?:/(?:\d{4}|\d{2}))?(?![\d/])"), _en_calendar_date),
    (re.compile(rf"\b(?:on|by|before|until|till|after)\s+the\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b{_EN_MONTH_REF}",
                re.I), _en_day_of_month),
    (re.compile(rf"\b(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)\b{_EN_MONTH_REF}", re.I), _en_day_of_month),
    (re.compile(rf"\b(?:on|by|before|until|till|after)\s+the\s+(?P<day>{_EN_ORDINAL})\b{_EN_MONTH_REF}", re.I),
     _en_day_of_month),
    (re.compile("|".join(rf"\b{k}\b" for k in _EN_DAY_OFFSETS), re.I),
     lambda m, today, _p: today + dt.timedelta(days=_EN_DAY_OFFSETS[m.group().lower()])),
    (re.compile(r"\b(?:(?P<which>next|this coming|this|coming)\s+)?(?P<day>monday|tuesday|wednesday|thursday|"
                r"friday|saturday|sunday)\b", re.I), _en_weekday),
    (re.compile(r"\b(?P<which>next|this)?\s*weekend\b", re.I),
     lambda m, today, _p: _weekday(today, 5, 1 if (m["which"] or "").lower() == "next" else 0)),
    (re.compile(r"\bend of next month\b", re.I), lambda _m, today, _p: _month_end(today, 1)),
    (re.compile(r"\b(?:end of (?:the |this )?month|month'?s? end)\b", re.I),
     lambda _m, today, _p: _month_end(today, 0)),
    (re.compile(r"\bend of (?:the |this )?year\b", re.I), lambda _m, today, _p: dt.date(today.year, 12, 31)),
    (_PAYDAY["en"], _payday_date),
    (re.compile(rf"\b(?:in|within)\s+(?P<count>\d+|an?|{_EN_WORD})\s+(?P<unit>days?|weeks?)\b", re.I),
     _en_days_ahead),
    (re.compile(r"\ba week from (?:today|now)\b", re.I), lambda _m, today, _p: today + dt.timedelta(days=7)),
]
_EN_VAGUE = re.compile(
    r"\b(?:soon|asap|as soon as (?:i can|possible|i'm able)|in a (?:few|couple(?: of)?) (?:days|weeks)|"
    r"a couple (?:of )?days|a few days|sometime|some time|next week|next month|later this (?:week|month)|"
    r"when i can|when i have (?:the )?money|one of these days|shortly|in a while|eventually|before long|"
    r"in the coming days|at some point)\b", re.I)

_DATE_RULES = {"zh": _ZH_DATES, "en": _EN_DATES}
_VAGUE = {"zh": _ZH_VAGUE, "en": _EN_VAGUE}


def _find_date(text: str, language: Language, today: dt.date, payday: int | None) -> DateMention:
    mentions: list[tuple[int, int, dt.date]] = []
    for pattern, resolve in _DATE_RULES[language]:
        for m in pattern.finditer(text):
            date = resolve(m, today, payday)
            if date is not None:
                mentions.append((m.start(), -m.end(), date))
    if mentions:
        start, neg_end, date = min(mentions)
        return DateMention(date, False, (start, -neg_end))
    # a payday phrase without a known payday still means a time, just not a fixed one
    vague = _VAGUE[language].search(text) is not None or _PAYDAY[language].search(text) is not None
    return DateMention(None, vague)


def parse_date(text: str, locale: str, today: dt.date, payday: int | None = None) -> DateMention:
    """The first payment date in `text`, or whether a vague time was meant (see the module rules)."""
    return _find_date(normalise(text), language_of(locale), today, payday)


# ---------------------------------------------------------------- identity answers

# 死 (sǐ) is how speech-to-text often writes a spoken 四 (sì) in a run of digits ("一二三死")
_ZH_ASR_DIGITS = {"死": "四"}
_ZH_ID_DIGIT = "0-9零〇一二三四五六七八九幺" + "".join(_ZH_ASR_DIGITS)
_ID_LAST4 = {
    "zh": re.compile(
        # a transcript may put a comma inside the cue ("身份证后，四位是")
        rf"(?:后[,，]?四位|后4位|末四位|末4位|最后四位|最后4位|尾号|尾数|末尾四位|后面四位)(?:数字|号码|数)?"
        rf"(?:是|为|:)?\s*(?P<id>[{_ZH_ID_DIGIT}]{{3}}[{_ZH_ID_DIGIT}Xx])(?![\d{_ZH_ID_DIGIT}])"),
    "en": re.compile(
        r"(?:last\s+(?:four|4)(?:\s+digits)?(?:\s+of\s+(?:my\s+)?(?:ssn|social(?:\s+security(?:\s+number)?)?|id|"
        r"account(?:\s+number)?))?|(?:ssn|social(?:\s+security(?:\s+number)?)?)\s+(?:ends?|ending)\s+(?:in|with)|"
        r"end(?:s|ing)\s+(?:in|with))\s*(?:is|are|'s|:|,|-)?\s*(?P<id>\d(?:[\s-]?\d){2}[\s-]?[\dXx])(?![\w])",
        re.I),
}
_ZIP = re.compile(r"\b(?:zip(?:\s*code)?|zipcode|postal\s+code|post\s*code)\s*(?:is|:|-)?\s*(?P<zip>\d{5})(?:-\d{4})?\b",
                  re.I)
_DIGIT_RUN = re.compile(r"(?<![\dA-Za-z])\d{3,}[Xx]?(?:-\d{4})?(?![\dA-Za-z])")


def _find_id_last4(text: str, language: Language) -> tuple[str, Span] | None:
    m = _ID_LAST4[language].search(text)
    if m is None:
        return None
    spoken = "".join(_ZH_ASR_DIGITS.get(c, c) for c in m["id"])
    return re.sub(r"[\s-]", "", _digits_of(spoken)).upper(), m.span()


def parse_id_last4(text: str, locale: str) -> str | None:
    """The ID's last four digits after a cue (后四位1234, 尾号123X, "last four are 1234")."""
    found = _find_id_last4(normalise(text), language_of(locale))
    return found[0] if found else None


def parse_zip(text: str) -> str | None:
    """A US ZIP after a cue ("zip is 10001", "postal code 30301")."""
    m = _ZIP.search(normalise(text))
    return m["zip"] if m else None


_ZH_DOB = re.compile(rf"(?P<year>\d{{4}}|[零〇一二三四五六七八九]{{4}})年(?P<month>{_ZH_SMALL})月(?P<day>{_ZH_SMALL})[日号]?")
_ISO_DATE = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d{2})[-./](?P<month>\d{1,2})[-./](?P<day>\d{1,2})(?!\d)")
_EN_FULL_DATE = [
    re.compile(rf"\b(?:{_EN_MONTHS})\b\.?\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.I),
    re.compile(rf"\b(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_EN_MONTHS})\b\.?,?\s+\d{{4}}\b", re.I),
    re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}/\d{4}(?![\d/])"),
]


def _is_birth_date(date: dt.date, today: dt.date) -> bool:
    try:
        latest = today.replace(year=today.year - MIN_DOB_AGE_YEARS)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year - MIN_DOB_AGE_YEARS, day=28)
    return dt.date(today.year - 120, 1, 1) <= date <= latest


def _find_dob(text: str, language: Language, today: dt.date) -> tuple[dt.date, Span] | None:
    found: list[tuple[Span, dt.date]] = []
    for m in [*_ZH_DOB.finditer(text), *_ISO_DATE.finditer(text)]:
        year, month, day = _zh_int(_digits_of(m["year"])), _zh_int(m["month"]), _zh_int(m["day"])
        if year is None or month is None or day is None:
            continue
        try:
            found.append((m.span(), dt.date(year, month, day)))
        except ValueError:
            continue
    if language == "en":
        for pattern in _EN_FULL_DATE:
            for m in pattern.finditer(text):
                read = _read_en_date(m.group(), today, prefer="past")
                if read is not None:
                    found.append((m.span(), read[0]))
    births = sorted((span, date) for span, date in found if _is_birth_date(date, today))
    return (births[0][1], births[0][0]) if births else None


def parse_dob(text: str, locale: str, today: dt.date) -> dt.date | None:
    """A date of birth: a full date (1990年3月5日, March 5, 1990, 03/05/1990) at least 16 years back."""
    found = _find_dob(normalise(text), language_of(locale), today)
    return found[0] if found else None


def _bare_identity(text: str) -> tuple[str | None, str | None]:
    """During verification: the message's only number, as ID last four (4) or ZIP (5)."""
    runs = _DIGIT_RUN.findall(text)
    if len(runs) != 1:
        return None, None
    run = runs[0].upper()
    if re.fullmatch(r"\d{3}[\dX]", run):
        return run, None
    if re.fullmatch(r"\d{5}(?:-\d{4})?", run):
        return None, run[:5]
    return None, None


# ---------------------------------------------------------------- all together

def _blank(text: str, span: Span | None) -> str:
    """Blank out a span already understood, keeping offsets, so later rules don't reread it."""
    if span is None:
        return text
    start, end = span
    return text[:start] + " " * (end - start) + text[end:]


def extract_slots(text: str, ctx: NLUContext) -> Slots:
    """Every slot in one message. Identity answers are read first, then dates, then amounts, each
    blanked out once read, so a birth year, ID digits or a day of the month never becomes money."""
    language = language_of(ctx.locale)
    rest = normalise(text)

    dob_found = _find_dob(rest, language, ctx.today)
    rest = _blank(rest, dob_found[1] if dob_found else None)
    id_found = _find_id_last4(rest, language)
    rest = _blank(rest, id_found[1] if id_found else None)
    zip_match = _ZIP.search(rest)
    rest = _blank(rest, zip_match.span() if zip_match else None)
    id_last4, zip_code = id_found[0] if id_found else None, zip_match["zip"] if zip_match else None
    if ctx.stage is Stage.VERIFICATION and not (id_last4 or zip_code or dob_found):
        id_last4, zip_code = _bare_identity(rest)
        if id_last4 or zip_code:
            rest = ""

    date = _find_date(rest, language, ctx.today, ctx.payday)
    rest = _blank(rest, date.span)
    amount = _find_amount(rest, language, bare_numbers=ctx.stage in MONEY_STAGES)

    return Slots(
        amount=amount[0] if amount else None,
        date=date.date,
        vague_date=date.vague,
        id_last4=id_last4,
        dob=dob_found[0] if dob_found else None,
        zip=zip_code,
        full_amount=is_full_amount(text, ctx.locale),
    )


def warm_up() -> None:
    """dateparser loads its English data on first use (~150 ms); do it at start-up, not mid-call."""
    _read_en_date("March 6", dt.date(2000, 1, 1))
