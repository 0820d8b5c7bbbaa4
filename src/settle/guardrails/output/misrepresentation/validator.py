"""misrepresentation: false or unauthorised claims, checked against the case.

Words alone decide fees, private accounts, invented legal status, family and
travel consequences, "forever" credit damage and pushing to borrow. The case
decides the rest: legal talk only when `legal_action_permitted` and never when
`time_barred`; waivers only up to `max_waiver`; every amount stated must be the
amount due, the minimum payment, an amount the borrower committed to
(`GuardContext.allowed_amounts`) or a settlement within the waiver; every
calendar date the due date or a committed one (`allowed_dates`). Without a case
record the conservative defaults of `CaseFacts` apply (no legal talk, no
waivers) and amounts and dates cannot be checked.
"""
from __future__ import annotations

import re
from decimal import Decimal

from settle.agent.types import CaseFacts, GuardContext
from settle.guardrails.output import facts
from settle.guardrails.output.category import CategoryValidator, Finding
from settle.guardrails.output.lexicon import Hit
from settle.guardrails.output.offline import register_validator
from settle.guardrails.output.text import Analysis

WAIVER_RULES = ("waiver_offer", "total_waiver")
# words that make a figure in their clause a waiver ("按减免500元后计算", "$300 off"),
# whether or not a waiver rule matched the clause
WAIVER_WORDS = {
    "zh-CN": re.compile(r"减免|免除|免掉|优惠|少还|抹掉|抹零"),
    "en-US": re.compile(r"\bwaiv\w*|\bdiscount\w*|\b(take|taking|knock|knocking)\b[^.;!?]{0,20}\boff\b"),
}


def _legal_talk_allowed(case: CaseFacts | None) -> bool:
    return case is not None and case.legal_action_permitted and not case.time_barred


def _max_waiver(case: CaseFacts | None) -> Decimal:
    return case.max_waiver if case is not None else Decimal(0)


@register_validator(name="settle/misrepresentation", data_type="string")
class MisrepresentationValidator(CategoryValidator):
    category = "misrepresentation"

    @classmethod
    def keep(cls, hit: Hit, ctx: GuardContext) -> bool:
        if hit.rule.name == "legal_action":
            return not _legal_talk_allowed(ctx.case)
        if hit.rule.name == "waiver_offer":
            return _max_waiver(ctx.case) == 0  # a bounded waiver is judged by its amount
        if hit.rule.name == "total_waiver":
            return ctx.case is None or ctx.case.max_waiver < ctx.case.amount_due
        return True

    @classmethod
    def case_findings(cls, analysis: Analysis, ctx: GuardContext, hits: list[Hit]) -> list[Finding]:
        case = ctx.case
        if case is None:
            return []
        waiver_clauses = [analysis.clause_of(hit.span[0]) for hit in hits if hit.rule.name in WAIVER_RULES]
        waiver_clauses += [
            (start, end) for start, end in analysis.clauses if WAIVER_WORDS[analysis.locale].search(analysis.norm, start, end)
        ]
        allowed = {case.amount_due, case.min_payment, *ctx.allowed_amounts}
        found = []
        for amount in facts.amounts(analysis.norm, analysis.locale):
            figure = analysis.text[amount.span[0]:amount.span[1]]
            if any(start <= amount.span[0] < end for start, end in waiver_clauses):
                if amount.value > case.max_waiver and not cls._settlement(amount.value, case):
                    found.append(cls.finding("waiver_beyond_case", amount.span, f"{figure} (at most {case.max_waiver})"))
            elif amount.value not in allowed and not cls._settlement(amount.value, case):
                found.append(cls.finding("amount_mismatch", amount.span, figure))
        for stated in facts.dates(analysis.norm, analysis.locale):
            if not any(stated.matches(day) for day in (case.due_date, *ctx.allowed_dates)):
                found.append(cls.finding("date_mismatch", stated.span, analysis.text[stated.span[0]:stated.span[1]]))
        return found

    @staticmethod
    def _settlement(value: Decimal, case: CaseFacts) -> bool:
        """A pay-off figure within the waiver the creditor allows."""
        return case.max_waiver > 0 and case.amount_due - case.max_waiver <= value < case.amount_due
