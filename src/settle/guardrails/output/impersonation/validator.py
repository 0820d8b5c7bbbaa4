"""impersonation: posing as police, court, government, lawyer or a bank."""
from __future__ import annotations

from settle.agent.types import GuardContext
from settle.guardrails.output.category import CategoryValidator
from settle.guardrails.output.lexicon import Hit
from settle.guardrails.output.offline import register_validator
from settle.guardrails.output.text import normalise


@register_validator(name="settle/impersonation", data_type="string")
class ImpersonationValidator(CategoryValidator):
    category = "impersonation"

    @classmethod
    def keep(cls, hit: Hit, ctx: GuardContext) -> bool:
        """The agent speaks for the case's creditor ("this is Alex with Northwind
        Bank"); naming any other bank, or "your bank", is posing as one."""
        if hit.rule.name == "bank" and ctx.case is not None:
            return normalise(ctx.case.creditor) not in hit.matched
        return True
