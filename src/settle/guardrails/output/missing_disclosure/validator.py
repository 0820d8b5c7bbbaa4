"""missing_disclosure: the first disclosure turn lacks the pack's verbatim notice.

Only whitespace may differ from the text in `prompts/<locale>/script.yaml`:
a paraphrase ("I'm a debt collector") is not the notice.
"""
from __future__ import annotations

import re

from settle.agent.types import GuardContext
from settle.guardrails.output.category import CategoryValidator, Finding
from settle.guardrails.output.lexicon import Hit
from settle.guardrails.output.offline import register_validator
from settle.guardrails.output.settings import output_settings
from settle.guardrails.output.text import Analysis
from settle.prompts import load_flow, load_script

_SPACE = re.compile(r"\s+")


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def required_notices(ctx: GuardContext) -> dict[str, str]:
    """Name → verbatim text of the notices this conversation's first disclosure needs."""
    policy = ctx.case.policy if ctx.case is not None else output_settings().default_policy[ctx.locale]
    notices = load_script(ctx.locale)["notices"]
    return {name: notices[name] for name in load_flow()["notices_by_policy"][policy]}


@register_validator(name="settle/missing_disclosure", data_type="string")
class MissingDisclosureValidator(CategoryValidator):
    category = "missing_disclosure"
    explains_sentences = False  # a missing notice says nothing about any sentence

    @classmethod
    def applies(cls, ctx: GuardContext) -> bool:
        return ctx.first_disclosure

    @classmethod
    def case_findings(cls, analysis: Analysis, ctx: GuardContext, hits: list[Hit]) -> list[Finding]:
        said = _collapse(analysis.text)
        return [
            cls.finding("notice_missing", (0, len(analysis.text)), f"{name} notice")
            for name, notice in required_notices(ctx).items()
            if _collapse(notice) not in said
        ]
