"""The store: every read and write the app makes, each write one transaction.

A turn (borrower message, agent replies, new dialogue state, commitment,
guardrail events, audit entry) is committed atomically before the reply
leaves, so a crash loses no committed turn and a restart resumes from here.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from settle.agent.types import CaseFacts
from settle.store.db import make_engine, migrate
from settle.store.models import AuditEntry, Case, Commitment, Conversation, GuardrailEvent, Turn, utcnow


class NotFound(LookupError):
    pass


class Conflict(RuntimeError):
    """The write lost a race or would break a uniqueness rule."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class EventRecord:
    kind: str  # output | input
    category: str
    rule: str
    span: tuple[int, int]
    original: str
    replacement: str | None = None


@dataclass(frozen=True)
class TurnRecord:
    speaker: str
    text: str
    stage: str
    intent: str | None = None
    confidence: float | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    step: str | None = None
    draft: str | None = None
    latency_ms: float | None = None
    events: tuple[EventRecord, ...] = ()


@dataclass(frozen=True)
class CommitmentRecord:
    amount: Decimal
    currency: str
    date: dt.date
    channel: str


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def case_facts(case: Case) -> CaseFacts:
    flags = case.flags or {}
    return CaseFacts(
        external_ref=case.external_ref,
        policy=case.policy,
        creditor=case.creditor,
        agent_name=case.agent_name,
        debtor_name=case.debtor_name,
        locale=case.locale,
        timezone=case.timezone,
        amount_due=Decimal(case.amount_due),
        currency=case.currency,
        due_date=case.due_date,
        min_payment=Decimal(case.min_payment),
        payment_channels=tuple(case.payment_channels),
        payday=case.payday,
        phone=case.phone,
        verification={k: str(v) for k, v in (case.verification or {}).items() if v},
        legal_action_permitted=bool(flags.get("legal_action_permitted", False)),
        time_barred=bool(flags.get("time_barred", False)),
        max_waiver=Decimal(str(flags.get("max_waiver", "0"))),
    )


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    # -- cases --------------------------------------------------------------
    def create_case(self, fields: dict[str, Any], actor: str) -> Case:
        case = Case(id=str(uuid.uuid4()), **{"flags": {}, **fields})
        try:
            with self.session() as session:
                session.add(case)
                session.flush()
                self._audit(session, actor, "case.create", "case", case.id, {"external_ref": case.external_ref})
        except IntegrityError as exc:
            raise Conflict(f"a case with external_ref {fields['external_ref']!r} already exists") from exc
        return case

    def get_case(self, case_id: str) -> Case:
        with self._sessions() as session:
            case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"no case {case_id!r}")
        return case

    def get_case_by_ref(self, external_ref: str) -> Case:
        with self._sessions() as session:
            case = session.scalar(select(Case).where(Case.external_ref == external_ref))
        if case is None:
            raise NotFound(f"no case with reference {external_ref!r}")
        return case

    # -- conversations --------------------------------------------------------
    def create_conversation(
        self, case: Case, channel: str, direction: str, token: str, state: dict[str, Any], opening: Sequence[TurnRecord], actor: str
    ) -> Conversation:
        conversation = Conversation(
            id=str(uuid.uuid4()),
            case=case,
            channel=channel,
            direction=direction,
            token_hash=hash_token(token),
            locale=case.locale,
            stage=state["stage"],
            state=state,
            ended=False,
            version=0,
        )
        with self.session() as session:
            session.add(conversation)
            session.flush()
            self._add_turns(session, conversation.id, 0, opening)
            self._audit(session, actor, "conversation.start", "conversation", conversation.id, {"case_id": case.id, "channel": channel, "direction": direction})
        return conversation

    def get_conversation(self, conversation_id: str) -> Conversation:
        with self._sessions() as session:
            conversation = session.get(Conversation, conversation_id, options=[selectinload(Conversation.case)])
        if conversation is None:
            raise NotFound(f"no conversation {conversation_id!r}")
        return conversation

    def find_conversation_by_token(self, token: str) -> Conversation | None:
        with self._sessions() as session:
            return session.scalar(
                select(Conversation).options(selectinload(Conversation.case)).where(Conversation.token_hash == hash_token(token))
            )

    def conversations_for_case(self, case_id: str) -> list[Conversation]:
        with self._sessions() as session:
            return list(session.scalars(select(Conversation).where(Conversation.case_id == case_id).order_by(Conversation.started_at)))

    def contact_attempts(self, case_id: str) -> list[tuple[dt.datetime, bool, str]]:
        """(started, connected, channel) of every contact with the case's debtor.

        Outbound conversations are attempts, answered or not; an inbound one
        counts only once the borrower spoke. A conversation is connected when
        the borrower said anything. Inbound contacts are counted too, which
        errs on the side of contacting less.
        """
        spoke = select(Turn.conversation_id).where(Turn.speaker == "borrower").distinct().subquery()
        with self._sessions() as session:
            rows = session.execute(
                select(Conversation.started_at, Conversation.channel, Conversation.direction, spoke.c.conversation_id)
                .outerjoin(spoke, spoke.c.conversation_id == Conversation.id)
                .where(Conversation.case_id == case_id)
            ).all()
        attempts = []
        for started_at, channel, direction, spoken in rows:
            connected = spoken is not None
            if direction == "outbound" or connected:
                attempts.append((_aware(started_at), connected, channel))
        return attempts

    def transcript(self, conversation_id: str) -> tuple[Conversation, list[Turn], Commitment | None]:
        with self._sessions() as session:
            conversation = session.get(Conversation, conversation_id, options=[selectinload(Conversation.case)])
            if conversation is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            turns = list(
                session.scalars(
                    select(Turn).options(selectinload(Turn.events)).where(Turn.conversation_id == conversation_id).order_by(Turn.seq)
                )
            )
            commitment = session.scalar(select(Commitment).where(Commitment.conversation_id == conversation_id))
        return conversation, turns, commitment

    def record_turn(
        self,
        conversation: Conversation,
        state: dict[str, Any],
        turns: Sequence[TurnRecord],
        commitment: CommitmentRecord | None = None,
        case_flags: dict[str, Any] | None = None,
    ) -> None:
        """Commit one exchange atomically; Conflict if another writer got there first."""
        now = utcnow()
        ended = state["stage"] == "ended"
        with self.session() as session:
            result = session.execute(
                update(Conversation)
                .where(Conversation.id == conversation.id, Conversation.version == conversation.version)
                .values(
                    state=state,
                    stage=state["stage"],
                    outcome=state.get("outcome"),
                    ended=ended,
                    version=conversation.version + 1,
                    updated_at=now,
                    ended_at=now if ended else None,
                )
            )
            if result.rowcount != 1:
                raise Conflict("the conversation changed while this message was being handled; send it again")
            next_seq = session.scalar(select(func.coalesce(func.max(Turn.seq), -1)).where(Turn.conversation_id == conversation.id)) + 1
            self._add_turns(session, conversation.id, next_seq, turns)
            if commitment is not None:
                session.add(
                    Commitment(
                        conversation_id=conversation.id,
                        case_id=conversation.case_id,
                        amount=commitment.amount,
                        currency=commitment.currency,
                        date=commitment.date,
                        channel=commitment.channel,
                    )
                )
            if case_flags:
                case = session.get(Case, conversation.case_id)
                case.flags = {**(case.flags or {}), **case_flags}
            if ended:
                self._audit(session, "agent", "conversation.end", "conversation", conversation.id, {"outcome": state.get("outcome")})
        conversation.version += 1
        conversation.state = state
        conversation.stage = state["stage"]
        conversation.outcome = state.get("outcome")
        conversation.ended = ended

    @staticmethod
    def _add_turns(session: Session, conversation_id: str, first_seq: int, turns: Sequence[TurnRecord]) -> None:
        for offset, record in enumerate(turns):
            turn = Turn(
                conversation_id=conversation_id,
                seq=first_seq + offset,
                speaker=record.speaker,
                text=record.text,
                stage=record.stage,
                intent=record.intent,
                confidence=record.confidence,
                slots=record.slots,
                step=record.step,
                draft=record.draft,
                latency_ms=record.latency_ms,
            )
            session.add(turn)
            session.flush()
            for event in record.events:
                session.add(
                    GuardrailEvent(
                        conversation_id=conversation_id,
                        turn_id=turn.id,
                        kind=event.kind,
                        category=event.category,
                        rule=event.rule,
                        span=list(event.span),
                        original=event.original,
                        replacement=event.replacement,
                    )
                )

    # -- audit ------------------------------------------------------------------
    def audit(self, actor: str, action: str, subject_type: str, subject_id: str, details: dict[str, Any] | None = None) -> None:
        with self.session() as session:
            self._audit(session, actor, action, subject_type, subject_id, details or {})

    def audit_entries(self, subject_id: str | None = None) -> list[AuditEntry]:
        with self._sessions() as session:
            query = select(AuditEntry).order_by(AuditEntry.id)
            if subject_id is not None:
                query = query.where(AuditEntry.subject_id == subject_id)
            return list(session.scalars(query))

    @staticmethod
    def _audit(session: Session, actor: str, action: str, subject_type: str, subject_id: str, details: dict[str, Any]) -> None:
        session.add(AuditEntry(actor=actor, action=action, subject_type=subject_type, subject_id=subject_id, details=details))
