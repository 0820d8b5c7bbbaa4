"""Each expectation, checked on hand-made conversation records (no engine needed)."""
from __future__ import annotations

import datetime as dt

import pytest

from settle.eval.scenarios.expectations import check_reply, check_run, first_missing_in_order
from settle.eval.scenarios.expressions import RunContext, build_case
from settle.eval.scenarios.loader import load_shared
from settle.eval.scenarios.models import Answer, Expect, ReplyExpect, Scenario, ScenarioRun, Turn
from settle.eval.scenarios.runner import Borrower, VariantChoice, variant_count
from settle.prompts import load_script

TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def context():
    shared = load_shared()
    return RunContext("en-US", TODAY, build_case(shared.cases["en-US"], TODAY, "REF"), shared.phrase_sets)


def promise_run(**changes) -> ScenarioRun:
    run = ScenarioRun(suite="s", scenario="x", title="t", locale="en-US", variant="", today=TODAY)
    run.turns = [
        Turn("agent", "Hello, this is Sam. May I speak with Jordan Miller?", "greeting", step="greeting.open"),
        Turn("borrower", "yes", "greeting", intent="affirm", latency_ms=30.0),
        Turn("agent", "Please confirm your date of birth.", "verification", step="verification.ask_dob"),
        Turn("borrower", "April 12, 1988", "verification", intent="identity_answer", latency_ms=40.0),
        Turn("agent", "Your $1,250.00 is past due. This is an attempt to collect a debt.", "disclosure", step="disclosure.full"),
        Turn("borrower", "I can pay 500 next Friday", "disclosure", intent="commitment", latency_ms=45.0),
        Turn("agent", "You will pay $500.00 on December 4, 2026. Is that right?", "confirmation", step="confirmation.read_back"),
        Turn("borrower", "yes", "confirmation", intent="affirm", latency_ms=35.0),
        Turn("agent", "Thank you. Goodbye.", "closing", step="closing.promise"),
    ]
    run.stages = ["greeting", "verification", "disclosure", "confirmation", "closing", "ended"]
    run.outcome = "promise_to_pay"
    run.commitment = {"amount": "500.00", "currency": "USD", "date": "2026-12-04", "channel": "the Harbor online portal"}
    for name, value in changes.items():
        setattr(run, name, value)
    return run


def kinds(expect: dict, run: ScenarioRun, context, max_turns: int = 10, latency_ms: float | None = None) -> list[str]:
    return [f.expectation for f in check_run(Expect.model_validate(expect), run, context, max_turns=max_turns, latency_ms=latency_ms)]


def test_a_matching_run_has_no_failures(context):
    expect = {
        "stages": ["greeting", "verification", "disclosure", "confirmation", "ended"],
        "never_stages": ["negotiation"],
        "outcome": "promise_to_pay",
        "commitment": {"amount": "500", "date": "next friday", "currency": "USD"},
        "steps": ["disclosure.full", "closing.promise"],
        "required": ["{amount_due}", "{date:next friday}"],
        "forbidden": ["@threats"],
        "max_turns": 4,
    }
    assert kinds(expect, promise_run(), context, max_turns=4, latency_ms=100) == []


@pytest.mark.parametrize(
    "expect,kind",
    [
        ({"stages": ["confirmation", "disclosure"]}, "stages"),  # out of order
        ({"stages": ["negotiation"]}, "stages"),
        ({"never_stages": ["disclosure"]}, "never_stages"),
        ({"outcome": "refused"}, "outcome"),
        ({"outcome": None}, "outcome"),
        ({"commitment": None}, "commitment"),
        ({"commitment": {"amount": "400.00"}}, "commitment"),
        ({"commitment": {"date": "tomorrow"}}, "commitment"),
        ({"commitment": {"channel": "cash"}}, "commitment"),
        ({"steps": ["closing.promise", "disclosure.full"]}, "steps"),
        ({"required": ["{notice:ai_disclosure}"]}, "required"),
        ({"forbidden": ["@debt_details"]}, "forbidden"),
        ({"forbidden": ["{amount_due}"]}, "forbidden"),
    ],
)
def test_each_expectation_reports_its_own_failure(context, expect, kind):
    assert set(kinds(expect, promise_run(), context)) == {kind}


