"""NLG: turns a policy decision (`Say`) into the vetted text of a script line.

Lines and notices come verbatim from `prompts/<locale>/script.yaml`; this module
only fills in case facts, formatted for the locale. A later LLM phraser rewords
the vetted line; the vetted line stays the fallback the guard falls back to.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jinja2

from settle.agent.types import CaseFacts, Draft
from settle.prompts import load_flow, load_script


@dataclass(frozen=True)
class Say:
    """One script line the policy wants said, with values beyond the case record."""

    step: str
    params: Mapping[str, Any] = field(default_factory=dict)


def tone_for(days_past_due: int) -> str:
    """The seeds' tone bucket for a number of days past due."""
    for bucket in load_flow()["tone_by_days_past_due"]:
        if bucket["up_to"] is None or days_past_due <= bucket["up_to"]:
            return bucket["tone"]
    raise ValueError("tone_by_days_past_due must end with an open bucket")


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    number = f"{amount:,.2f}"
    if locale == "zh-CN":
        return f"{number}元" if currency == "CNY" else f"{number} {currency}"
    return f"${number}" if currency == "USD" else f"{number} {currency}"


def format_date(day: dt.date, locale: str) -> str:
    if locale == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day:%B} {day.day}, {day.year}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class TemplateNLG:
    """Renders script lines for one locale; compiled templates are cached."""

    def __init__(self) -> None:
        self._env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
        self._compiled: dict[str, jinja2.Template] = {}

    def render(self, say: Say, case: CaseFacts, locale: str, today: dt.date) -> Draft:
        script = load_script(locale)
        values = self._values(case, locale, today, say.params)
        tone = tone_for(case.days_past_due(today))
        text, mandatory = self._line(say.step, script, values, tone, case.policy)
        return Draft(text=text, step=say.step, fallback=text, mandatory=mandatory)

    def _line(self, step: str, script: Mapping, values: dict, tone: str, policy: str) -> tuple[str, bool]:
        try:
            line = script["lines"][step]
        except KeyError:
            raise KeyError(f"no line {step!r} in the script") from None
        if isinstance(line, Mapping):  # variants by tone
            line = line[tone]
        parts = line if isinstance(line, list) else [line]
        texts: list[str] = []
        mandatory = False
        for part in parts:
            if isinstance(part, str):
                texts.append(self._fill(part, values))
            elif "notice" in part:
                texts.append(script["notices"][part["notice"]])
                mandatory = True
            elif "policy_notices" in part:
                texts.extend(script["notices"][name] for name in load_flow()["notices_by_policy"][policy])
                mandatory = True
            elif "line" in part:
                text, inner_mandatory = self._line(part["line"], script, values, tone, policy)
                texts.append(text)
                mandatory = mandatory or inner_mandatory
            else:
                raise ValueError(f"unknown part {part!r} in line {step!r}")
        return _join(texts), mandatory

    def _fill(self, template: str, values: dict) -> str:
        compiled = self._compiled.get(template)
        if compiled is None:
            compiled = self._compiled[template] = self._env.from_string(template)
        return compiled.render(values)

    @staticmethod
    def _values(case: CaseFacts, locale: str, today: dt.date, params: Mapping[str, Any]) -> dict:
        separator = "或" if locale == "zh-CN" else " or "
        values: dict[str, Any] = {
            "agent_name": case.agent_name,
            "creditor": case.creditor,
            "debtor_name": case.debtor_name,
            "amount_due": format_money(case.amount_due, case.currency, locale),
            "min_payment": format_money(case.min_payment, case.currency, locale),
            "due_date": format_date(case.due_date, locale),
            "days_overdue": case.days_past_due(today),
            "channels": separator.join(case.payment_channels),
            "payday": case.payday,
            "payday_ordinal": ordinal(case.payday) if case.payday else None,
        }
        for key, value in params.items():
            if isinstance(value, Decimal):
                value = format_money(value, case.currency, locale)
            elif isinstance(value, dt.date):
                value = format_date(value, locale)
            values[key] = value
        return values


def _join(texts: list[str]) -> str:
    """Chinese sentences abut; English ones take a space."""
    out = ""
    for text in texts:
        if out and not _is_cjk(out[-1]) and not _is_cjk(text[:1] or " "):
            out += " "
        out += text
    return out


def _is_cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"
