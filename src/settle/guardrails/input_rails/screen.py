"""Screening one borrower message for what must change the conversation's course.

Two layers, both driven by the rail folders' YAML:

1. Precise patterns per locale, checked clause by clause so that a negation or
   a qualifier in the same clause voids the hit ("I'm not saying stop
   calling", "don't call me at work", "我没说不还").
2. Semantic similarity with the shared multilingual embedder, for paraphrases
   no pattern anticipates ("everyone would be better off without me"). A
   sentence is labelled by its nearest exemplars among all rails *and* a
   background of ordinary borrower messages, and fires only when it is close
   enough to one rail and clearly closer to it than to anything else: a false
   cease or hand-off ends a collection conversation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from settle.agent.types import RailSignal
from settle.guardrails.input_rails.config import LOCALES, Rail, RailsConfig, load_config

if TYPE_CHECKING:
    from settle.agent.embedding import Embedder

BACKGROUND = "none"
SEMANTIC_RULE = "semantic"

# Length-preserving normalisation, so spans found in the normalised text index the original.
_FOLD = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'", "\u3000": " "}
    | {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
)
_CLAUSE_BREAK = re.compile(r"[,.;:!?、，。；：！？\n]|\bbut\b|但是|可是|不过", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")


def normalise_locale(locale: str) -> str:
    """The supported locale with the same language: "zh" → "zh-CN", "en-GB" → "en-US"."""
    if locale in LOCALES:
        return locale
    language = locale.split("-")[0].split("_")[0].lower()
    for known in LOCALES:
        if known.split("-")[0] == language:
            return known
    raise ValueError(f"unsupported locale {locale!r}; expected one of {', '.join(LOCALES)}")


@dataclass(frozen=True)
class _Index:
    """Every exemplar of one locale, embedded once, grouped by label."""

    vectors: np.ndarray  # (n, dim), L2-normalised
    labels: tuple[str, ...]  # label of each group, BACKGROUND included
    starts: np.ndarray  # first row of each group


class InputRailScreen:
    """Finds rail signals in borrower messages; see the module docstring for how.

    `enabled` restricts the rails that may fire (default: those switched on in
    `config.yaml`); `semantic=False` keeps to patterns (no embedder needed).
    """

    def __init__(
        self,
        config: RailsConfig | None = None,
        *,
        enabled: Iterable[str] | None = None,
        semantic: bool | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self._config = config or load_config()
        known = {rail.kind for rail in self._config.rails}
        chosen = known if enabled is None else set(enabled)
        if chosen - known:
            raise ValueError(f"unknown rail(s) {sorted(chosen - known)}; configured: {sorted(known)}")
        self._rails = tuple(rail for rail in self._config.rails if rail.kind in chosen)
        self._semantic = self._config.semantic_enabled if semantic is None else semantic
        self._embedder = embedder
        self._indexes: dict[str, _Index] = {}

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(rail.kind for rail in self._rails)

    def warm(self) -> None:
        """Embed every locale's exemplars now (a few seconds) rather than on the first message."""
        if self._semantic:
            for locale in LOCALES:
                self._index(locale)

    def screen(self, text: str, locale: str) -> list[RailSignal]:
        """At most one signal per rail kind, in order of where it was found."""
        locale = normalise_locale(locale)
        folded = text.translate(_FOLD)
        found: dict[str, RailSignal] = {}
        vetoed: set[str] = set()
        for rail in self._rails:
            signal, voided = self._pattern_signal(rail, folded, locale)
            if signal is not None:
                found[rail.kind] = signal
            elif voided:
                vetoed.add(rail.kind)
        if self._semantic:
            for signal in self._semantic_signals(folded, locale):
                if signal.kind not in vetoed:
                    found.setdefault(signal.kind, signal)
        return sorted(found.values(), key=lambda signal: (signal.span[0], signal.kind))

    def semantic_scores(self, sentence: str, locale: str) -> dict[str, float]:
        """Best cosine similarity of one sentence to each label's exemplars (BACKGROUND included)."""
        index = self._index(normalise_locale(locale))
        sims = index.vectors @ self._embedder_instance().embed(sentence.translate(_FOLD))
        best = np.maximum.reduceat(sims, index.starts)
        return {label: float(score) for label, score in zip(index.labels, best, strict=True)}

    # -- layer 1: patterns ---------------------------------------------------

    def _pattern_signal(self, rail: Rail, text: str, locale: str) -> tuple[RailSignal | None, bool]:
        """The first hit that survives negation and `unless`; and whether any hit was voided.

        A voided hit vetoes the semantic layer for that rail: "don't call me
        before 9am" reads like a cease, and the pattern already judged it not one.
        """
        voided = False
        for rule in rail.patterns.get(locale, ()):
            for match in rule.pattern.finditer(text):
                if match.end() == match.start():
                    continue
                clause_start, clause_end = _clause_bounds(text, match.start(), match.end())
                before = text[clause_start : match.start()]
                clause = text[clause_start:clause_end]
                if self._negated(before, locale, rule.negatable) or any(
                    pattern.search(clause) for pattern in rule.unless
                ):
                    voided = True
                    continue
                return RailSignal(kind=rail.kind, rule=rule.id, span=match.span()), False
        return None, voided

    def _negated(self, before: str, locale: str, negatable: bool) -> bool:
        negation = self._config.negation.get(locale)
        if negation is None:
            return False
        window = before[-negation.window :]
        if any(cue.search(window) for cue in negation.reported):
            return True
        return negatable and negation.immediate.search(before) is not None

    # -- layer 2: semantic similarity ----------------------------------------

    def _semantic_signals(self, text: str, locale: str) -> list[RailSignal]:
        by_kind = {rail.kind: rail for rail in self._rails if rail.semantic is not None}
        negation = self._config.negation.get(locale)
        signals = []
        for match in _SENTENCE.finditer(text):
            sentence = match.group().strip()
            if not _substantial(sentence, locale):
                continue
            if negation is not None and any(cue.search(sentence) for cue in negation.reported):
                continue
            scores = self.semantic_scores(sentence, locale)
            label = max(scores, key=scores.__getitem__)
            rail = by_kind.get(label)
            if rail is None:
                continue
            runner_up = max(score for other, score in scores.items() if other != label)
            if scores[label] >= rail.semantic.min_similarity and scores[label] - runner_up >= rail.semantic.min_margin:
                start = match.start() + (len(match.group()) - len(match.group().lstrip()))
                signals.append(RailSignal(kind=label, rule=SEMANTIC_RULE, span=(start, start + len(sentence))))
        return signals

    def _index(self, locale: str) -> _Index:
        index = self._indexes.get(locale)
        if index is None:
            groups = [(rail.kind, rail.exemplars.get(locale, ())) for rail in self._config.rails]
            groups.append((BACKGROUND, self._config.background.get(locale, ())))
            groups = [(label, texts) for label, texts in groups if texts]
            texts = [text.translate(_FOLD) for _, group in groups for text in group]
            sizes = [len(group) for _, group in groups]
            index = _Index(
                vectors=self._embedder_instance().embed_many(texts),
                labels=tuple(label for label, _ in groups),
                starts=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp),
            )
            self._indexes[locale] = index
        return index

    def _embedder_instance(self) -> Embedder:
        if self._embedder is None:
            from settle.agent.embedding import shared_embedder

            self._embedder = shared_embedder()
        return self._embedder


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around a hit: from the last break before it to the first break after it."""
    clause_start = 0
    for brk in _CLAUSE_BREAK.finditer(text, 0, start):
        clause_start = brk.end()
    after = _CLAUSE_BREAK.search(text, end)
    return clause_start, after.start() if after else len(text)


def _substantial(sentence: str, locale: str) -> bool:
    """Too short to judge by meaning ("ok", "嗯"): patterns alone decide."""
    if locale.startswith("zh"):
        return len(re.findall(r"[\u4e00-\u9fff]", sentence)) >= 4
    return len(re.findall(r"[A-Za-z']+", sentence)) >= 3
