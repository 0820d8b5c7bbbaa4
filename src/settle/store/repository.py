"""The store: every read and write the app makes, each write one transaction.

A turn (borrower message, agent replies, new dialogue state, commitment,
guardrail events, audit entry) is committed atomically before the reply
leaves, so a crash loses no committed turn and a restart resumes from here.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from settle.agent.types import CaseFacts
from settle.store.db import make_engine, migrate
from settle.store.models import (
    AppSecret,
    AuditEntry,
    Call,
    Case,
    Commitment,
    Conversation,
    ConversationReview,
    EvalRun,
    GuardrailEvent,
    ReviewNote,
    ReviewTag,
    StaffSession,
    StaffUser,
    Turn,
    utcnow,
)


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
    prompt_id: str | None = None
    model: str | None = None
    asr_confidence: float | None = None  # a spoken borrower turn: how sure speech-to-text was


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

    def find_case_by_phone(self, number: str) -> Case | None:
        """The newest case whose debtor's number is `number`, written with or without a country code or trunk 0."""
        national = re.sub(r"\D", "", number)[-10:]
        if len(national) < 7:
            return None
        with self._sessions() as session:
            candidates = session.scalars(
                select(Case).where(Case.phone.like(f"%{national[-4:]}")).order_by(Case.created_at.desc())
            ).all()
        return next((case for case in candidates if re.sub(r"\D", "", case.phone)[-10:] == national), None)

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

    def contact_attempts(self, case_id: str) -> list[tuple[dt.datetime, bool, str, str | None]]:
        """(started, connected, channel, number) of every contact with the case's debtor.

        Outbound conversations are attempts, answered or not; an inbound one
        counts only once the borrower spoke. A conversation is connected when
        the borrower said anything. Calls that never became a conversation (no
        answer, a voicemail, a failed dial) are unanswered attempts on the
        number dialled. Inbound contacts are counted too, which errs on the
        side of contacting less.
        """
        spoke = select(Turn.conversation_id).where(Turn.speaker == "borrower").distinct().subquery()
        with self._sessions() as session:
            rows = session.execute(
                select(Conversation.started_at, Conversation.channel, Conversation.direction, spoke.c.conversation_id)
                .outerjoin(spoke, spoke.c.conversation_id == Conversation.id)
                .where(Conversation.case_id == case_id)
            ).all()
            unanswered = session.execute(
                select(Call.created_at, Call.number).where(Call.case_id == case_id, Call.conversation_id.is_(None))
            ).all()
        attempts = []
        for started_at, channel, direction, spoken in rows:
            connected = spoken is not None
            if direction == "outbound" or connected:
                attempts.append((_aware(started_at), connected, channel, None))
        attempts.extend((_aware(created_at), False, "voice", number) for created_at, number in unanswered)
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
                prompt_id=record.prompt_id,
                model=record.model,
                asr_confidence=record.asr_confidence,
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

    # -- calls ------------------------------------------------------------------
    def create_call(self, case: Case, direction: str, number: str, actor: str, provider_sid: str | None = None,
                    at: dt.datetime | None = None) -> Call:
        """`at`: when the call is placed, by the app's clock (the contact policy counts it on that day)."""
        call = Call(id=str(uuid.uuid4()), case_id=case.id, direction=direction, number=number, status="queued",
                    provider_sid=provider_sid, media_claimed=False, created_at=at or utcnow())
        with self.session() as session:
            session.add(call)
            session.flush()
            self._audit(session, actor, "call.create", "call", call.id, {"case_id": case.id, "direction": direction})
        return call

    def get_call(self, call_id: str) -> Call:
        with self._sessions() as session:
            call = session.get(Call, call_id, options=[selectinload(Call.case)])
        if call is None:
            raise NotFound(f"no call {call_id!r}")
        return call

    def answer_call(self, call_id: str, media_token: str, status: str, provider_sid: str | None, answered_by: str | None) -> None:
        """The call was answered (by a person or a machine): a media stream may now join it, once, with `media_token`."""
        with self.session() as session:
            call = session.get(Call, call_id)
            if call is None:
                raise NotFound(f"no call {call_id!r}")
            if call.media_claimed or call.ended_at is not None:
                raise Conflict(f"call {call_id!r} already has its media stream")
            call.status, call.answered_by = status, answered_by
            call.provider_sid = provider_sid or call.provider_sid
            call.media_token_hash = hash_token(media_token)

    def claim_call_media(self, call_id: str, media_token: str) -> Call | None:
        """The one media stream of a call: the first that shows the call's token gets it; None for any other."""
        with self.session() as session:
            result = session.execute(
                update(Call)
                .where(Call.id == call_id, Call.media_token_hash == hash_token(media_token), Call.media_claimed.is_(False),
                       Call.ended_at.is_(None))
                .values(media_claimed=True)
            )
        return self.get_call(call_id) if result.rowcount == 1 else None

    def attach_conversation(self, call_id: str, conversation_id: str, recording_path: str | None) -> None:
        with self.session() as session:
            session.execute(update(Call).where(Call.id == call_id).values(conversation_id=conversation_id,
                                                                           recording_path=recording_path))

    def end_call(self, call_id: str, status: str | None = None, recording_path: str | None = None) -> None:
        """The call is over; `status` (no_answer, failed, …) when it is not what the call already says."""
        with self.session() as session:
            call = session.get(Call, call_id)
            if call is None:
                raise NotFound(f"no call {call_id!r}")
            call.status = status or ("completed" if call.status == "answered" else call.status)
            call.recording_path = recording_path or call.recording_path
            call.ended_at = call.ended_at or utcnow()
            self._audit(session, "agent", "call.end", "call", call_id, {"status": call.status})

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

    # -- staff console: users, sessions, secrets ------------------------------------
    def add_staff_user(self, username: str, role: str, password_hash: str, actor: str) -> StaffUser:
        user = StaffUser(username=username, role=role, password_hash=password_hash, active=True)
        try:
            with self.session() as session:
                session.add(user)
                session.flush()
                self._audit(session, actor, "user.create", "user", username, {"role": role})
        except IntegrityError as exc:
            raise Conflict(f"a user named {username!r} already exists") from exc
        return user

    def set_staff_password(self, username: str, password_hash: str, actor: str) -> None:
        """A new password ends every open session of the user: whoever knew the old one is out."""
        with self.session() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.username == username))
            if user is None:
                raise NotFound(f"no user {username!r}")
            user.password_hash = password_hash
            session.execute(
                update(StaffSession).where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None)).values(ended_at=utcnow())
            )
            self._audit(session, actor, "user.password", "user", username, {})

    def staff_user(self, username: str) -> StaffUser | None:
        with self._sessions() as session:
            return session.scalar(select(StaffUser).where(StaffUser.username == username))

    def staff_users(self) -> list[StaffUser]:
        with self._sessions() as session:
            return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))

    def open_staff_session(self, user: StaffUser, id_hash: str, csrf_token: str, expires_at: dt.datetime, details: dict[str, Any]) -> None:
        with self.session() as session:
            session.add(StaffSession(id_hash=id_hash, user_id=user.id, csrf_token=csrf_token, expires_at=expires_at))
            session.execute(update(StaffUser).where(StaffUser.id == user.id).values(last_sign_in_at=utcnow()))
            self._audit(session, user.username, "staff.sign_in", "user", user.username, details)

    def staff_session(self, id_hash: str, now: dt.datetime) -> StaffSession | None:
        """The live session with this id hash: not ended, not expired, and its user still active."""
        with self._sessions() as session:
            found = session.scalar(
                select(StaffSession)
                .options(selectinload(StaffSession.user))
                .where(StaffSession.id_hash == id_hash, StaffSession.ended_at.is_(None))
            )
        if found is None or _aware(found.expires_at) <= now or not found.user.active:
            return None
        return found

    def end_staff_session(self, id_hash: str, actor: str) -> None:
        with self.session() as session:
            ended = session.execute(
                update(StaffSession).where(StaffSession.id_hash == id_hash, StaffSession.ended_at.is_(None)).values(ended_at=utcnow())
            )
            if ended.rowcount:
                self._audit(session, actor, "staff.sign_out", "user", actor, {})

    def app_secret(self, name: str, make: Callable[[], str]) -> str:
        """The named secret, made by `make` the first time; workers starting together agree on one."""
        query = select(AppSecret.value).where(AppSecret.name == name)
        with self._sessions() as session:
            value = session.scalar(query)
        if value is not None:
            return value
        try:
            with self.session() as session:
                session.add(AppSecret(name=name, value=make()))
        except IntegrityError:
            pass  # another worker stored it first; use theirs
        with self._sessions() as session:
            return session.scalar(query)

    # -- staff console: reviews and the hand-off queue ---------------------------------
    def review_of(self, conversation_id: str) -> ReviewRecord:
        """Status, assignee, tags and notes of one conversation; `unreviewed` before anyone acted."""
        with self._sessions() as session:
            review = session.get(ConversationReview, conversation_id)
            tags = session.scalars(select(ReviewTag.tag).where(ReviewTag.conversation_id == conversation_id).order_by(ReviewTag.tag))
            notes = session.scalars(select(ReviewNote).where(ReviewNote.conversation_id == conversation_id).order_by(ReviewNote.id))
            return ReviewRecord(
                status=review.status if review else UNREVIEWED,
                assignee=review.assignee if review else None,
                taken_at=_aware(review.taken_at) if review and review.taken_at else None,
                tags=tuple(tags),
                notes=tuple(notes),
            )

    def set_review_status(self, conversation_id: str, status: str, actor: str) -> None:
        with self.session() as session:
            review = self._review_row(session, conversation_id, actor)
            previous = review.status
            review.status, review.updated_by, review.updated_at = status, actor, utcnow()
            self._audit(session, actor, "review.status", "conversation", conversation_id, {"from": previous, "to": status})

    def add_review_tag(self, conversation_id: str, tag: str, actor: str) -> bool:
        """False when the conversation already carries the tag."""
        try:
            with self.session() as session:
                self._require_conversation(session, conversation_id)
                session.add(ReviewTag(conversation_id=conversation_id, tag=tag, added_by=actor))
                session.flush()
                self._audit(session, actor, "review.tag_add", "conversation", conversation_id, {"tag": tag})
        except IntegrityError:
            return False
        return True

    def remove_review_tag(self, conversation_id: str, tag: str, actor: str) -> bool:
        with self.session() as session:
            removed = session.execute(
                ReviewTag.__table__.delete().where(ReviewTag.conversation_id == conversation_id, ReviewTag.tag == tag)
            ).rowcount
            if removed:
                self._audit(session, actor, "review.tag_remove", "conversation", conversation_id, {"tag": tag})
        return bool(removed)

    def add_review_note(self, conversation_id: str, body: str, actor: str) -> None:
        with self.session() as session:
            self._require_conversation(session, conversation_id)
            note = ReviewNote(conversation_id=conversation_id, author=actor, body=body)
            session.add(note)
            session.flush()
            # the audit entry keeps the words too: the log is the evidence, the notes table is for reading
            self._audit(session, actor, "review.note", "conversation", conversation_id, {"note_id": note.id, "body": body})

    def take_conversation(self, conversation_id: str, actor: str) -> None:
        """Assign to `actor`; Conflict when someone else took it first (checked in the UPDATE itself)."""
        with self.session() as session:
            review = self._review_row(session, conversation_id, actor)
            if review.assignee == actor:
                return
            taken = session.execute(
                update(ConversationReview)
                .where(ConversationReview.conversation_id == conversation_id, ConversationReview.assignee.is_(None))
                .values(assignee=actor, taken_at=utcnow(), updated_by=actor, updated_at=utcnow())
            )
            if taken.rowcount != 1:
                holder = session.scalar(select(ConversationReview.assignee).where(ConversationReview.conversation_id == conversation_id))
                raise Conflict(f"already taken by {holder}")
            self._audit(session, actor, "queue.take", "conversation", conversation_id, {})

    def release_conversation(self, conversation_id: str, actor: str, holder: str) -> bool:
        """Put it back in the queue if `holder` has it; False when they do not (any more)."""
        with self.session() as session:
            released = session.execute(
                update(ConversationReview)
                .where(ConversationReview.conversation_id == conversation_id, ConversationReview.assignee == holder)
                .values(assignee=None, taken_at=None, updated_by=actor, updated_at=utcnow())
            ).rowcount
            if released:
                self._audit(session, actor, "queue.release", "conversation", conversation_id, {"holder": holder})
        return bool(released)

    def search_conversations(self, query: ConversationQuery) -> tuple[list[ConversationRow], int]:
        """One page of conversations matching `query`, newest first, and how many match in all."""
        return self._conversation_page(_conversation_conditions(query), Conversation.started_at.desc(), query.page, query.per_page)

    def handoff_queue(self, outcomes: Sequence[str], page: int = 1, per_page: int = 50) -> tuple[list[ConversationRow], int]:
        """Conversations that ended in one of `outcomes` and are not reviewed as done, oldest first."""
        conditions = [
            Conversation.outcome.in_(tuple(outcomes)),
            or_(ConversationReview.status.is_(None), ConversationReview.status != REVIEW_DONE),
        ]
        return self._conversation_page(conditions, func.coalesce(Conversation.ended_at, Conversation.started_at).asc(), page, per_page)

    def conversation_channels(self) -> list[str]:
        with self._sessions() as session:
            return list(session.scalars(select(Conversation.channel).distinct().order_by(Conversation.channel)))

    # -- staff console: dashboard figures -------------------------------------------------
    def conversation_summaries(
        self, started_from: dt.datetime, started_before: dt.datetime, locale: str | None = None, policy: str | None = None
    ) -> list[ConversationSummary]:
        """What the dashboard needs of each conversation started in the range, in three grouped queries."""
        conditions = _conversation_conditions(ConversationQuery(started_from=started_from, started_before=started_before, locale=locale, policy=policy))
        in_range = select(Conversation.id).join(Case).outerjoin(ConversationReview).where(*conditions)
        with self._sessions() as session:
            rows = session.execute(
                select(
                    Conversation.id,
                    Conversation.started_at,
                    Conversation.locale,
                    Case.policy,
                    Conversation.outcome,
                    Conversation.state["party"].as_string(),
                )
                .join(Case)
                .where(Conversation.id.in_(in_range))
            ).all()
            firsts = session.execute(
                select(Turn.conversation_id, Turn.stage, func.min(Turn.seq))
                .where(Turn.conversation_id.in_(in_range))
                .group_by(Turn.conversation_id, Turn.stage)
            ).all()
            blocked = dict(
                session.execute(
                    select(GuardrailEvent.conversation_id, func.count(func.distinct(GuardrailEvent.turn_id)))
                    .where(GuardrailEvent.kind == "output", GuardrailEvent.conversation_id.in_(in_range))
                    .group_by(GuardrailEvent.conversation_id)
                ).all()
            )
        first_seen: dict[str, list[tuple[int, str]]] = {}
        for conversation_id, stage, seq in firsts:
            first_seen.setdefault(conversation_id, []).append((seq, stage))
        return [
            ConversationSummary(
                id=cid,
                started_at=_aware(started_at),
                locale=conv_locale,
                policy=conv_policy,
                outcome=outcome,
                verified=party == "debtor",
                stages_first_reached=tuple(stage for _, stage in sorted(first_seen.get(cid, []))),
                blocked_drafts=blocked.get(cid, 0),
            )
            for cid, started_at, conv_locale, conv_policy, outcome, party in rows
        ]

    def guardrail_event_facts(
        self, since: dt.datetime, before: dt.datetime, locale: str | None = None, policy: str | None = None
    ) -> list[EventFact]:
        query = (
            select(GuardrailEvent.created_at, GuardrailEvent.kind, GuardrailEvent.category, Conversation.locale)
            .join(Conversation, GuardrailEvent.conversation_id == Conversation.id)
            .join(Case)
            .where(GuardrailEvent.created_at >= since, GuardrailEvent.created_at < before)
        )
        if locale:
            query = query.where(Conversation.locale == locale)
        if policy:
            query = query.where(Case.policy == policy)
        with self._sessions() as session:
            return [EventFact(_aware(at), kind, category, conv_locale) for at, kind, category, conv_locale in session.execute(query)]

    # -- staff console: QA evaluation runs ------------------------------------------------
    def create_eval_run(self, run_id: str, suites: Sequence[str], actor: str) -> EvalRun:
        run = EvalRun(id=run_id, started_by=actor, suites=list(suites), status="running", summary={})
        with self.session() as session:
            session.add(run)
            self._audit(session, actor, "eval.start", "eval_run", run_id, {"suites": list(suites)})
        return run

    def finish_eval_run(
        self,
        run_id: str,
        status: str,
        summary: dict[str, Any],
        report_json: str | None = None,
        report_html: str | None = None,
        error: str | None = None,
    ) -> None:
        with self.session() as session:
            session.execute(
                update(EvalRun)
                .where(EvalRun.id == run_id)
                .values(status=status, summary=summary, report_json=report_json, report_html=report_html, error=error, finished_at=utcnow())
            )
            self._audit(session, "qa-runner", "eval.finish", "eval_run", run_id, {"status": status})

    def eval_run(self, run_id: str) -> EvalRun:
        with self._sessions() as session:
            run = session.get(EvalRun, run_id)
        if run is None:
            raise NotFound(f"no evaluation run {run_id!r}")
        return run

    def eval_runs(self, limit: int = 50) -> list[EvalRun]:
        with self._sessions() as session:
            return list(session.scalars(select(EvalRun).order_by(EvalRun.started_at.desc()).limit(limit)))

    # -- staff console: helpers ---------------------------------------------------------------
    @staticmethod
    def _require_conversation(session: Session, conversation_id: str) -> None:
        if session.get(Conversation, conversation_id) is None:
            raise NotFound(f"no conversation {conversation_id!r}")

    def _review_row(self, session: Session, conversation_id: str, actor: str) -> ConversationReview:
        review = session.get(ConversationReview, conversation_id)
        if review is None:
            self._require_conversation(session, conversation_id)
            review = ConversationReview(conversation_id=conversation_id, status=UNREVIEWED, updated_by=actor)
            session.add(review)
            session.flush()
        return review

    def _conversation_page(self, conditions: list[Any], order: Any, page: int, per_page: int) -> tuple[list[ConversationRow], int]:
        turns = select(func.count(Turn.id)).where(Turn.conversation_id == Conversation.id).scalar_subquery()
        blocked = (
            select(func.count(func.distinct(GuardrailEvent.turn_id)))
            .where(GuardrailEvent.conversation_id == Conversation.id, GuardrailEvent.kind == "output")
            .scalar_subquery()
        )
        flagged = (
            select(func.count(GuardrailEvent.id))
            .where(GuardrailEvent.conversation_id == Conversation.id, GuardrailEvent.kind == "input")
            .scalar_subquery()
        )
        rows = (
            select(
                Conversation.id,
                Case.external_ref,
                Case.debtor_name,
                Case.policy,
                Conversation.locale,
                Conversation.channel,
                Conversation.direction,
                Conversation.stage,
                Conversation.outcome,
                Conversation.started_at,
                Conversation.ended_at,
                turns,
                blocked,
                flagged,
                func.coalesce(ConversationReview.status, UNREVIEWED),
                ConversationReview.assignee,
                ConversationReview.taken_at,
            )
            .join(Case)
            .outerjoin(ConversationReview)
            .where(*conditions)
            .order_by(order, Conversation.id)
            .limit(per_page)
            .offset((max(page, 1) - 1) * per_page)
        )
        count = select(func.count()).select_from(Conversation).join(Case).outerjoin(ConversationReview).where(*conditions)
        with self._sessions() as session:
            total = session.scalar(count)
            found = session.execute(rows).all()
        return [
            ConversationRow(
                *row[:9],
                started_at=_aware(row[9]),
                ended_at=_aware(row[10]) if row[10] else None,
                turns=row[11],
                blocked_drafts=row[12],
                input_events=row[13],
                review_status=row[14],
                assignee=row[15],
                taken_at=_aware(row[16]) if row[16] else None,
            )
            for row in found
        ], total


