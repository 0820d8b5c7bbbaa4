"""third_party_disclosure: the debt mentioned to anyone not verified as the debtor.

Decided by the conversation's verification state (GuardContext.party), not by
the words alone: the same sentence is fine to the verified debtor.
"""
from __future__ import annotations

from settle.agent.types import GuardContext, Party
from settle.guardrails.output import facts
from settle.guardrails.output.category import CategoryValidator, Finding
from settle.guardrails.output.lexicon import Hit
from settle.guardrails.output.offline import register_validator
from settle.guardrails.output.text import Analysis


@register_validator(name="settle/third_party_disclosure", data_type="string")
class ThirdPartyDisclosureValidator(CategoryValidator):
    category = "third_party_disclosure"

    @classmethod
    def applies(cls, ctx: GuardContext) -> bool:
        return ctx.party is not Party.DEBTOR

    @classmethod
    def case_findings(cls, analysis: Analysis, ctx: GuardContext, hits: list[Hit]) -> list[Finding]:
        return [
            cls.finding("amount", amount.span, analysis.text[amount.span[0]:amount.span[1]])
            for amount in facts.amounts(analysis.norm, analysis.locale)
        ]
