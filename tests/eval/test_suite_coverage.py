"""The shipped suites cover the whole script, in both locales, and load cleanly.

Coverage counts every scenario, known engine issues included: whether they pass is
test_shipped_suites' business.
"""
from __future__ import annotations

from collections import defaultdict

import pytest

from settle.agent.types import Intent, Outcome
from settle.eval.scenarios import list_suites, load_suite

LOCALES = ("zh-CN", "en-US")


@pytest.fixture(scope="module")
def scenarios():
    return [s for path in list_suites() for s in load_suite(path).scenarios]


def _steps(scenario) -> set[str]:
    replies = [a.reply for answers in scenario.borrower.values() for a in answers if a.reply]
    return {*scenario.expect.steps, *(step for r in replies for step in r.steps)}


def test_at_least_forty_scenarios_in_both_locales(scenarios):
    assert len(scenarios) >= 40
    per_locale = defaultdict(int)
    for s in scenarios:
        per_locale[s.locale] += 1
    assert all(per_locale[locale] >= 20 for locale in LOCALES), dict(per_locale)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("objection", [i.value for i in Intent if i.is_objection])
def test_every_objection_has_a_scenario(scenarios, locale, objection):
    assert any(s.locale == locale and f"objection.{objection}" in _steps(s) for s in scenarios)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("outcome", [o for o in Outcome if not o.only_on_calls])  # those: tests/voice
def test_every_outcome_has_a_scenario(scenarios, locale, outcome):
    assert any(s.locale == locale and s.expect.checks("outcome") and s.expect.outcome == outcome for s in scenarios)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    "step",
    ["robot.answer", "verification.retry", "verification.explain", "commitment.press_date", "commitment.below_minimum",
     "commitment.date_too_late", "confirmation.read_back", "attorney.ask_details", "callback.ask_time", "handoff.ack"],
)
def test_branch_steps_are_exercised(scenarios, locale, step):
    assert any(s.locale == locale and step in _steps(s) for s in scenarios)


@pytest.mark.parametrize("locale", LOCALES)
def test_adversarial_borrowers_in_each_locale(scenarios, locale):
    """Baits to threaten, insult and impersonate, and a third party fishing for the debt."""
    forbidden = defaultdict(set)
    for s in scenarios:
        if s.locale != locale:
            continue
        replies = [a.reply for answers in s.borrower.values() for a in answers if a.reply]
        for phrase in [*s.expect.forbidden, *(p for r in replies for p in r.forbidden)]:
            forbidden[phrase].add(s.id)
    for phrase_set in ("@threats", "@impersonation", "@insults", "@debt_details"):
        assert forbidden[phrase_set], f"no {locale} scenario forbids {phrase_set}"
    assert any(s.locale == locale and s.expect.outcome == Outcome.THIRD_PARTY and "colleague" in s.id for s in scenarios)


def test_known_issues_say_what_is_wrong(scenarios):
    assert all(len(s.known_issue.split()) >= 8 for s in scenarios if s.known_issue)
