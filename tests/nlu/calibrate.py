"""Choose each locale's `min_similarity` on the held-out set, and print the figures behind it.

    .venv/bin/python tests/nlu/calibrate.py

Per locale: leave-one-out accuracy over the examples (how well they cover each
other, the criterion TOP_K was chosen by), then held-out accuracy through
`EmbeddingNLU.understand` (no stage) for thresholds 0.80–0.95. The recommended
threshold is the lowest one reaching the best accuracy: as few real messages as
possible are thrown away as `other`. Copy it into the locale's intents.yaml.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for `tests.nlu`
from tests.nlu.nlu_testdata import TODAY, load_heldout  # noqa: E402

from settle.agent.embedding import shared_embedder  # noqa: E402
from settle.agent.nlu import LOCALES, TOP_K, EmbeddingNLU, IntentExamples  # noqa: E402
from settle.agent.types import NLUContext  # noqa: E402

THRESHOLDS = np.round(np.arange(0.80, 0.951, 0.005), 3)


def leave_one_out_accuracy(nlu: EmbeddingNLU, locale: str) -> float:
    index = nlu._index_for(locale)  # noqa: SLF001 - calibration looks inside on purpose
    similarities = index.matrix @ index.matrix.T
    np.fill_diagonal(similarities, -np.inf)
    correct = 0
    for row, label in enumerate(index.examples.labels):
        per_intent = [np.sort(similarities[row, rows])[-TOP_K:].mean() for rows in index.rows]
        correct += index.intents[int(np.argmax(per_intent))] == label
    return correct / len(index.examples.labels)


def main() -> None:
    embedder = shared_embedder()
    heldout = load_heldout()
    for locale in LOCALES:
        base = IntentExamples.packaged(locale)
        nlu = EmbeddingNLU(embedder, [base])
        print(f"{locale}: {len(base.texts)} examples, leave-one-out accuracy {leave_one_out_accuracy(nlu, locale):.3f}")
        items = heldout[locale]
        accuracy: dict[float, float] = {}
        for threshold in THRESHOLDS:
            tuned = EmbeddingNLU(embedder, [dataclasses.replace(base, min_similarity=float(threshold))])
            hits = sum(tuned.understand(text, NLUContext(locale, TODAY)).intent == gold for text, gold in items)
            accuracy[float(threshold)] = hits / len(items)
        best = max(accuracy.values())
        chosen = min(t for t, a in accuracy.items() if a == best)
        print("  threshold  held-out accuracy (n=%d)" % len(items))
        for threshold, value in accuracy.items():
            marks = (" <- recommended" if threshold == chosen else "") + (" (current)" if threshold == base.min_similarity else "")
            print(f"  {threshold:.3f}      {value:.3f}{marks}")


if __name__ == "__main__":
    main()
