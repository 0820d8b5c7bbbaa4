"""The stand-alone check contract, shared by `settle guard check` and the staff API.

Request: {"text", "locale": "zh-CN"|"en-US", "party": "debtor"|"unverified"|
"third_party", "case_id"?}. Response: {"allowed", "violations": [{"category",
"rule", "span": [start, end], "message"}], "safe_text"}. A request that breaks
the contract raises GuardRequestError with a reason fit to show the caller.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from settle.agent.types import CaseFacts, GuardContext, GuardVerdict, Party
from settle.guardrails import OutputGuard
from settle.guardrails.output.text import LOCALES

CaseLookup = Callable[[str], CaseFacts | None]


class GuardRequestError(ValueError):
    pass


def context_from_request(
    request: Mapping[str, Any],
    *,
    case_lookup: CaseLookup | None = None,
    default_locale: str | None = None,
    default_party: str | None = None,
) -> GuardContext:
    locale = request.get("locale", default_locale)
    if locale not in LOCALES:
        raise GuardRequestError(f"locale must be one of {list(LOCALES)}, got {locale!r}")
    party = request.get("party", default_party)
    if party not in {p.value for p in Party}:
        raise GuardRequestError(f"party must be one of {[p.value for p in Party]}, got {party!r}")
    case = None
    case_id = request.get("case_id")
    if case_id is not None:
        if not isinstance(case_id, str) or not case_id:
            raise GuardRequestError("case_id must be a non-empty string")
        if case_lookup is None:
            raise GuardRequestError("case_id given but no case store is configured for this check")
        case = case_lookup(case_id)
        if case is None:
            raise GuardRequestError(f"unknown case_id {case_id!r}")
    return GuardContext(locale=locale, party=Party(party), case=case)


def check_request(
    request: Any,
    guard: OutputGuard,
    *,
    case_lookup: CaseLookup | None = None,
    default_locale: str | None = None,
    default_party: str | None = None,
) -> dict[str, Any]:
    """Judge one request dict; the response dict is the JSON the contract fixes."""
    if not isinstance(request, Mapping):
        raise GuardRequestError("request must be a JSON object")
    text = request.get("text")
    if not isinstance(text, str):
        raise GuardRequestError("text must be a string")
    ctx = context_from_request(
        request, case_lookup=case_lookup, default_locale=default_locale, default_party=default_party
    )
    return verdict_to_json(guard.check(text, ctx))


def verdict_to_json(verdict: GuardVerdict) -> dict[str, Any]:
    return {
        "allowed": verdict.allowed,
        "violations": [
            {"category": v.category, "rule": v.rule, "span": list(v.span), "message": v.message}
            for v in verdict.violations
        ],
        "safe_text": verdict.text,
    }
