"""Case records and contexts for the output-guard tests (the guard itself is the
session-wide `guard` fixture of tests/conftest.py: the real ComplianceGuard)."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from settle.agent.types import CaseFacts, GuardContext, Party

CN_CASE = CaseFacts(
    external_ref="T-CN-1",
    policy="cn",
    creditor="安信消费金融",
    agent_name="小安",
    debtor_name="张伟",
    locale="zh-CN",
    timezone="Asia/Shanghai",
    amount_due=Decimal("3560.00"),
    currency="CNY",
    due_date=dt.date(2025, 6, 15),
    min_payment=Decimal("356.00"),
    payment_channels=("安信金融App",),
)
US_CASE = CaseFacts(
    external_ref="T-US-1",
    policy="us-regf",
    creditor="Northwind Bank",
    agent_name="Alex",
    debtor_name="Jordan Miller",
    locale="en-US",
    timezone="America/New_York",
    amount_due=Decimal("1250.00"),
    currency="USD",
    due_date=dt.date(2025, 5, 1),
    min_payment=Decimal("125.00"),
    payment_channels=("the Northwind app",),
)
CASES = {"zh-CN": CN_CASE, "en-US": US_CASE}


def case_for(locale: str, **changes) -> CaseFacts:
    return dataclasses.replace(CASES[locale], **changes)


def context(locale: str, party: Party = Party.DEBTOR, case: CaseFacts | None = None, **fields) -> GuardContext:
    return GuardContext(locale=locale, party=party, case=case if case is not None else CASES[locale], **fields)


def categories(verdict) -> set[str]:
    return {v.category for v in verdict.violations}


@pytest.fixture(scope="session")
def judge(guard):
    """`judge(text, locale, …)` → the set of categories the real guard finds."""

    def run(text: str, locale: str, party: Party = Party.DEBTOR, case: CaseFacts | None = None, **fields) -> set[str]:
        return categories(guard.check(text, context(locale, party, case, **fields)))

    return run
