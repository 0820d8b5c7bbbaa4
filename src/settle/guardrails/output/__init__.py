"""The output guard: six compliance categories, each a guardrails-ai validator.

    from settle.guardrails.output import ComplianceGuard
    guard = ComplianceGuard()
    verdict = guard.check(draft, GuardContext(locale="zh-CN", party=Party.DEBTOR, case=case))

Categories (folders beside this file): threat, impersonation,
third_party_disclosure, abuse, misrepresentation, missing_disclosure.
"""
from settle.guardrails.output.contract import (
    CaseLookup,
    GuardRequestError,
    check_request,
    context_from_request,
    verdict_to_json,
)
from settle.guardrails.output.guard import ComplianceGuard

__all__ = [
    "CaseLookup",
    "ComplianceGuard",
    "GuardRequestError",
    "check_request",
    "context_from_request",
    "verdict_to_json",
]
