"""What a reviewer sees of one conversation: turns with stage markers, blocked drafts beside
what was sent, input-rail findings, the commitment — masked for roles that may not see numbers."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from settle.agent.types import Stage
from settle.guardrails.redaction import redact
from settle.store.models import (
    AuditEntry,
    Commitment,
    Conversation,
    GuardrailEvent,
    Turn,
)
from settle.store.repository import ReviewRecord, Store

# Times are as the store hands them back (naive UTC from SQLite); the pages' `when` filter shows them as UTC.

SCRIPT_STAGES = tuple(stage.value for stage in Stage)


@dataclass(frozen=True)
class Segment:
    """A run of text, flagged where a guardrail event pointed at it."""

    text: str
    flagged: bool


@dataclass(frozen=True)
class EventView:
    kind: str
    category: str
    rule: str


@dataclass(frozen=True)
class TurnView:
    seq: int
    speaker: str
    at: dt.datetime
    stage: str
    stage_changed: bool  # the first turn of a new stage: the page draws a marker above it
    text: list[Segment]
    intent: str | None
    confidence: float | None
    slots: dict
    step: str | None
    blocked_draft: list[Segment] | None  # what the phraser wrote when the guard refused it
    unsent_draft: str | None  # a draft that differs from what was sent though nothing was blocked (an LLM cut short)
    events: list[EventView]
    latency_ms: float | None


@dataclass(frozen=True)
class NoteView:
    author: str
    at: dt.datetime
    body: str


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    actor: str
    action: str
    details: dict


@dataclass(frozen=True)
class TranscriptView:
    conversation: Conversation
    phone: str
    stages: list[tuple[str, bool]]  # every script stage, and whether this conversation reached it
    turns: list[TurnView]
    commitment: Commitment | None
    blocked_drafts: int
    input_events: int
    review: ReviewRecord
    notes: list[NoteView]
    history: list[HistoryEntry]
    redacted: bool


# audit actions shown in a conversation's history; page views stay in the log but not on the page
HISTORY_ACTIONS = ("conversation.start", "conversation.end", "review.status", "review.tag_add", "review.tag_remove", "review.note", "queue.take", "queue.release")


def build_transcript(store: Store, conversation_id: str, redacted: bool) -> TranscriptView:
    """NotFound from the store for an unknown id."""
    conversation, turns, commitment = store.transcript(conversation_id)
    mask: Callable[[str], str] = redact if redacted else _unchanged
    review = store.review_of(conversation_id)
    reached = {turn.stage for turn in turns} | {conversation.stage}
    return TranscriptView(
        conversation=conversation,
        phone=mask(conversation.case.phone),
        stages=[(stage, stage in reached) for stage in SCRIPT_STAGES],
        turns=_turn_views(turns, mask),
        commitment=commitment,
        blocked_drafts=sum(1 for turn in turns if any(e.kind == "output" for e in turn.events)),
        input_events=sum(1 for turn in turns for e in turn.events if e.kind == "input"),
        review=review,
        notes=[NoteView(note.author, note.created_at, mask(note.body)) for note in review.notes],
        history=_history(store.audit_entries(conversation_id), mask),
        redacted=redacted,
    )


def _turn_views(turns: Sequence[Turn], mask: Callable[[str], str]) -> list[TurnView]:
    views = []
    previous_stage = None
    for turn in turns:
        blocked = [e for e in turn.events if e.kind == "output"]
        flagged_input = [e for e in turn.events if e.kind == "input"]
        views.append(
            TurnView(
                seq=turn.seq,
                speaker=turn.speaker,
                at=turn.created_at,
                stage=turn.stage,
                stage_changed=turn.stage != previous_stage,
                text=segments(mask(turn.text), [e.span for e in flagged_input]),
                intent=turn.intent,
                confidence=turn.confidence,
                slots={key: mask(str(value)) for key, value in (turn.slots or {}).items()},
                step=turn.step,
                blocked_draft=segments(mask(blocked[0].original), [e.span for e in blocked]) if blocked else None,
                unsent_draft=mask(turn.draft) if turn.draft and not blocked else None,
                events=_distinct_events(turn.events),
                latency_ms=turn.latency_ms,
            )
        )
        previous_stage = turn.stage
    return views


def segments(text: str, spans: Sequence[Sequence[int]]) -> list[Segment]:
    """`text` cut into flagged and plain runs; overlapping spans merge, spans past the end are clipped.

    Redaction masks digits one for one, so spans found on the original still fit the masked text.
    """
    flagged = [False] * len(text)
    for span in spans:
        if len(span) != 2:
            continue
        start, end = max(0, int(span[0])), min(len(text), int(span[1]))
        for i in range(start, end):
            flagged[i] = True
    runs: list[Segment] = []
    for char, flag in zip(text, flagged, strict=True):
        if runs and runs[-1].flagged == flag:
            runs[-1] = Segment(runs[-1].text + char, flag)
        else:
            runs.append(Segment(char, flag))
    return runs


def _distinct_events(events: Sequence[GuardrailEvent]) -> list[EventView]:
    seen: dict[tuple[str, str, str], EventView] = {}
    for event in events:
        seen.setdefault((event.kind, event.category, event.rule), EventView(event.kind, event.category, event.rule))
    return list(seen.values())


def _history(entries: Sequence[AuditEntry], mask: Callable[[str], str]) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            entry.at,
            entry.actor,
            entry.action,
            {key: mask(value) if isinstance(value, str) else value for key, value in (entry.details or {}).items()},
        )
        for entry in entries
        if entry.action in HISTORY_ACTIONS
    ]


def _unchanged(text: str) -> str:
    return text
