"""The labelled examples and the held-out set: complete, clean and kept apart."""
from __future__ import annotations

from collections import Counter

import pytest
from tests.nlu.nlu_testdata import load_heldout

from settle.agent.nlu import LOCALES, IntentExamples, short_reply_key
from settle.agent.types import Intent


@pytest.fixture(scope="module", params=LOCALES)
def examples(request) -> IntentExamples:
    return IntentExamples.packaged(request.param)


def test_every_intent_has_20_to_40_examples(examples):
    counts = Counter(examples.labels)
    assert set(counts) == set(Intent)
    assert all(20 <= n <= 40 for n in counts.values()), counts


def test_no_example_is_labelled_twice(examples):
    repeated = [text for text, n in Counter(t.strip().lower() for t in examples.texts).items() if n > 1]
    assert not repeated


def test_threshold_is_a_cosine(examples):
    assert 0.5 < examples.min_similarity < 1.0


def test_short_replies_do_not_contradict_each_other(examples):
    assert set(examples.short_replies.values()) <= {Intent.AFFIRM, Intent.DENY}
    assert all(key for key in examples.short_replies)


def test_heldout_set_is_apart_from_the_examples(examples):
    taught = {short_reply_key(text) for text in examples.texts} | set(examples.short_replies)
    heldout = load_heldout()[examples.locale]
    copied = [text for text, _ in heldout if short_reply_key(text) in taught]
    assert not copied


def test_heldout_set_covers_every_intent():
    for locale, items in load_heldout().items():
        counts = Counter(intent for _, intent in items)
        assert set(counts) == set(Intent), locale
        assert min(counts.values()) >= 7, (locale, counts)
