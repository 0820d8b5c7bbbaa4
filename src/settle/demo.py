"""Demo cases for `make run` and the terminal chat: one per market."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from settle.services import Services
from settle.store.repository import NotFound, Store


def demo_cases(today: dt.date) -> list[dict]:
    """Due dates relative to today, so the demos always sit in the 6–20 day bucket."""
    return [
        {
            "external_ref": "DEMO-CN-001",
            "policy": "cn",
            "creditor": "安心消费金融",
            "agent_name": "小安",
            "debtor_name": "张伟",
            "phone": "+8613800138000",
            "locale": "zh-CN",
            "timezone": "Asia/Shanghai",
            "verification": {"id_last4": "1234"},
            "amount_due": Decimal("3200.00"),
            "currency": "CNY",
            "due_date": today - dt.timedelta(days=12),
            "min_payment": Decimal("500.00"),
            "payday": 15,
            "payment_channels": ["安心金融App", "官方对公账户"],
            "flags": {"legal_action_permitted": False, "time_barred": False, "ai_voice_consent": True},
        },
        {
            "external_ref": "DEMO-US-001",
            "policy": "us-regf",
            "creditor": "Harbor Credit Union",
            "agent_name": "Sam",
            "debtor_name": "Jordan Miller",
            "phone": "+12125550100",
            "locale": "en-US",
            "timezone": "America/New_York",
            "verification": {"dob": "1988-04-12", "zip": "10001"},
            "amount_due": Decimal("1250.00"),
            "currency": "USD",
            "due_date": today - dt.timedelta(days=9),
            "min_payment": Decimal("150.00"),
            "payday": 1,
            "payment_channels": ["the Harbor online portal", "our official phone line"],
            "flags": {"legal_action_permitted": False, "time_barred": False, "ai_voice_consent": True},
        },
    ]


def seed_demo_cases(store: Store, today: dt.date | None = None) -> list[tuple[str, bool]]:
    """Idempotent: returns (reference, created) for each demo case."""
    results = []
    for fields in demo_cases(today or dt.date.today()):
        try:
            store.get_case_by_ref(fields["external_ref"])
            results.append((fields["external_ref"], False))
        except NotFound:
            store.create_case(fields, actor="seed-demo")
            results.append((fields["external_ref"], True))
    return results


def open_demo_chats(services: Services) -> list[tuple[str, str]]:
    """Start an inbound chat for each demo case; returns (reference, borrower token)."""
    links = []
    for fields in demo_cases(dt.date.today()):
        try:
            case = services.store.get_case_by_ref(fields["external_ref"])
        except NotFound:
            continue
        _, token, _ = services.pipeline.start(case, "chat", "inbound", actor="make-run")
        links.append((fields["external_ref"], token))
    return links
