"""Speed of the NLU on this machine: start-up, and `understand()` per message.

    .venv/bin/python tests/nlu/bench_nlu.py

Every held-out message is new to the embedder's LRU cache on its first pass, so
the first pass is the cost of a new borrower message (one embedding + rules); the
second pass shows a repeated message. Figures are printed, never asserted.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for `tests.nlu`
from tests.nlu.nlu_testdata import PAYDAY, TODAY, load_heldout  # noqa: E402

from settle.agent.embedding import Embedder  # noqa: E402
from settle.agent.nlu import EmbeddingNLU  # noqa: E402
from settle.agent.slots import extract_slots  # noqa: E402
from settle.agent.types import NLUContext, Stage  # noqa: E402


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.2f} ms   p95 {p95:6.2f} ms   max {ordered[-1]:6.2f} ms"


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as empty:
        cold = timed(lambda: EmbeddingNLU(Embedder(), cache_dir=Path(empty)))
    EmbeddingNLU()  # make sure the default cache is filled
    warm_ms = timed(lambda: EmbeddingNLU(Embedder()))
    print(f"start-up: {cold / 1000:.1f} s embedding the examples, {warm_ms:.0f} ms from the disk cache")

    nlu = EmbeddingNLU(Embedder())
    for locale, items in load_heldout().items():
        ctx = NLUContext(locale, TODAY, payday=PAYDAY, stage=Stage.NEGOTIATION)
        first = [timed(lambda t=text: nlu.understand(t, ctx)) for text, _ in items]
        again = [timed(lambda t=text: nlu.understand(t, ctx)) for text, _ in items]
        rules = [timed(lambda t=text: extract_slots(t, ctx)) for text, _ in items]
        print(f"{locale} ({len(items)} messages)")
        print(f"  understand, new message       {percentiles(first)}")
        print(f"  understand, repeated message  {percentiles(again)}")
        print(f"  slot rules alone              {percentiles(rules)}")


if __name__ == "__main__":
    main()
