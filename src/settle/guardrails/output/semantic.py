"""The paraphrase layer: each sentence classified by its nearest exemplar.

Every category keeps, per locale, violation exemplars grouped by rule and
compliant near misses (`exemplars.yaml`); `contrast.yaml` and the script's own
vetted lines add more compliant speech. All of them sit in one matrix per
locale, so a sentence costs one embedding and one product. A sentence is
flagged for a category only when that category's exemplar is the nearest
violation among the categories that apply to the conversation, is at least
`threshold` similar, and beats the nearest compliant exemplar by `margin`.
Both numbers come from the evaluation's dev split (`settle eval guard --tune`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from settle.agent.embedding import Embedder
from settle.guardrails.output.text import analyse, embedding_text


@dataclass(frozen=True)
class Thresholds:
    threshold: float
    margin: float


@dataclass(frozen=True)
class Nearest:
    category: str
    rule: str
    violation: float
    compliant: float

    @property
    def margin(self) -> float:
        return self.violation - self.compliant

    def passes(self, thresholds: Thresholds) -> bool:
        return self.violation >= thresholds.threshold and self.margin >= thresholds.margin


@dataclass(frozen=True)
class _LocaleIndex:
    violations: np.ndarray
    labels: tuple[tuple[str, str], ...]  # (category, rule) per row
    compliant: np.ndarray


class ExemplarIndex:
    """Exemplars of every category, embedded once at start-up."""

    def __init__(
        self,
        exemplars: Mapping[str, Mapping[str, Any]],
        compliant: Mapping[str, Iterable[str]],
        embedder: Embedder,
    ) -> None:
        """`exemplars`: category → locale → {violation: {rule: [...]}, compliant: [...]};
        `compliant`: locale → further compliant sentences."""
        self._embedder = embedder
        texts: dict[str, list[str]] = {}
        labels: dict[str, list[tuple[str, str]]] = {}
        safe: dict[str, list[str]] = {locale: list(lines) for locale, lines in compliant.items()}
        for category, by_locale in exemplars.items():
            for locale, groups in by_locale.items():
                for rule, examples in groups["violation"].items():
                    texts.setdefault(locale, []).extend(examples)
                    labels.setdefault(locale, []).extend([(category, rule)] * len(examples))
                safe.setdefault(locale, []).extend(groups.get("compliant", ()))
        self._locales = {
            locale: _LocaleIndex(
                violations=self._embed(texts[locale]),
                labels=tuple(labels[locale]),
                compliant=self._embed(safe.get(locale, [])),
            )
            for locale in texts
        }
        # a sentence said exactly as a compliant exemplar (a notice, a vetted line)
        # is its own nearest compliant neighbour, so it can never pass a margin ≥ 0
        self._known_compliant = {
            locale: {
                embedding_text(analysis.sentence_text(span))
                for text in lines
                for analysis in (analyse(text, locale),)
                for span in analysis.sentences
            }
            for locale, lines in safe.items()
        }

    def known_compliant(self, sentence: str, locale: str, names: Iterable[str] = ()) -> bool:
        return embedding_text(sentence, names) in self._known_compliant.get(locale, ())

    def _embed(self, texts: list[str]) -> np.ndarray:
        return self._embedder.embed_many([embedding_text(t) for t in texts])

    def nearest(self, vector: np.ndarray, locale: str, categories: Iterable[str]) -> Nearest | None:
        """The nearest violation exemplar among `categories`, with the nearest compliant one."""
        index = self._locales.get(locale)
        if index is None:
            return None
        allowed = np.array([category in set(categories) for category, _ in index.labels])
        if not allowed.any():
            return None
        similarities = np.where(allowed, index.violations @ vector, -np.inf)
        best = int(np.argmax(similarities))
        compliant = float(np.max(index.compliant @ vector)) if len(index.compliant) else -1.0
        category, rule = index.labels[best]
        return Nearest(category, rule, float(similarities[best]), compliant)


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def vetted_sentences(script: Mapping[str, Any]) -> list[str]:
    """The script's vetted lines and notices as plain text: compliant by definition.
    Placeholders become nothing; embeddings mask figures anyway."""
    out = list(script.get("notices", {}).values())

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.append(_JINJA.sub("", value))
        elif isinstance(value, list):
            for part in value:
                walk(part)
        elif isinstance(value, Mapping) and not ({"notice", "line", "policy_notices"} & set(value)):
            for part in value.values():
                walk(part)

    walk(script.get("lines", {}))
    return [text for text in out if text.strip()]
