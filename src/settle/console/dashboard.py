"""The dashboard's figures over a date range: how many conversations, how well they went, what the guard caught.

Definitions (the page explains them too):
- right-party contact rate: conversations where the debtor was verified ÷ all conversations;
- promise-to-pay rate: conversations ending in a promise ÷ right-party contacts (only a
  verified debtor can promise);
- kept-script rate: conversations that kept the script ÷ all conversations. A conversation
  keeps the script when no draft of the agent's was blocked by the guard and it reached the
  script's phases in order: greeting, verification, disclosure, collection (negotiation,
  commitment and confirmation, which may go back and forth — an objection after an offer,
  a correction after the read-back), closing. Phases may be skipped (a wrong number ends at
  the greeting), but none is first reached before an earlier one (say, disclosure before
  verification).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from settle.agent.types import Outcome, Stage
from settle.store.repository import ConversationSummary, Store

SCRIPT_PHASE = {
    Stage.GREETING: 0,
    Stage.VERIFICATION: 1,
    Stage.DISCLOSURE: 2,
    Stage.NEGOTIATION: 3,
    Stage.COMMITMENT: 3,
    Stage.CONFIRMATION: 3,
    Stage.CLOSING: 4,
    Stage.ENDED: 5,
}
DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class Rate:
    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class DashboardFigures:
    first_day: dt.date
    last_day: dt.date
    conversations: int
    right_party: Rate
    promise_to_pay: Rate
    kept_script: Rate
    per_day: list[tuple[dt.date, int, int]]  # (day, right-party contacts, other conversations)
    outcomes: list[tuple[str, int]]  # most frequent first
    # (category or day or locale, blocked-draft events, input-rail events)
    events_by_category: list[tuple[str, int, int]]
    events_by_day: list[tuple[dt.date, int, int]]
    events_by_locale: list[tuple[str, int, int]]

    @property
    def guardrail_events(self) -> int:
        return sum(blocked + flagged for _, blocked, flagged in self.events_by_category)


def kept_script(summary: ConversationSummary) -> bool:
    if summary.blocked_drafts:
        return False
    phases = [SCRIPT_PHASE[stage] for stage in summary.stages_first_reached if stage in SCRIPT_PHASE]
    return all(earlier <= later for earlier, later in pairwise(phases))


def dashboard_figures(store: Store, first_day: dt.date, last_day: dt.date, locale: str | None = None, policy: str | None = None) -> DashboardFigures:
    """Days are UTC calendar days, both ends included."""
    start = dt.datetime.combine(first_day, dt.time(), dt.timezone.utc)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    summaries = store.conversation_summaries(start, end, locale, policy)
    events = store.guardrail_event_facts(start, end, locale, policy)
    days = [first_day + dt.timedelta(days=offset) for offset in range((last_day - first_day).days + 1)]

    verified = [s for s in summaries if s.verified]
    per_day_all = Counter(s.started_at.date() for s in summaries)
    per_day_verified = Counter(s.started_at.date() for s in verified)
    outcomes = Counter(s.outcome or "ongoing" for s in summaries)

    def split(key) -> dict:
        counts: dict = {}
        for event in events:
            blocked, flagged = counts.get(key(event), (0, 0))
            counts[key(event)] = (blocked + (event.kind == "output"), flagged + (event.kind == "input"))
        return counts

    by_category = split(lambda e: e.category)
    by_day = split(lambda e: e.at.date())
    by_locale = split(lambda e: e.locale)
    locales = sorted({s.locale for s in summaries} | set(by_locale))
    return DashboardFigures(
        first_day=first_day,
        last_day=last_day,
        conversations=len(summaries),
        right_party=Rate(len(verified), len(summaries)),
        promise_to_pay=Rate(sum(1 for s in verified if s.outcome == Outcome.PROMISE_TO_PAY), len(verified)),
        kept_script=Rate(sum(1 for s in summaries if kept_script(s)), len(summaries)),
        per_day=[(day, per_day_verified[day], per_day_all[day] - per_day_verified[day]) for day in days],
        outcomes=outcomes.most_common(),
        events_by_category=sorted(((c, *v) for c, v in by_category.items()), key=lambda row: (-(row[1] + row[2]), row[0])),
        events_by_day=[(day, *by_day.get(day, (0, 0))) for day in days],
        events_by_locale=[(code, *by_locale.get(code, (0, 0))) for code in locales],
    )
