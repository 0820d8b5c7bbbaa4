"""A whole evaluation run and the figures QA reads from it.

The same summary feeds the JSON result, the HTML report's plots and the CLI's
closing table, so they never disagree.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from settle.agent.types import Outcome, Stage
from settle.eval.scenarios.models import EXPECTATION_KINDS, ScenarioRun

STATUSES = ("passed", "failed", "known_issue", "fixed")
NOT_ENDED = "not_ended"  # the outcome bucket of a conversation the borrower left or that ran out of turns
FUNNEL_STAGES = [s.value for s in Stage if s not in (Stage.CLOSING, Stage.ENDED)]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency_figures(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"turns": 0}
    return {
        "turns": len(values),
        "p50_ms": round(percentile(values, 0.50), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "max_ms": round(max(values), 1),
        "mean_ms": round(statistics.fmean(values), 1),
    }


@dataclass
class EvalRun:
    """Every scenario run of one `settle eval run`, with where and how it ran."""

    target: str  # "in-process" or the live server's base URL
    seed: int
    all_variants: bool
    latency_checked: bool
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    suites: list[dict[str, Any]] = field(default_factory=list)  # name, title, path, scenarios
    results: list[ScenarioRun] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no scenario failed, known engine issues included."""
        return all(r.ok for r in self.results)

    @property
    def latencies_ms(self) -> list[float]:
        return [v for r in self.results for v in r.latencies_ms]

    @property
    def summary(self) -> dict[str, Any]:
        statuses = Counter(r.status for r in self.results)
        outcomes = Counter(r.outcome or NOT_ENDED for r in self.results)
        by_suite: dict[str, dict[str, int]] = {}
        for r in self.results:
            counts = by_suite.setdefault(r.suite, {"runs": 0, "ok": 0})
            counts["runs"] += 1
            counts["ok"] += r.ok
        return {
            "passed": self.passed,
            "runs": len(self.results),
            "scenarios": len({(r.suite, r.scenario) for r in self.results}),
            "statuses": {s: statuses.get(s, 0) for s in STATUSES},
            "by_locale": {loc: sum(1 for r in self.results if r.locale == loc) for loc in sorted({r.locale for r in self.results})},
            "by_suite": by_suite,
            "funnel": self.funnel(),
            "outcomes": {o: outcomes[o] for o in [*(o.value for o in Outcome), NOT_ENDED] if outcomes.get(o)},
            "failures_by_expectation": self.failures_by_expectation(),
            "latency": latency_figures(self.latencies_ms),
        }

    def funnel(self) -> dict[str, int]:
        """Runs that got at least this far along the collection path, then those that ended in a promise.

        "This far" is the furthest script stage before closing: a run that went from the
        disclosure straight to the read-back has passed negotiation and commitment too.
        """
        path = FUNNEL_STAGES
        furthest = [max((path.index(s) for s in r.stages if s in path), default=-1) for r in self.results]
        counts = {stage: sum(1 for f in furthest if f >= index) for index, stage in enumerate(path)}
        counts[Outcome.PROMISE_TO_PAY.value] = sum(1 for r in self.results if r.outcome == Outcome.PROMISE_TO_PAY.value)
        return counts

    def failures_by_expectation(self) -> dict[str, dict[str, int]]:
        """Failed checks per expectation kind, split into unexpected ones and known engine issues."""
        counts = {kind: {"unexpected": 0, "known": 0} for kind in EXPECTATION_KINDS}
        for r in self.results:
            for failure in r.failures:
                counts[failure.expectation]["known" if r.known_issue else "unexpected"] += 1
        return {kind: c for kind, c in counts.items() if c["unexpected"] or c["known"]}

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "seed": self.seed,
            "all_variants": self.all_variants,
            "latency_checked": self.latency_checked,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "suites": self.suites,
            "summary": self.summary,
            "results": [r.to_json() for r in self.results],
        }
