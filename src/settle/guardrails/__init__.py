"""Compliance guardrails: what stands between every draft and the borrower.

The turn pipeline depends only on the two protocols below; the implementations
live in `output/` (the guard on agent drafts) and `input_rails/` (screening of
borrower messages), with contact rules in `contact/` and display redaction in
`redaction.py`.
"""
from __future__ import annotations

from typing import Protocol

from settle.agent.types import GuardContext, GuardVerdict, RailSignal


class OutputGuard(Protocol):
    def check(self, text: str, ctx: GuardContext) -> GuardVerdict:
        """Judge one agent draft; `GuardVerdict.text` is what may be sent."""


class InputRails(Protocol):
    def screen(self, text: str, locale: str) -> list[RailSignal]:
        """Find policy-relevant signals in one borrower message."""
