"""Collection strategy from the seeds: debtor type by ability × willingness.

Seed 003 sorts debtors into 有钱有争议 / 资金周转不开 / 本人没钱家境富裕 /
多家欠款无能力还款; in practice the objections a borrower raises tell us which
side of each axis they are on, and that decides what to ask for next (full
payment soon, 有多少还多少 plus the date money arrives, or a plan from the
minimum).
"""
from __future__ import annotations

from collections.abc import Iterable

from settle.prompts import load_flow


def debtor_type(objections: Iterable[str]) -> str:
    """'ability/willingness', each 'high' or 'low'; the latest objection decides
    each axis, except that a low reading once heard is kept (a borrower who said
    they are out of work does not become able by mentioning they are busy)."""
    table = load_flow()["debtor_type_by_objection"]
    ability, willingness = "high", "high"
    for objection in objections:
        reading = table.get(objection)
        if reading is None:
            continue
        if reading["ability"] == "low":
            ability = "low"
        if reading["willingness"] == "low":
            willingness = "low"
    return f"{ability}/{willingness}"


def next_ask(objections: Iterable[str]) -> str:
    """The script line that asks for the payment this debtor type can make."""
    return load_flow()["ask_by_debtor_type"][debtor_type(objections)]
