"""Checks a finished scenario run (and each reply) against what the scenario expects.

Pure functions of the recorded conversation, so each check can be tested on
hand-made records and reads the same for in-process and live-server runs.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from settle.eval.scenarios.expressions import RunContext
from settle.eval.scenarios.models import Expect, Failure, ReplyExpect, ScenarioRun
from settle.prompts import load_script


def first_missing_in_order(expected: Sequence[str], observed: Sequence[str]) -> str | None:
    """The first expected item that does not come, in order, in `observed` (None: all do)."""
    remaining = iter(observed)
    for item in expected:
        if not any(seen == item for seen in remaining):
            return item
    return None


def check_reply(expect: ReplyExpect, turn: int, texts: list[str], steps: list[str], stage: str, context: RunContext) -> list[Failure]:
    """One agent reply, to the borrower's `turn`-th message (1-based)."""
    where = f"reply to borrower message {turn}"
    failures: list[Failure] = []
    joined = "\n".join(texts)
    for phrase in context.phrases(expect.contains):
        if phrase.found_in(joined) is None:
            failures.append(Failure("reply", f"{where} lacks {phrase.label!r}"))
    for phrase in context.phrases(expect.forbidden):
        if (form := phrase.found_in(joined)) is not None:
            failures.append(Failure("reply", f"{where} says forbidden {phrase.label!r} ({form!r})"))
    if (missing := first_missing_in_order(expect.steps, steps)) is not None:
        failures.append(Failure("reply", f"{where}: expected steps {expect.steps}, said {steps} (missing {missing!r})"))
    if expect.stage is not None and stage != expect.stage.value:
        failures.append(Failure("reply", f"{where}: expected stage {expect.stage.value}, got {stage}"))
    return failures


def check_run(expect: Expect, run: ScenarioRun, context: RunContext, *, max_turns: int, latency_ms: float | None) -> list[Failure]:
    """Scenario-level expectations; `latency_ms` None leaves latency unchecked.

    Always checked: the borrower never got the guard's hold line because a vetted
    script line was blocked (the script itself broke a rule, or the guard misfired).
    """
    failures: list[Failure] = []
    agent = [t for t in run.turns if t.speaker == "agent"]
    borrower = [t for t in run.turns if t.speaker == "borrower"]

    if (missing := first_missing_in_order([s.value for s in expect.stages], run.stages)) is not None:
        failures.append(Failure("stages", f"stage {missing!r} not reached in order; stages were {run.stages}"))
    reached = sorted({s.value for s in expect.never_stages} & set(run.stages))
    if reached:
        failures.append(Failure("never_stages", f"reached {reached}, which it must not"))
    if expect.checks("outcome"):
        wanted = expect.outcome.value if expect.outcome else None
        if run.outcome != wanted:
            failures.append(Failure("outcome", f"expected outcome {wanted}, got {run.outcome}"))
    if expect.checks("commitment"):
        failures.extend(_check_commitment(expect, run, context))
    said_steps = [t.step for t in agent if t.step]
    if (missing := first_missing_in_order(expect.steps, said_steps)) is not None:
        failures.append(Failure("steps", f"step {missing!r} not said in order; steps were {said_steps}"))
    agent_text = "\n".join(t.text for t in agent)
    for phrase in context.phrases(expect.required):
        if phrase.found_in(agent_text) is None:
            failures.append(Failure("required", f"never said {phrase.label!r}"))
    for phrase in context.phrases(expect.forbidden):
        for index, turn in enumerate(agent):
            if (form := phrase.found_in(turn.text)) is not None:
                failures.append(Failure("forbidden", f"agent message {index + 1} says {phrase.label!r} ({form!r}): {turn.text}"))
                break
    hold = load_script(context.locale)["lines"]["guard.hold"]
    for turn in agent:
        if turn.blocked_draft is not None and turn.text == hold:
            rules = ", ".join(f"{e['category']}/{e['rule']}" for e in turn.events if e.get("kind") == "output")
            failures.append(Failure("guard_hold", f"the guard blocked the vetted line {turn.step} ({rules}): {turn.blocked_draft}"))
    if not run.ended and not run.hung_up and len(borrower) >= max_turns:
        failures.append(Failure("max_turns", f"still going after {max_turns} borrower messages (stage {run.stages[-1]})"))
    if latency_ms is not None:
        slow = [f"#{i + 1}: {t.latency_ms:.0f} ms" for i, t in enumerate(borrower) if t.latency_ms is not None and t.latency_ms > latency_ms]
        if slow:
            failures.append(Failure("latency", f"over the {latency_ms:.0f} ms budget: {', '.join(slow)}"))
    return failures


def _check_commitment(expect: Expect, run: ScenarioRun, context: RunContext) -> list[Failure]:
    wanted, got = expect.commitment, run.commitment
    if wanted is None or got is None:
        return [] if wanted is got else [Failure("commitment", f"expected commitment {wanted and wanted.model_dump(exclude_none=True)}, got {got}")]
    problems = []
    if wanted.amount is not None and Decimal(got["amount"]) != Decimal(wanted.amount):
        problems.append(f"amount {got['amount']} (expected {wanted.amount})")
    if wanted.date is not None and got["date"] != (day := context.date(wanted.date)).isoformat():
        problems.append(f"date {got['date']} (expected {wanted.date} = {day.isoformat()})")
    if wanted.channel is not None and got["channel"] != wanted.channel:
        problems.append(f"channel {got['channel']!r} (expected {wanted.channel!r})")
    if wanted.currency is not None and got["currency"] != wanted.currency:
        problems.append(f"currency {got['currency']} (expected {wanted.currency})")
    return [Failure("commitment", "; ".join(problems))] if problems else []
