"""ComplianceGuard: every enabled category validator, composed in one guardrails Guard."""
from __future__ import annotations

from collections.abc import Sequence

from settle.agent.types import GuardContext, GuardVerdict, GuardViolation
from settle.guardrails.output.category import CONTEXT_KEY, validator_for
from settle.guardrails.output.offline import offline_guard
from settle.guardrails.output.settings import output_settings
from settle.guardrails.output.text import check_locale, warm_up
from settle.prompts import load_script

HOLD_LINE = "guard.hold"


class ComplianceGuard:
    """Judges agent drafts; built once (lexicons, exemplars, embedder), then thread-safe.

    A blocked draft's `GuardVerdict.text` is the script's vetted `guard.hold`
    line in the draft's language: it says nothing about the debt, so it is safe
    for any party. The turn pipeline sends the current step's own vetted line
    instead; stand-alone checks (`settle guard check`, the staff API) report this.
    """

    def __init__(self, rails: Sequence[str] | None = None) -> None:
        self.rails = tuple(rails if rails is not None else output_settings().rails)
        self.validators = [validator_for(rail)() for rail in self.rails]
        self._category_of = {type(v).__name__: v.category for v in self.validators}
        self._guard = offline_guard(self.validators)
        self._hold = {locale: load_script(locale)["lines"][HOLD_LINE] for locale in output_settings().default_policy}
        warm_up()

    def check(self, text: str, ctx: GuardContext) -> GuardVerdict:
        check_locale(ctx.locale)
        if not text.strip():
            return GuardVerdict(allowed=True, text=text)
        outcome = self._guard.validate(text, metadata={CONTEXT_KEY: ctx})
        violations = [
            _violation(self._category_of[summary.validator_name], span.start, span.end, span.reason)
            for summary in outcome.validation_summaries or ()
            if summary.validator_status == "fail"
            for span in summary.error_spans or ()
        ]
        if not violations:
            return GuardVerdict(allowed=True, text=text)
        return GuardVerdict(allowed=False, text=self._hold[ctx.locale], violations=tuple(violations))


def _violation(category: str, start: int, end: int, reason: str) -> GuardViolation:
    rule, _, message = reason.partition(": ")
    return GuardViolation(category=category, rule=rule, span=(start, end), message=message)