def test_turn_limit_and_latency_budget(context):
    unfinished = promise_run(stages=["greeting", "verification", "disclosure", "confirmation"], outcome=None, commitment=None)
    assert kinds({}, unfinished, context, max_turns=4) == ["max_turns"]
    assert kinds({}, promise_run(hung_up=True, stages=["greeting"], outcome=None), context, max_turns=1) == []
    assert kinds({}, promise_run(), context, latency_ms=42.0) == ["latency"]  # the 45 ms turn
    assert kinds({}, promise_run(), context, latency_ms=None) == []


def test_a_vetted_line_replaced_by_the_hold_line_fails(context):
    hold = load_script("en-US")["lines"]["guard.hold"]
    run = promise_run()
    run.turns[6] = Turn("agent", hold, "confirmation", step="confirmation.read_back", blocked_draft="You will pay…",
                        events=[{"kind": "output", "category": "threat", "rule": "threat.visit"}])
    failures = check_run(Expect(), run, context, max_turns=10, latency_ms=None)
    assert [f.expectation for f in failures] == ["guard_hold"]
    assert "confirmation.read_back" in failures[0].message and "threat/threat.visit" in failures[0].message


def test_reply_expectations(context):
    reply = ReplyExpect(contains=["{notice:ai_disclosure}"], forbidden=["@debt_details"], steps=["robot.answer"], stage="verification")
    ai = load_script("en-US")["notices"]["ai_disclosure"]
    assert check_reply(reply, 2, [f"Yes. {ai}"], ["robot.answer", "verification.ask_dob"], "verification", context) == []
    failures = check_reply(reply, 2, ["Your debt is past due."], ["disclosure.full"], "disclosure", context)
    assert [f.expectation for f in failures] == ["reply"] * 5  # lacks the notice, says two debt words, wrong step and stage
    assert all("borrower message 2" in f.message for f in failures)


def test_first_missing_in_order():
    assert first_missing_in_order(["a", "c"], ["a", "b", "c"]) is None
    assert first_missing_in_order(["c", "a"], ["a", "b", "c"]) == "a"
    assert first_missing_in_order(["a", "a"], ["a"]) == "a"


def test_the_borrower_answers_the_question_before_the_stage():
    lines = {
        "verification": [Answer.model_validate("1234")],
        "verification.retry": [Answer.model_validate("oh, 4321")],
        "negotiation": [Answer.model_validate("busy"), Answer.model_validate({"say": ["tomorrow", "next week"]})],
    }
    borrower = Borrower(lines)
    assert borrower.answer(["verification.ask_id_last4"], "verification")[0] == "verification"
    assert borrower.answer(["verification.retry", "verification.ask_id_last4"], "verification")[0] == "verification.retry"
    first, second, third = (borrower.answer(["objection.objection_busy"], "negotiation") for _ in range(3))
    assert [first[2].say, second[2].say, third[2].say] == [["busy"], ["tomorrow", "next week"], ["tomorrow", "next week"]]
    assert borrower.answer(["closing.promise"], "closing") is None


def test_variants_by_seed_are_stable_and_each_variant_can_run():
    options = ["a", "b", "c", "d", "e"]
    assert VariantChoice(7).pick("s", "k", 0, options) == VariantChoice(7).pick("s", "k", 0, options)
    assert len({VariantChoice(seed).pick("s", "k", 0, options) for seed in range(40)}) == len(options)
    assert [VariantChoice(0, index).pick("s", "k", 0, options[:2]) for index in range(3)] == ["a", "b", "a"]
    scenario = Scenario.model_validate(
        {"id": "x", "title": "t", "locale": "en-US", "expect": {}, "borrower": {"greeting": {"say": ["a", "b", "c"]}, "disclosure": "d"}}
    )
    assert variant_count(scenario) == 3
