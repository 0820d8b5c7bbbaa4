"""`settle eval guard --train`: the output guard's trained layer, from the dev split and the exemplars.

Training data, never the blind test split:
- every category's violation exemplars (its category) and compliant near misses,
  the shared contrast lines, the script's vetted lines and every script line
  rendered for the evaluation cases (compliant);
- the dev split's lines, sentence by sentence. A compliant line's sentences are
  all compliant. A violation said in one sentence labels it; in a longer line
  only one sentence need carry it, so a first model (without those lines) picks,
  per category, the sentence most like it, and the line's other sentences stay
  out (multiple-instance learning). A line whose violation code found against
  the case or the party (an amount the case does not hold) is left out: its
  words alone teach nothing.

The decision threshold comes from out-of-fold scores: the dev lines are split
into folds, each fold judged by a model trained without it, exactly as in use
(only sentences no rule explained and the paraphrase layer let pass). The
lowest threshold at which the whole guard — rules, paraphrase layer and this
layer — flags at most `max_dev_fpr` of the compliant dev lines is kept, raised
if need be until no rendered script line is flagged by the final model. The
final model is trained on all of it.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from settle.eval.guard_eval import CASES, UTTERANCES, LabelledUtterance, load_utterances, vetted_utterances
from settle.guardrails.output.category import (
    assess,
    case_names,
    classifier_sentences,
    load_spec,
    semantic_categories,
    sentence_vectors,
    sentences_to_compare,
)
from settle.guardrails.output.classifier import COMPLIANT, SentenceClassifier, fingerprint, fit, logits, softmax
from settle.guardrails.output.settings import OUTPUT_DIR, output_settings, read_yaml
from settle.guardrails.output.semantic import vetted_sentences
from settle.guardrails.output.text import LOCALES, analyse, embedding_text
from settle.prompts import load_script

THRESHOLDS = [round(0.30 + 0.01 * i, 2) for i in range(70)]


@dataclass
class Examples:
    """Labelled sentences: embeddings, class-probability targets, class masks."""

    vectors: list[np.ndarray] = field(default_factory=list)
    targets: list[np.ndarray] = field(default_factory=list)
    masks: list[np.ndarray] = field(default_factory=list)

    def add(self, vectors: np.ndarray, target: np.ndarray, mask: np.ndarray) -> None:
        for vector in vectors:
            self.vectors.append(vector)
            self.targets.append(target)
            self.masks.append(mask)

    def extend(self, other: Examples) -> None:
        self.vectors += other.vectors
        self.targets += other.targets
        self.masks += other.masks


@dataclass(frozen=True)
class DevLine:
    """A dev line as training and out-of-fold judging need it."""

    utterance: LabelledUtterance
    labels: frozenset[str]  # its categories the classifier knows
    mask: np.ndarray
    sentences: np.ndarray  # every sentence long enough, rules or not
    judged: np.ndarray  # the sentences the trained layer judges in use
    flagged_before: frozenset[str]  # categories the rules and the paraphrase layer find
    fold: int
    trainable: bool  # False when code found a labelled violation against the case


@dataclass(frozen=True)
class TrainingSettings:
    max_dev_fpr: float
    folds: int
    l2: float
    steps: int

    @classmethod
    def from_config(cls) -> TrainingSettings:
        raw = read_yaml(OUTPUT_DIR / "config.yaml")["classifier"]
        return cls(float(raw["max_dev_fpr"]), int(raw["folds"]), float(raw["l2"]), int(raw["steps"]))


class Trainer:
    def __init__(self, guard: Any, settings: TrainingSettings | None = None) -> None:
        from settle.agent.embedding import shared_embedder

        self.guard = guard
        self.settings = settings or TrainingSettings.from_config()
        self.classes = (COMPLIANT, *(rail for rail in output_settings().rails if load_spec(rail).thresholds))
        self.embedder = shared_embedder()

    def target(self, labels: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(self.classes))
        for name in labels or (COMPLIANT,):
            out[self.classes.index(name)] = 1.0 / max(len(labels), 1)
        return out

    def mask(self, categories: Sequence[str] | frozenset[str]) -> np.ndarray:
        allowed = set(categories) | {COMPLIANT}
        return np.array([name in allowed for name in self.classes])

    def fixed_examples(self) -> Examples:
        """Exemplars, contrast lines, vetted lines: in every fold's training."""
        examples = Examples()
        debtor = self.mask([c for c in self.classes if c != "third_party_disclosure"])
        everyone = self.mask(self.classes)

        def add(texts: list[str], labels: Sequence[str], mask: np.ndarray) -> None:
            if texts:
                examples.add(self.embedder.embed_many([embedding_text(t) for t in texts]), self.target(labels), mask)

        for category in self.classes[1:]:
            own = everyone if category == "third_party_disclosure" else debtor
            for groups in (load_spec(category).exemplars or {}).values():
                for texts in groups["violation"].values():
                    add(list(texts), [category], own)
                add(list(groups.get("compliant", ())), [], own)
        contrast = read_yaml(OUTPUT_DIR / "contrast.yaml")
        for locale in LOCALES:
            add(contrast.get(locale, []) + vetted_sentences(load_script(locale)), [], debtor)
        for utterance in vetted_utterances():
            analysis = analyse(utterance.text, utterance.locale)
            spans = sentences_to_compare(analysis)
            examples.add(sentence_vectors(analysis, spans, utterance.context()), self.target([]), debtor)
        return examples

    def dev_line(self, utterance: LabelledUtterance) -> DevLine:
        ctx = utterance.context()
        analysis = analyse(utterance.text, utterance.locale)
        names = case_names(ctx)
        rules = assess(utterance.text, ctx).rules
        # a violation code found against the case or the party (an amount the case
        # does not hold, any amount to a third party) never reaches this layer, and
        # its words alone ("you need to pay ¥5,000") are no example of the category
        by_case = {category for category, outcome in rules.items() if outcome.case} & utterance.expected
        flagged = {
            v.category for v in self.guard.check(utterance.text, ctx).violations if not v.rule.endswith(".classifier")
        }
        fold = int(hashlib.sha256(utterance.id.encode()).hexdigest(), 16) % self.settings.folds
        return DevLine(
            utterance,
            frozenset(utterance.expected) & set(self.classes),
            self.mask(semantic_categories(ctx)),
            sentence_vectors(analysis, sentences_to_compare(analysis, (), names), ctx),
            sentence_vectors(analysis, classifier_sentences(utterance.text, ctx), ctx),
            frozenset(flagged),
            fold,
            not by_case,
        )

    def train(self, fixed: Examples, lines: Sequence[DevLine]) -> np.ndarray:
        """Weights from the fixed examples and `lines`, in two rounds (see the module docstring)."""
        plain = Examples()
        plain.extend(fixed)
        ambiguous = []
        for line in lines:
            if not len(line.sentences) or not line.trainable:
                continue
            if not line.labels or len(line.sentences) == 1:
                plain.add(line.sentences, self.target(sorted(line.labels)), line.mask)
            else:
                ambiguous.append(line)
        weights = self._fit(plain)
        for line in ambiguous:
            probs = softmax(logits(weights, line.sentences), line.mask)
            chosen: dict[int, list[str]] = {}
            for category in sorted(line.labels):
                chosen.setdefault(int(np.argmax(probs[:, self.classes.index(category)])), []).append(category)
            for row, labels in sorted(chosen.items()):
                plain.add(line.sentences[row : row + 1], self.target(labels), line.mask)
        return self._fit(plain) if ambiguous else weights

    def _fit(self, examples: Examples) -> np.ndarray:
        return fit(
            np.vstack(examples.vectors),
            np.vstack(examples.targets),
            np.vstack(examples.masks),
            self.settings.l2,
            self.settings.steps,
        )