# -- staff console vocabulary -----------------------------------------------------------------

UNREVIEWED = "unreviewed"
REVIEW_DONE = "ok"  # reviewed, nothing left to do: leaves the hand-off queue
REVIEW_STATUSES = (UNREVIEWED, "needs_follow_up", "escalated", REVIEW_DONE)
ONGOING = "ongoing"  # the outcome filter's name for conversations that have none yet
GUARDRAIL_FILTERS = ("any", "output", "input", "none")


@dataclass(frozen=True)
class ConversationQuery:
    """The console's conversation filters; None (or empty) means "any"."""

    started_from: dt.datetime | None = None
    started_before: dt.datetime | None = None
    locale: str | None = None
    policy: str | None = None
    channel: str | None = None
    outcome: str | None = None  # an Outcome value, or ONGOING
    stage_reached: str | None = None
    guardrail: str | None = None  # one of GUARDRAIL_FILTERS
    review_status: str | None = None
    case_ref: str | None = None  # substring of the case's external reference
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class ConversationRow:
    id: str
    case_ref: str
    debtor_name: str
    policy: str
    locale: str
    channel: str
    direction: str
    stage: str
    outcome: str | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    turns: int
    blocked_drafts: int
    input_events: int
    review_status: str
    assignee: str | None
    taken_at: dt.datetime | None


