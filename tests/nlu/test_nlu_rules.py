"""EmbeddingNLU's decisions and machinery, with a deterministic bag-of-words embedder.

The fake makes similarity predictable (shared words → close), so each rule can be
checked on its own: nearest examples, the `other` threshold, short replies, the
stage rules, the not-a-promise cues, locale choice and the on-disk example cache.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import zlib
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import numpy as np
import pytest
from tests.nlu.nlu_testdata import TODAY

from settle.agent.nlu import EmbeddingNLU, IntentExamples
from settle.agent.types import Intent, NLUContext, Stage


class BagOfWordsEmbedder:
    """Hashed word counts, L2-normalised: texts sharing words are similar, others orthogonal."""

    dim = 512

    def __init__(self) -> None:
        self.batches = 0

    def embed(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"[\w']+", text.lower()):
            vector[zlib.crc32(word.encode()) % self.dim] += 1
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def embed_many(self, texts):
        self.batches += 1
        return np.stack([self.embed(t) for t in texts])


EN_YAML = """
min_similarity: 0.5
short_replies:
  affirm: ["yes", "sure"]
  deny: ["no"]
not_a_promise: ["can't", "already paid"]
examples:
  cease: [stop calling me, stop calling, do not call me again]
  commitment: [I will pay, I will pay you, I can pay]
  callback: [call me back later, call back later, call me later]
  objection_refusal: [I refuse to pay, I refuse, refuse to pay you]
  dispute: [this is not my debt, wrong debt, not my debt]
  other: [hello there, hello, hi there]
"""
ZH_YAML = """
min_similarity: 0.5
short_replies:
  affirm: [对, 好的]
examples:
  cease: [别 再 打 了]
  other: [喂]