def _best(weights: np.ndarray, vectors: np.ndarray, mask: np.ndarray) -> list[tuple[int, float]]:
    """Per sentence, the most probable category (class index) and its probability."""
    if not len(vectors):
        return []
    probs = softmax(logits(weights, vectors), mask)
    best = 1 + np.argmax(probs[:, 1:], axis=1)
    return [(int(k), float(probs[row, k])) for row, k in enumerate(best)]


def train_classifier(guard: Any = None, settings: TrainingSettings | None = None) -> SentenceClassifier:
    """Train the layer on the dev split and the exemplars; nothing is written."""
    if guard is None:
        from settle.guardrails.output import ComplianceGuard

        guard = ComplianceGuard()
    trainer = Trainer(guard, settings)
    fixed = trainer.fixed_examples()
    lines = [trainer.dev_line(u) for u in load_utterances("dev")]
    folds = trainer.settings.folds

    # out of fold, each dev line's (category, probability) per sentence: those
    # judged in use, and (for recall as if no rule existed) all of them
    scored: list[list[tuple[int, float]]] = [[] for _ in lines]
    alone: list[list[tuple[int, float]]] = [[] for _ in lines]
    for fold in range(folds):
        weights = trainer.train(fixed, [line for line in lines if line.fold != fold])
        for i, line in enumerate(lines):
            if line.fold == fold:
                scored[i] = _best(weights, line.judged, line.mask)
                alone[i] = _best(weights, line.sentences, line.mask)

    compliant = [i for i, line in enumerate(lines) if line.utterance.compliant]

    def flagged_at(i: int, threshold: float) -> set[str]:
        return {trainer.classes[k] for k, p in scored[i] if p >= threshold}

    def dev_fpr(threshold: float) -> float:
        return sum(bool(lines[i].flagged_before or flagged_at(i, threshold)) for i in compliant) / max(len(compliant), 1)

    threshold = next((t for t in THRESHOLDS if dev_fpr(t) <= trainer.settings.max_dev_fpr), 1.0)
    final = trainer.train(fixed, lines)
    for utterance in vetted_utterances():  # a script line is never flagged
        ctx = utterance.context()
        vectors = sentence_vectors(analyse(utterance.text, utterance.locale), classifier_sentences(utterance.text, ctx), ctx)
        for _, probability in _best(final, vectors, trainer.mask(semantic_categories(ctx))):
            if probability >= threshold:
                threshold = round(probability + 0.01, 2)

    def recall_alone(category: str) -> tuple[int, int]:
        k = trainer.classes.index(category)
        positives = [i for i, line in enumerate(lines) if category in line.labels]
        return sum(any(c == k and p >= threshold for c, p in alone[i]) for i in positives), len(positives)

    def recall(category: str, with_layer: bool) -> tuple[int, int]:
        positives = [i for i, line in enumerate(lines) if category in line.labels]
        caught = sum(
            category in lines[i].flagged_before or (with_layer and category in flagged_at(i, threshold))
            for i in positives
        )
        return caught, len(positives)

    report = {
        "threshold": threshold,
        "max_dev_fpr": trainer.settings.max_dev_fpr,
        "dev_lines": len(lines),
        "training_sentences": len(fixed.vectors) + sum(len(line.sentences) for line in lines),
        "out_of_fold": {
            "false_positive_rate_before": round(dev_fpr(1.01), 4),
            "false_positive_rate": round(dev_fpr(threshold), 4),
            "recall_before": {c: "%d/%d" % recall(c, False) for c in trainer.classes[1:]},
            "recall": {c: "%d/%d" % recall(c, True) for c in trainer.classes[1:]},
            # the dev lines were written beside the lexicons, so the rules catch nearly all
            # of them; how the layer fares on its own says more about unseen phrasings
            "recall_of_the_layer_alone": {c: "%d/%d" % recall_alone(c) for c in trainer.classes[1:]},
        },
    }
    return SentenceClassifier(trainer.classes, final, threshold, training_fingerprint(), report)


def training_fingerprint() -> str:
    """Everything training reads: the dev lines, the cases, the script, and the
    guard's YAML (lexicons, thresholds, exemplars, contrast lines, these settings)."""
    dev = [line for line in UTTERANCES.read_text(encoding="utf-8").splitlines() if json.loads(line or "{}").get("split") == "dev"]
    scripts = [json.dumps(load_script(locale), ensure_ascii=False, sort_keys=True, default=str) for locale in LOCALES]
    configs = [p.read_text(encoding="utf-8") for p in sorted(OUTPUT_DIR.rglob("*.yaml"))]
    return fingerprint([*dev, CASES.read_text(encoding="utf-8"), *scripts, *configs])
