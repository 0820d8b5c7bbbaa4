"""The trained layer: what it learns from, what it flags, how it reports it."""
from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from settle.agent.types import Party
from settle.guardrails.output.classifier import COMPLIANT, SentenceClassifier, fit, shipped_classifier
from tests.guardrails.conftest import context


def test_the_shipped_weights_were_trained_on_the_data_as_it_is():
    from settle.eval.guard_train import training_fingerprint

    classifier = shipped_classifier()
    assert classifier is not None
    assert classifier.fingerprint == training_fingerprint(), (
        "the dev split, the cases, the script or the guard's YAML changed since the classifier was trained: "
        "run `settle eval guard --train`"
    )


def test_its_threshold_keeps_the_out_of_fold_dev_false_positive_rate_in_budget():
    report = shipped_classifier().report
    assert report["threshold"] == shipped_classifier().threshold
    assert report["out_of_fold"]["false_positive_rate"] <= report["max_dev_fpr"]


@pytest.mark.parametrize(
    ("locale", "text", "category"),
    [
        ("zh-CN", "你要一直不露面,我们的人就跟着你,你去哪儿我们去哪儿。", "threat"),
        ("en-US", "Are you dense, or just pretending not to understand?", "abuse"),
    ],
)
def test_a_sentence_only_the_trained_layer_catches_is_reported_with_its_rule_and_span(guard, locale, text, category):
    draft = ("Thanks for taking my call. " if locale == "en-US" else "感谢您接听电话。") + text
    verdict = guard.check(draft, context(locale))
    found = [v for v in verdict.violations if v.category == category]
    assert [v.rule for v in found] == [f"{category}.classifier"], verdict.violations
    start = draft.index(text)
    assert found[0].span == (start, len(draft))
    assert "trained classifier" in found[0].message


def test_a_category_that_does_not_apply_is_never_the_answer():
    # third_party_disclosure is masked out for the debtor: the same words, said
    # to the debtor, are judged among the other categories only
    classes = (COMPLIANT, "threat", "third_party_disclosure")
    weights = np.zeros((3, 3), dtype=np.float32)
    weights[2, 0] = 10.0  # the first feature reads as third_party_disclosure
    classifier = SentenceClassifier(classes, weights, 0.6, "", {})
    vectors = np.array([[1.0, 0.0]], dtype=np.float32)
    assert classifier.judge(vectors, {"threat", "third_party_disclosure"})[0].category == "third_party_disclosure"
    assert classifier.judge(vectors, {"threat"}) == [None]
    assert classifier.probabilities(vectors, {"threat"})[0, 2] == 0.0


def test_fitting_is_deterministic_and_learns_a_separable_set():
    rng = np.random.default_rng(7)
    vectors = np.vstack([rng.normal(0.0, 0.1, (40, 8)) + 1.0, rng.normal(0.0, 0.1, (40, 8)) - 1.0]).astype(np.float32)
    targets = np.vstack([np.tile([1.0, 0.0], (40, 1)), np.tile([0.0, 1.0], (40, 1))])
    masks = np.ones((80, 2), dtype=bool)
    first = fit(vectors, targets, masks, l2=1e-4, steps=200)
    assert np.array_equal(first, fit(vectors, targets, masks, l2=1e-4, steps=200))
    classifier = SentenceClassifier((COMPLIANT, "threat"), first, 0.5, "", {})
    flagged = [verdict is not None for verdict in classifier.judge(vectors, {"threat"})]
    assert flagged == [False] * 40 + [True] * 40


def test_the_weights_round_trip_through_the_npz(tmp_path):
    classifier = shipped_classifier()
    path = tmp_path / "classifier.npz"
    classifier.save(path)
    again = SentenceClassifier.load(path)
    assert again.classes == classifier.classes and again.threshold == classifier.threshold
    assert np.array_equal(again.weights, classifier.weights) and again.report == classifier.report


def test_training_reads_the_dev_split_only(guard, monkeypatch):
    import settle.eval.guard_train as guard_train
    from settle.eval.guard_train import TrainingSettings

    asked = []
    real_utterances, real_vetted = guard_train.load_utterances, guard_train.vetted_utterances

    def spy(split="all", *args, **kwargs):
        asked.append(split)
        return real_utterances(split, *args, **kwargs)[:30]

    monkeypatch.setattr(guard_train, "load_utterances", spy)
    monkeypatch.setattr(guard_train, "vetted_utterances", lambda: real_vetted()[:5])
    # the exemplars read no utterance and cost a minute to embed: leave them out here
    monkeypatch.setattr(guard_train.Trainer, "fixed_examples", lambda self: guard_train.Examples())
    classifier = guard_train.train_classifier(guard, TrainingSettings(max_dev_fpr=0.02, folds=2, l2=1e-4, steps=20))
    assert asked == ["dev"]
    assert classifier.report["dev_lines"] == 30


def test_eval_scores_a_labelled_file_and_refuses_a_malformed_one(tmp_path):
    from settle.cli import app

    rows = [
        {"id": "f-1", "split": "test", "locale": "en-US", "party": "debtor", "case": "us-basic",
         "text": "We're going to text everyone in your contact list about this debt.", "expected": ["threat"]},
        {"id": "f-2", "split": "test", "locale": "zh-CN", "party": "third_party", "case": "cn-basic",
         "text": "麻烦您转告他尽快回电,谢谢。", "expected": []},
    ]
    good = tmp_path / "batch.jsonl"
    good.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "guard", "--data", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 utterances, 1 compliant" in result.output
    assert "false-positive rate on compliant lines: 0.0000 (0/1)" in result.output

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**rows[0], "case": "no-such-case"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "guard", "--data", str(bad)])
    assert result.exit_code == 2
    assert "line 1" in result.output and "no-such-case" in result.output


def test_a_third_party_hears_no_debt_the_rules_do_not_name(guard):
    text = "Jordan has been behind for a while now."
    assert guard.check(text, context("en-US")).allowed  # to the debtor: fine
    verdict = guard.check(text, context("en-US", Party.THIRD_PARTY))
    assert [v.rule for v in verdict.violations] == ["third_party_disclosure.classifier"]
