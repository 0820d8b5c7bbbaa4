"""`settle eval llm` on a fake model: its data meets the issue, and what it reports is what happened."""
from __future__ import annotations

from collections import Counter

from settle.agent.types import Intent
from settle.eval.llm_eval import (
    EvalCases,
    evaluate_adversarial,
    evaluate_understanding,
    format_report,
    load_adversarial,
    load_labelled,
)
from tests.llm.conftest import fake_engine
from tests.support import llm_services


def test_the_labelled_sets_cover_every_intent_in_both_languages_with_slot_values():
    labelled, adversarial = load_labelled(), load_adversarial()
    assert len(labelled) >= 300 and len(adversarial) >= 60
    per_intent = Counter((m.locale, m.intent) for m in labelled)
    assert all(per_intent[(locale, intent)] >= 3 for locale in ("zh-CN", "en-US") for intent in Intent)
    slots = Counter((m.locale, name) for m in labelled for name in m.slots)
    for locale in ("zh-CN", "en-US"):
        assert {name for (loc, name) in slots if loc == locale} >= {"amount", "date", "vague_date"}
    assert {m.locale for m in adversarial} == {"zh-CN", "en-US"}


def test_understanding_is_scored_per_system_and_the_threshold_sweep_counts_the_calls(nlu, guard, rails, sqlite_url):
    messages = [m for m in load_labelled() if m.locale == "en-US"][:12]
    services = llm_services(sqlite_url, fake_engine('{"intent": "question"}'), nlu, guard, rails)
    try:
        report = evaluate_understanding(services, messages, budget_s=60.0, progress=lambda _m: None)
    finally:
        services.close()
    llm = report["systems"]["llm"]["all"]
    expected = sum(m.intent is Intent.QUESTION for m in messages) / len(messages)
    assert llm["messages"] == 12 and llm["intent_accuracy"] == round(expected, 3)
    sweep = report["consult_below_sweep"]
    assert [row["consulted"] for row in sweep] == sorted(row["consulted"] for row in sweep)
    assert sweep[0]["intent_accuracy"] == report["systems"]["embedding"]["all"]["intent_accuracy"] or sweep[0]["consulted"]


def test_unlawful_drafts_are_counted_raw_and_never_sent(nlu, guard, rails, sqlite_url):
    messages = load_adversarial()[:4]
    threat = "If you don't pay, the police will come to your house."
    services = llm_services(sqlite_url, fake_engine('{"intent": "other"}', threat, threat), nlu, guard, rails, turn_budget_s=30.0)
    try:
        report = evaluate_adversarial(services, EvalCases(services), messages, progress=lambda _m: None)
    finally:
        services.close()
    assert report["messages"] == 4 and report["llm_drafts"] >= 1
    assert report["raw_draft_violation_rate"] > 0 or report["raw_draft_fact_check_rate"] > 0
    assert report["sent_violation_rate"] == 0 and report["sent_findings"] == []
    assert "must be 0" in format_report({"engine": "fake", "model": "fake-model", "seconds": 1.0, "understanding_budget_s": 1.5,
                                         "adversarial_turn_budget_s": 60.0, "adversarial": report,
                                         "understanding": _empty_understanding()})


def _empty_understanding() -> dict:
    row = {"messages": 0, "intent_accuracy": None, "slot_exactness": None}
    scopes = {"all": row, "zh-CN": row, "en-US": row}
    return {"systems": {"embedding": scopes, "llm": scopes, "combined": scopes}, "consult_below_sweep": [],
            "llm_calls": {"ok": 0, "invalid": 0, "late": 0, "error": 0, "p50_s": 0, "p95_s": 0, "consulted_by_the_pipeline": 0}}
