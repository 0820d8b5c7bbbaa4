"""The parts of a scenario that depend on the run: dates, case facts, verbatim notices.

Suites say `due_date: -12d`, "I'll pay on {date:+3d}", `date: next friday`,
`{notice:ai_disclosure}` or `{amount_due}`; they are resolved for each run
against the case's local today, so a suite written once never rots.
"""
from __future__ import annotations

import calendar
import copy
import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from settle.prompts import load_flow, load_script

WEEKDAYS = {name.lower(): index for index, name in enumerate(calendar.day_name)}
_DATE_EXPR = re.compile(
    r"^(?:(?P<named>today|tomorrow|payday)|(?P<offset>[+-]\d+)(?P<unit>[dw])|(?P<next>next\s+)?(?P<weekday>"
    + "|".join(WEEKDAYS)
    + r")|(?P<iso>\d{4}-\d{2}-\d{2}))$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"\{(?P<name>[a-z_0-9]+)(?::(?P<arg>[^{}]+))?\}")


class ExpressionError(ValueError):
    """A date expression or placeholder a suite uses that cannot be resolved."""


def resolve_date(expr: str, today: dt.date, payday: int | None = None) -> dt.date:
    """`today`, `tomorrow`, `+3d`, `-12d`, `+2w`, an ISO date, `friday` (the coming one,
    today counts), `next friday` (that day in next calendar week, weeks starting on
    Monday, as 下周五 is read), `payday` (the case's next payday, today counts)."""
    match = _DATE_EXPR.match(expr.strip())
    if match is None:
        raise ExpressionError(f"unknown date expression {expr!r}")
    if match["iso"]:
        return dt.date.fromisoformat(match["iso"])
    if match["offset"]:
        days = int(match["offset"]) * (7 if match["unit"].lower() == "w" else 1)
        return today + dt.timedelta(days=days)
    if match["weekday"]:
        weekday = WEEKDAYS[match["weekday"].lower()]
        if match["next"]:
            monday = today - dt.timedelta(days=today.weekday())
            return monday + dt.timedelta(weeks=1, days=weekday)
        return today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    named = match["named"].lower()
    if named == "payday":
        if payday is None:
            raise ExpressionError("`payday` needs a case with a payday")
        return next_day_of_month(today, payday)
    return today + dt.timedelta(days=1 if named == "tomorrow" else 0)


def next_day_of_month(today: dt.date, day: int) -> dt.date:
    """The first date on or after `today` falling on `day` (months too short are skipped)."""
    year, month = today.year, today.month
    while True:
        if day <= calendar.monthrange(year, month)[1] and dt.date(year, month, day) >= today:
            return dt.date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def borrower_date(day: dt.date, locale: str) -> str:
    """A date the way a borrower types it: 12月4号 / December 4."""
    return f"{day.month}月{day.day}号" if locale == "zh-CN" else f"{day:%B} {day.day}"


def agent_dates(day: dt.date, locale: str) -> tuple[str, ...]:
    """Ways the agent may write a date; a phrase matches any of them."""
    if locale == "zh-CN":
        return (f"{day.month}月{day.day}日", f"{day.month}月{day.day}号")
    return (f"{day:%B} {day.day}", f"{day:%b} {day.day}", f"{day.month}/{day.day}")


def money_forms(amount: Decimal) -> tuple[str, ...]:
    """3200 → 3,200 and 3200; 1250.50 → 1,250.50 and 1250.50 (currency marks vary by locale)."""
    if amount == amount.to_integral_value():
        whole = int(amount)
        return (f"{whole:,}", str(whole))
    return (f"{amount:,.2f}", f"{amount:.2f}")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def build_case(fields: Mapping[str, Any], today: dt.date, external_ref: str) -> dict[str, Any]:
    """A `POST /v1/cases` body: `due_date` may be a date expression, `payday` a day or one too."""
    body = deep_merge(fields, {"external_ref": external_ref})
    body["due_date"] = resolve_date(str(body["due_date"]), today).isoformat()
    if isinstance(body.get("payday"), str):
        body["payday"] = resolve_date(body["payday"], today).day
    return body


@dataclass(frozen=True)
class Phrase:
    """Something said or not said: matched if any of its forms appears in a message."""

    label: str
    forms: tuple[str, ...]

    def found_in(self, text: str) -> str | None:
        folded = _fold(text)
        for form in self.forms:
            if _pattern(_fold(form)).search(folded):
                return form
        return None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _pattern(form: str) -> re.Pattern[str]:
    """Substring match, but Latin words and numbers only whole: "owe" is not in "however"."""
    head = r"(?<![a-z0-9])" if form[:1].isascii() and form[:1].isalnum() else ""
    tail = r"(?![a-z0-9])" if form[-1:].isascii() and form[-1:].isalnum() else ""
    return re.compile(head + re.escape(form) + tail)


@dataclass(frozen=True)
class RunContext:
    """One scenario run's facts: its locale, the case as filed and the case's today."""

    locale: str
    today: dt.date
    case: Mapping[str, Any]
    phrase_sets: Mapping[str, Mapping[str, list[str]]]

    def date(self, expr: str) -> dt.date:
        return resolve_date(expr, self.today, self.case.get("payday"))

    def fill(self, line: str) -> str:
        """A borrower line with its placeholders filled: {date:+3d} {dob} {id_last4} {zip} {debtor_name}."""
        return _PLACEHOLDER.sub(lambda m: self._borrower_value(m["name"], m["arg"]), line)

    def _borrower_value(self, name: str, arg: str | None) -> str:
        verification = self.case["debtor"]["verification"]
        if name == "date" and arg:
            return borrower_date(self.date(arg), self.locale)
        if name == "dob" and verification.get("dob"):
            dob = dt.date.fromisoformat(str(verification["dob"]))
            return f"{dob.year}年{dob.month}月{dob.day}日" if self.locale == "zh-CN" else f"{dob:%B} {dob.day}, {dob.year}"
        if name in ("id_last4", "zip") and verification.get(name):
            return str(verification[name])
        if name == "debtor_name":
            return str(self.case["debtor"]["name"])
        raise ExpressionError(f"no value for {{{name}{':' + arg if arg else ''}}} in a borrower line of this case")

    def phrases(self, items: list[str]) -> list[Phrase]:
        """Expectation phrases: `@set` names a phrase set; placeholders become every form they may take."""
        phrases: list[Phrase] = []
        for item in items:
            if item.startswith("@"):
                sets = self.phrase_sets.get(item[1:])
                if sets is None or self.locale not in sets:
                    raise ExpressionError(f"no phrase set {item!r} for {self.locale}")
                phrases.extend(Phrase(f"{item}: {text}", (text,)) for text in sets[self.locale])
            elif item == "{policy_notices}":
                notices = load_script(self.locale)["notices"]
                names = load_flow()["notices_by_policy"][self.case["policy"]]
                phrases.extend(Phrase(f"notice {name}", (notices[name],)) for name in names)
            else:
                phrases.append(Phrase(item, self._forms(item)))
        return phrases

    def _forms(self, template: str) -> tuple[str, ...]:
        pieces: list[tuple[str, ...]] = []
        position = 0
        for m in _PLACEHOLDER.finditer(template):
            pieces.append((template[position : m.start()],))
            pieces.append(self._agent_forms(m["name"], m["arg"]))
            position = m.end()
        pieces.append((template[position:],))
        return tuple("".join(parts) for parts in itertools.product(*pieces))

    def _agent_forms(self, name: str, arg: str | None) -> tuple[str, ...]:
        if name == "notice" and arg:
            notices = load_script(self.locale)["notices"]
            if arg not in notices:
                raise ExpressionError(f"no notice {arg!r} in the {self.locale} script")
            return (notices[arg],)
        if name in ("amount_due", "min_payment"):
            return money_forms(Decimal(str(self.case[name])))
        if name == "amount" and arg:
            return money_forms(Decimal(arg))
        if name == "date" and arg:
            return agent_dates(self.date(arg), self.locale)
        if name in ("creditor", "agent_name"):
            return (str(self.case[name]),)
        if name == "debtor_name":
            return (str(self.case["debtor"]["name"]),)
        raise ExpressionError(f"unknown placeholder {{{name}{':' + arg if arg else ''}}}")

