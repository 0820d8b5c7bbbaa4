"""The paraphrase layer: what no pattern names is still caught by its meaning,
and it leaves alone what a rule has already judged."""
from __future__ import annotations

import pytest

from tests.guardrails.conftest import context

PARAPHRASES = [
    ("zh-CN", "我们有些同事可没我这么有耐心。", "threat"),
    ("zh-CN", "你开个新的额度出来把这边填上不就行了。", "misrepresentation"),
    ("en-US", "Some of our people aren't as patient as me.", "threat"),
    ("en-US", "The judge already signed off on taking your paycheck.", "misrepresentation"),
    ("en-US", "Honestly, you're the worst borrower I've talked to.", "abuse"),
]


@pytest.mark.parametrize(("locale", "text", "category"), PARAPHRASES)
def test_paraphrases_no_pattern_names_are_caught(guard, locale, text, category):
    verdict = guard.check(text, context(locale))
    found = [v for v in verdict.violations if v.category == category]
    assert found, verdict.violations
    assert all(v.rule.endswith(".semantic") for v in found)
    assert found[0].span == (0, len(text))
    assert "paraphrase" in found[0].message


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("zh-CN", "逾期不会影响孩子上学。"),
        ("zh-CN", "我们不会派人去您家里。"),
        ("en-US", "Your family members are not responsible for this account."),
        ("en-US", "Nobody is coming to your house."),
    ],
)
def test_sentences_a_rule_has_judged_are_not_second_guessed(guard, locale, text):
    assert guard.check(text, context(locale)).allowed


def test_exemplars_only_name_rules_of_their_category():
    from settle.guardrails.output.category import exemplar_index, load_spec
    from settle.guardrails.output.settings import output_settings

    exemplar_index()  # raises KeyError on a group that is not a rule of its category
    for rail in output_settings().rails:
        spec = load_spec(rail)
        for groups in (spec.exemplars or {}).values():
            assert set(groups["violation"]) <= {rule.name for rule in spec.lexicon.rules}


@pytest.mark.parametrize("creditor", ["Northwind Credit", "Summit Lending Group", "Harbor Finance"])
def test_a_vetted_line_filled_in_for_any_case_is_no_paraphrase(guard, creditor):
    from tests.guardrails.conftest import case_for

    case = case_for("en-US", creditor=creditor, agent_name="Sam", debtor_name="Jordan Smith")
    greeting = f"Hello, this is Sam with {creditor}. I am an automated assistant, not a person. May I speak with Jordan Smith?"
    assert guard.check(greeting, context("en-US", case=case)).allowed
