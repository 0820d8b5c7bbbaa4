"""The trained layer: a softmax classifier over the same e5 sentence embeddings.

The paraphrase layer asks "is this sentence close to one known violation?";
this layer learns where the categories lie from every labelled sentence at once
(the exemplars, the shared contrast lines, the script's vetted lines and the
evaluation's dev split), so it reaches phrasings no single exemplar is near.
It judges what the two layers before it left: sentences no rule explained and
the paraphrase layer did not flag.

One multinomial logistic regression, classes `compliant` plus every category
with a paraphrase layer. The softmax runs only over the categories that apply
to the conversation, in training as in use: "your balance is $840" is
compliant to the debtor and third_party_disclosure to a neighbour, and with
the category masked out for the debtor the two never contradict each other.

The weights, the decision threshold and a fingerprint of the training data
live in `classifier.npz`, written by `settle eval guard --train`
(`settle.eval.guard_train`); they are never edited by hand.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from settle.guardrails.output.settings import OUTPUT_DIR

COMPLIANT = "compliant"
WEIGHTS = OUTPUT_DIR / "classifier.npz"


@dataclass(frozen=True)
class Verdict:
    category: str
    probability: float


@dataclass(frozen=True)
class SentenceClassifier:
    classes: tuple[str, ...]  # COMPLIANT first, then the categories
    weights: np.ndarray  # (classes, dim + 1): the last column is the bias
    threshold: float  # a sentence is flagged when its best category is at least this probable
    fingerprint: str  # of the training data (see `fingerprint`)
    report: dict  # how the threshold was chosen, for `--train`'s output and reviewers

    def probabilities(self, vectors: np.ndarray, categories: Iterable[str]) -> np.ndarray:
        """P(class | sentence) over COMPLIANT and the applicable `categories`; 0 for the rest."""
        return softmax(logits(self.weights, vectors), self.mask(categories))

    def mask(self, categories: Iterable[str]) -> np.ndarray:
        allowed = set(categories) | {COMPLIANT}
        return np.array([name in allowed for name in self.classes])

    def judge(self, vectors: np.ndarray, categories: Iterable[str]) -> list[Verdict | None]:
        """Per sentence, the category it is flagged for, or None."""
        if not len(vectors):
            return []
        probs = self.probabilities(vectors, categories)
        best = 1 + np.argmax(probs[:, 1:], axis=1)
        return [
            Verdict(self.classes[k], float(probs[row, k])) if probs[row, k] >= self.threshold else None
            for row, k in enumerate(best)
        ]

    def save(self, path: Path = WEIGHTS) -> None:
        np.savez_compressed(
            path,
            classes=np.array(self.classes),
            weights=self.weights.astype(np.float32),
            threshold=np.float64(self.threshold),
            fingerprint=np.array(self.fingerprint),
            report=np.array(json.dumps(self.report, ensure_ascii=False, sort_keys=True)),
        )

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> SentenceClassifier:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                classes=tuple(str(c) for c in data["classes"]),
                weights=data["weights"].astype(np.float32),
                threshold=float(data["threshold"]),
                fingerprint=str(data["fingerprint"]),
                report=json.loads(str(data["report"])),
            )


@lru_cache(maxsize=1)
def shipped_classifier() -> SentenceClassifier | None:
    """The trained layer as shipped, or None before it was first trained."""
    return SentenceClassifier.load() if WEIGHTS.exists() else None


def logits(weights: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    return vectors @ weights[:, :-1].T + weights[:, -1]


def softmax(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row-wise softmax over the classes `mask` allows (one mask, or one per row)."""
    masked = np.where(mask, scores, -np.inf)
    masked = masked - masked.max(axis=-1, keepdims=True)
    exp = np.exp(masked)
    return exp / exp.sum(axis=-1, keepdims=True)


def fit(vectors: np.ndarray, targets: np.ndarray, masks: np.ndarray, l2: float, steps: int) -> np.ndarray:
    """Masked multinomial logistic regression by full-batch gradient descent
    with Nesterov momentum from zero weights: deterministic on a given CPU, and
    numpy only. `targets` are rows of class probabilities (a sentence labelled
    with two categories is half each); `masks` say which classes apply per row.

    e5 vectors all point much the same way (cosines of unrelated sentences
    sit near 0.8), so the features are standardised for the descent (scaled so
    a row has unit norm on average: a step of 2 is then stable) and the weights
    mapped back, to apply to raw vectors."""
    rows, dim = vectors.shape
    mean = vectors.mean(axis=0, dtype=np.float64)
    scale = (vectors.std(axis=0, dtype=np.float64) + 1e-6) * np.sqrt(dim)
    design = np.hstack([(vectors - mean) / scale, np.ones((rows, 1))])
    weights = np.zeros((targets.shape[1], dim + 1))
    velocity = np.zeros_like(weights)
    shrink = np.ones(dim + 1)
    shrink[-1] = 0.0  # the bias is not shrunk
    rate, momentum = 2.0, 0.9
    for _ in range(steps):
        ahead = weights + momentum * velocity
        probs = softmax(design @ ahead.T, masks)
        gradient = (probs - targets).T @ design / rows + l2 * ahead * shrink
        velocity = momentum * velocity - rate * gradient
        weights = weights + velocity
    raw = weights[:, :-1] / scale
    bias = weights[:, -1] - raw @ mean
    return np.hstack([raw, bias[:, None]]).astype(np.float32)


def fingerprint(parts: Sequence[str]) -> str:
    """A digest of everything the layer is trained from, so a test can tell
    when the shipped weights no longer match the data."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]
