"""`settle bench llm`: latency of borrower turns with the LLM in the loop, on this machine.

Each turn is a labelled negotiation message (an objection, a question or a
promise) answered in a conversation preset just after the disclosure, through
the real pipeline: input rails, combined understanding, policy, LLM wording
with the guard and the fact check, store. Measured per turn: the time to the
first guarded sentence (what a voice channel could start speaking) and the
whole turn; p50/p95 against the targets (first sentence ≤ 1.5 s p50, turn ≤ 4 s
p95). The turn budget is enforced by the pipeline: what the model has not
finished by then is dropped for the vetted line, counted here as `late`.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from settle.agent.types import Stage
from settle.config import Settings
from settle.eval.llm_eval import EvalCases, eval_settings, load_labelled, percentile
from settle.services import build_services

FIRST_SENTENCE_TARGET_P50_S = 1.5
TURN_TARGET_P95_S = 4.0
BENCH_INTENTS = ("objection_", "question", "commitment")


@dataclass
class LLMBenchReport:
    engine: str
    model: str
    budget_s: float
    first_sentence_s: list[float] = field(default_factory=list)
    turn_s: list[float] = field(default_factory=list)
    worded: int = 0  # turns whose reply the LLM worded and the guard let through
    acknowledged: int = 0  # turns whose first sentence was the model's acknowledgement (then maybe the vetted line)
    fallbacks: Counter[str] = field(default_factory=Counter)  # why the vetted line was sent instead

    def summary(self, values: list[float]) -> str:
        if not values:
            return "no turns"
        return (f"p50 {percentile(values, 0.5):.2f} s, p95 {percentile(values, 0.95):.2f} s, "
                f"mean {statistics.fmean(values):.2f} s, max {max(values):.2f} s")

    def format(self) -> str:
        turns = len(self.turn_s)
        first_p50, turn_p95 = percentile(self.first_sentence_s, 0.5), percentile(self.turn_s, 0.95)
        verdict = (lambda ok: "meets" if ok else "misses")
        return "\n".join([
            f"engine {self.engine}, model {self.model}, turn budget {self.budget_s} s, {turns} turns",
            (f"first guarded sentence: {self.summary(self.first_sentence_s)} "
             f"({verdict(first_p50 <= FIRST_SENTENCE_TARGET_P50_S)} the {FIRST_SENTENCE_TARGET_P50_S} s p50 target)"),
            (f"whole turn:             {self.summary(self.turn_s)} "
             f"({verdict(turn_p95 <= TURN_TARGET_P95_S)} the {TURN_TARGET_P95_S} s p95 target)"),
            f"first sentence from the model in {self.acknowledged}/{turns} turns",
            (f"LLM wording sent whole in {self.worded}/{turns} turns; vetted line instead: "
             + (", ".join(f"{reason} {count}" for reason, count in self.fallbacks.most_common()) or "never")),
        ])


def run_llm_benchmark(settings: Settings, turns: int, locales: tuple[str, ...],
                      progress: Callable[[str], None] = lambda _m: None) -> LLMBenchReport:
    """Open the configured engine (EngineUnavailable says why it cannot run) and time `turns` turns."""
    from settle.agent.llm import open_engine

    messages = [m for m in load_labelled() if m.locale in locales and m.stage is Stage.NEGOTIATION
                and m.intent.value.startswith(BENCH_INTENTS)]
    if not messages:
        raise ValueError(f"no benchmark messages for {', '.join(locales)}")
    engine = open_engine(settings)
    report = LLMBenchReport(engine=engine.kind, model=engine.model, budget_s=settings.llm_turn_budget_s)
    with tempfile.TemporaryDirectory(prefix="settle-bench-llm-") as folder:
        services = build_services(eval_settings(settings, Path(folder)), llm_engine=engine)
        try:
            cases = EvalCases(services)
            for number in range(turns + 1):  # the first turn warms the server's prompt cache and is not counted
                message = messages[number % len(messages)]
                conversation = cases.conversation_at(message.locale, Stage.NEGOTIATION)
                started = time.perf_counter()
                sentences: list[tuple[float, str]] = []  # when each guarded piece was handed over
                services.pipeline.handle(conversation, message.text,
                                         on_sentence=lambda text, at=sentences: at.append((time.perf_counter(), text)))
                elapsed = time.perf_counter() - started
                first = [sentences[0][0] - started] if sentences else []
                if number == 0:
                    continue
                report.turn_s.append(elapsed)
                report.first_sentence_s.append(first[0] if first else elapsed)
                _conversation, stored, _commitment = services.store.transcript(conversation.id)
                for turn in stored[2:]:
                    if turn.prompt_id is None:
                        continue
                    report.worded += not turn.events  # no finding: the wording went out as written
                    # the model spoke (a draft was kept, or its wording went out as written) and began the reply
                    spoke = turn.draft is not None or not turn.events
                    report.acknowledged += bool(sentences) and spoke and (turn.draft or turn.text).startswith(sentences[0][1])
                    reasons = {f"{e.category}/{e.rule}" if e.category == "llm" else e.category for e in turn.events}
                    report.fallbacks.update(reasons)
                if number % 10 == 0:
                    progress(f"{number}/{turns} turns")
        finally:
            services.close()
    return report