"""


def ctx(stage: Stage | None = None, locale: str = "en-US") -> NLUContext:
    return NLUContext(locale, TODAY, payday=15, stage=stage)


@pytest.fixture
def embedder() -> BagOfWordsEmbedder:
    return BagOfWordsEmbedder()


@pytest.fixture
def nlu(embedder, tmp_path) -> EmbeddingNLU:
    examples = [IntentExamples.from_yaml("en-US", EN_YAML), IntentExamples.from_yaml("zh-CN", ZH_YAML)]
    return EmbeddingNLU(embedder, examples, cache_dir=tmp_path)


def test_nearest_examples_decide_the_intent(nlu):
    understood = nlu.understand("please stop calling me", ctx())
    assert understood.intent is Intent.CEASE
    assert 0.5 < understood.confidence <= 1.0


def test_far_from_every_example_is_other(nlu):
    understood = nlu.understand("purple elephants dance", ctx())
    assert understood.intent is Intent.OTHER


def test_threshold_comes_from_the_examples_file(embedder, tmp_path):
    strict = dataclasses.replace(IntentExamples.from_yaml("en-US", EN_YAML), min_similarity=0.99)
    nlu = EmbeddingNLU(embedder, [strict], cache_dir=tmp_path)
    assert nlu.understand("please stop calling me", ctx()).intent is Intent.OTHER


@pytest.mark.parametrize(("text", "intent"), [("Yes!", Intent.AFFIRM), ("  SURE. ", Intent.AFFIRM),
                                              ("no", Intent.DENY)])
def test_short_replies_win_outright(nlu, text, intent):
    understood = nlu.understand(text, ctx(Stage.NEGOTIATION))
    assert (understood.intent, understood.confidence) == (intent, 1.0)


def test_short_reply_ignores_trailing_chinese_particles(nlu):
    assert nlu.understand("好的呀!", ctx(locale="zh-CN")).intent is Intent.AFFIRM
    assert nlu.understand("对吧", ctx(locale="zh-CN")).intent is Intent.AFFIRM


def test_a_longer_message_is_not_a_short_reply(nlu):
    assert nlu.understand("yes stop calling me", ctx()).intent is Intent.CEASE


def test_identity_digits_count_as_an_answer_only_during_verification(nlu):
    during = nlu.understand("1234", ctx(Stage.VERIFICATION))
    assert (during.intent, during.slots.id_last4) == (Intent.IDENTITY_ANSWER, "1234")
    before = nlu.understand("1234", ctx(Stage.GREETING))
    assert before.intent is Intent.OTHER
    assert before.slots.id_last4 is None


def test_date_of_birth_during_verification(nlu):
    understood = nlu.understand("hello, March 5, 1990", ctx(Stage.VERIFICATION))
    assert understood.intent is Intent.IDENTITY_ANSWER
    assert understood.slots.dob == dt.date(1990, 3, 5)


def test_concrete_amount_or_date_makes_a_commitment_while_negotiating(nlu):
    message = "hello, 500 on Friday"
    assert nlu.understand(message, ctx(Stage.GREETING)).intent is Intent.OTHER
    promised = nlu.understand(message, ctx(Stage.NEGOTIATION))
    assert (promised.intent, promised.confidence) == (Intent.COMMITMENT, 1.0)
    assert (promised.slots.amount, promised.slots.date) == (Decimal(500), dt.date(2026, 11, 27))
    assert nlu.understand(message, ctx(Stage.COMMITMENT)).intent is Intent.COMMITMENT


def test_a_vague_time_is_not_a_commitment(nlu):
    understood = nlu.understand("hello, soon", ctx(Stage.NEGOTIATION))
    assert understood.intent is Intent.OTHER
    assert understood.slots.vague_date is True


@pytest.mark.parametrize(("text", "intent"), [
    ("call me back later on Friday", Intent.CALLBACK),
    ("I refuse to pay 500 on Friday", Intent.OBJECTION_REFUSAL),
    ("this is not my debt, 900 is wrong", Intent.DISPUTE),
])
def test_a_date_does_not_turn_other_intents_into_commitments(nlu, text, intent):
    assert nlu.understand(text, ctx(Stage.NEGOTIATION)).intent is intent


@pytest.mark.parametrize("text", ["I can't pay 500 on Friday", "I already paid you 500"])
def test_not_a_promise_cue_rules_out_commitment(nlu, text):
    assert nlu.score(text, "en-US").intent is Intent.COMMITMENT  # what the embedding alone would say
    understood = nlu.understand(text, ctx(Stage.NEGOTIATION))
    assert understood.intent not in (Intent.COMMITMENT, Intent.AFFIRM)


def test_not_a_promise_cues_read_curly_apostrophes():
    examples = IntentExamples.from_yaml("en-US", EN_YAML)
    assert examples.denies_paying("I can’t pay")
    assert not examples.denies_paying("I can pay")


def test_empty_message_is_other(nlu):
    assert nlu.understand("   ", ctx()).intent is Intent.OTHER


def test_locale_falls_back_to_its_language_and_rejects_others(nlu):
    assert nlu.understand("stop calling", ctx(locale="en-GB")).intent is Intent.CEASE
    with pytest.raises(ValueError, match="unsupported locale 'fr-FR'"):
        nlu.understand("arrêtez", ctx(locale="fr-FR"))


def test_understanding_from_many_threads_matches_one_thread(nlu):
    messages = ["stop calling me", "I will pay 500 tomorrow", "call me later", "hello", "no"] * 20
    alone = [nlu.understand(m, ctx(Stage.NEGOTIATION)) for m in messages]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda m: nlu.understand(m, ctx(Stage.NEGOTIATION)), messages))
    assert together == alone


# ---------------------------------------------------------------- example cache

def examples() -> list[IntentExamples]:
    return [IntentExamples.from_yaml("en-US", EN_YAML)]


def test_example_embeddings_are_cached_on_disk(tmp_path):
    first = BagOfWordsEmbedder()
    EmbeddingNLU(first, examples(), cache_dir=tmp_path)
    assert first.batches == 1
    assert len(list((tmp_path / "nlu").glob("en-US-*.npy"))) == 1

    second = BagOfWordsEmbedder()
    nlu = EmbeddingNLU(second, examples(), cache_dir=tmp_path)
    assert second.batches == 0
    assert nlu.understand("stop calling me", ctx()).intent is Intent.CEASE


def test_settings_changes_keep_the_cache_but_new_examples_do_not(tmp_path):
    EmbeddingNLU(BagOfWordsEmbedder(), examples(), cache_dir=tmp_path)
    retuned = BagOfWordsEmbedder()
    EmbeddingNLU(retuned, [dataclasses.replace(examples()[0], min_similarity=0.7)], cache_dir=tmp_path)
    assert retuned.batches == 0

    grown = BagOfWordsEmbedder()
    more = IntentExamples.from_yaml("en-US", EN_YAML.replace("[hello there,", "[good morning, hello there,"))
    EmbeddingNLU(grown, [more], cache_dir=tmp_path)
    assert grown.batches == 1
    assert len(list((tmp_path / "nlu").glob("en-US-*.npy"))) == 2


def test_corrupt_cache_is_recomputed_and_replaced(tmp_path, caplog):
    EmbeddingNLU(BagOfWordsEmbedder(), examples(), cache_dir=tmp_path)
    [cached] = (tmp_path / "nlu").glob("*.npy")
    cached.write_bytes(b"not a numpy file")

    embedder = BagOfWordsEmbedder()
    with caplog.at_level(logging.WARNING):
        nlu = EmbeddingNLU(embedder, examples(), cache_dir=tmp_path)
    assert embedder.batches == 1
    assert "recomputing" in caplog.text
    assert nlu.understand("stop calling me", ctx()).intent is Intent.CEASE
    assert np.load(cached).shape == (len(examples()[0].texts), BagOfWordsEmbedder.dim)


def test_cache_of_the_wrong_shape_is_recomputed(tmp_path):
    EmbeddingNLU(BagOfWordsEmbedder(), examples(), cache_dir=tmp_path)
    [cached] = (tmp_path / "nlu").glob("*.npy")
    np.save(cached, np.zeros((2, 3), dtype=np.float32))
    embedder = BagOfWordsEmbedder()
    EmbeddingNLU(embedder, examples(), cache_dir=tmp_path)
    assert embedder.batches == 1


def test_unwritable_cache_still_works(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go")
    with caplog.at_level(logging.WARNING):
        nlu = EmbeddingNLU(BagOfWordsEmbedder(), examples(), cache_dir=blocker)
    assert nlu.understand("stop calling me", ctx()).intent is Intent.CEASE
    assert "could not cache" in caplog.text


def test_cache_dir_defaults_to_settle_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SETTLE_CACHE_DIR", str(tmp_path))
    EmbeddingNLU(BagOfWordsEmbedder(), examples())
    assert list((tmp_path / "nlu").glob("en-US-*.npy"))


# ---------------------------------------------------------------- examples file

def test_unquoted_yes_no_in_yaml_is_refused():
    with pytest.raises(ValueError, match="quote it"):
        IntentExamples.from_yaml("en-US", "min_similarity: 0.5\nexamples:\n  affirm: [yes, sure]\n")


def test_unknown_intent_in_yaml_is_refused():
    with pytest.raises(ValueError, match="grumble"):
        IntentExamples.from_yaml("en-US", "min_similarity: 0.5\nexamples:\n  grumble: [meh]\n")


@pytest.mark.parametrize("message", ["yes this is Jordan", "yes, this is Jordan"])
def test_a_greeting_answered_with_yes_and_a_name_affirms(nlu, message):
    """Names pull the embedding away from every example; the opening "yes" decides."""
    assert nlu.understand(message, ctx(Stage.GREETING)).intent is Intent.AFFIRM
