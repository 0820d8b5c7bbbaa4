"""The labelled utterance set, and the recorded figures the guard may not fall below."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from settle.eval.guard_eval import (
    BASELINE,
    CATEGORIES,
    load_cases,
    load_utterances,
    run_guard_eval,
)

TOLERANCE = 0.01  # "more than one point below the recorded figures" fails


@pytest.fixture(scope="module")
def utterances():
    return load_utterances("all")


def test_the_set_is_large_bilingual_and_balanced(utterances):
    assert len(utterances) >= 400
    by_locale = Counter(u.locale for u in utterances)
    assert by_locale["zh-CN"] == by_locale["en-US"]


def test_every_category_appears_in_both_languages(utterances):
    for locale in ("zh-CN", "en-US"):
        seen = Counter(c for u in utterances if u.locale == locale for c in u.expected)
        for category in CATEGORIES:
            assert seen[category] >= 5, (locale, category, seen[category])


def test_at_least_forty_percent_are_compliant_hard_negatives(utterances):
    compliant = [u for u in utterances if u.compliant]
    assert len(compliant) >= 0.4 * len(utterances)
    kinds = Counter(u.tag for u in compliant)
    for kind in ("negation", "lawful", "empathy", "official", "callback", "party_ok", "readback", "disclosure"):
        assert kinds[kind] >= 4, (kind, kinds[kind])


def test_labels_are_complete_and_consistent(utterances):
    assert len({u.id for u in utterances}) == len(utterances)
    assert {u.split for u in utterances} == {"dev", "test"}
    assert all(u.batch for u in utterances if u.split == "test"), "every blind line names its batch"
    refs = {case.external_ref for case in load_cases().values()}
    for u in utterances:
        if u.case is not None:
            assert u.case.external_ref in refs and u.case.locale == u.locale, u.id
        assert "{notice:" not in u.text  # every placeholder expanded from the script
        if "third_party_disclosure" in u.expected:
            assert u.party.value != "debtor", u.id
        if "missing_disclosure" in u.expected:
            assert u.first_disclosure, u.id


def test_the_blind_split_shares_no_line_with_the_dev_split(utterances):
    dev = {u.text for u in utterances if u.split == "dev"}
    test = [u for u in utterances if u.split == "test"]
    assert len(test) >= 150
    assert not [u.id for u in test if u.text in dev]
    assert sum(u.compliant for u in test) >= 0.4 * len(test)
    for category in CATEGORIES:
        assert any(category in u.expected for u in test if u.locale == "zh-CN"), category
        assert any(category in u.expected for u in test if u.locale == "en-US"), category


def test_thresholds_are_tuned_on_the_dev_split_only(guard, monkeypatch):
    import settle.eval.guard_eval as guard_eval

    asked = []
    real = guard_eval.load_utterances

    def spy(split="all", *args, **kwargs):
        asked.append(split)
        return real(split, *args, **kwargs)[:40]

    monkeypatch.setattr(guard_eval, "load_utterances", spy)
    guard_eval.tune_thresholds(guard)
    assert asked == ["dev"]


def test_figures_do_not_fall_below_the_recorded_baseline(guard):
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert baseline["split"] == "test"
    report = run_guard_eval("test", guard)
    figures = report.figures()
    assert figures["utterances"] >= baseline["utterances"]
    for category, recorded in baseline["categories"].items():
        now = figures["categories"][category]
        assert now["recall"] >= recorded["recall"] - TOLERANCE, (category, now, recorded, report.misses)
        assert now["precision"] >= recorded["precision"] - TOLERANCE, (category, now, recorded, report.misses)
    assert figures["false_positive_rate"] <= baseline["false_positive_rate"] + TOLERANCE, report.misses