@dataclass(frozen=True)
class ReviewRecord:
    status: str
    assignee: str | None
    taken_at: dt.datetime | None
    tags: tuple[str, ...]
    notes: tuple[ReviewNote, ...]


@dataclass(frozen=True)
class ConversationSummary:
    id: str
    started_at: dt.datetime
    locale: str
    policy: str
    outcome: str | None
    verified: bool  # the right party was verified: a right-party contact
    stages_first_reached: tuple[str, ...]  # each stage once, in the order the conversation first reached it
    blocked_drafts: int


@dataclass(frozen=True)
class EventFact:
    at: dt.datetime
    kind: str
    category: str
    locale: str


def _conversation_conditions(query: ConversationQuery) -> list[Any]:
    conditions: list[Any] = []
    if query.started_from:
        conditions.append(Conversation.started_at >= query.started_from)
    if query.started_before:
        conditions.append(Conversation.started_at < query.started_before)
    for column, value in ((Conversation.locale, query.locale), (Case.policy, query.policy), (Conversation.channel, query.channel)):
        if value:
            conditions.append(column == value)
    if query.outcome == ONGOING:
        conditions.append(Conversation.outcome.is_(None))
    elif query.outcome:
        conditions.append(Conversation.outcome == query.outcome)
    if query.stage_reached:
        conditions.append(
            or_(
                Conversation.stage == query.stage_reached,
                exists().where(Turn.conversation_id == Conversation.id, Turn.stage == query.stage_reached),
            )
        )
    if query.guardrail:
        events = exists().where(GuardrailEvent.conversation_id == Conversation.id)
        if query.guardrail in ("output", "input"):
            events = events.where(GuardrailEvent.kind == query.guardrail)
        conditions.append(~events if query.guardrail == "none" else events)
    if query.review_status == UNREVIEWED:
        conditions.append(or_(ConversationReview.status.is_(None), ConversationReview.status == UNREVIEWED))
    elif query.review_status:
        conditions.append(ConversationReview.status == query.review_status)
    if query.case_ref:
        pattern = query.case_ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Case.external_ref.ilike(f"%{pattern}%", escape="\\"))
    return conditions
