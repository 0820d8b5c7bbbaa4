"""The vocabulary every stage of the turn pipeline speaks.

Kept in one small module so NLU, policy, NLG, guardrails and the store agree on
names without importing each other.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    """Script stages, in script order; the names are part of the public API."""

    GREETING = "greeting"
    VERIFICATION = "verification"
    DISCLOSURE = "disclosure"
    NEGOTIATION = "negotiation"
    COMMITMENT = "commitment"
    CONFIRMATION = "confirmation"
    CLOSING = "closing"
    ENDED = "ended"


class Outcome(StrEnum):
    PROMISE_TO_PAY = "promise_to_pay"
    REFUSED = "refused"
    NO_COMMITMENT = "no_commitment"
    THIRD_PARTY = "third_party"
    WRONG_NUMBER = "wrong_number"
    CALLBACK = "callback"
    DISPUTE = "dispute"
    ATTORNEY = "attorney"
    CEASE = "cease"
    HANDOFF = "handoff"
    VERIFICATION_FAILED = "verification_failed"
    NO_RESPONSE = "no_response"  # a call in which the borrower fell silent and did not come back
    HUNG_UP = "hung_up"  # the borrower hung up before the conversation came to an end
    VOICEMAIL = "voicemail"  # an answering machine took the call: the limited-content message only

    @property
    def only_on_calls(self) -> bool:
        """Outcomes the telephone decides (silence, a hang-up, a machine), never a borrower's words."""
        return self in (Outcome.NO_RESPONSE, Outcome.HUNG_UP, Outcome.VOICEMAIL)


class Intent(StrEnum):
    """What a borrower message means, as far as the script is concerned."""

    AFFIRM = "affirm"
    DENY = "deny"
    IDENTITY_ANSWER = "identity_answer"
    # the seeds' objection catalogue (seed 003, A–G) plus the ones the product adds
    OBJECTION_BUSY = "objection_busy"
    OBJECTION_CARD_FAILURE = "objection_card_failure"
    OBJECTION_THIRD_PARTY_PAYS = "objection_third_party_pays"
    OBJECTION_WAITING_SALARY = "objection_waiting_salary"
    OBJECTION_NEXT_MONTH = "objection_next_month"
    OBJECTION_EMERGENCY = "objection_emergency"
    OBJECTION_LENT_TO_FRIEND = "objection_lent_to_friend"
    OBJECTION_TRAVELLING = "objection_travelling"
    OBJECTION_REFUSAL = "objection_refusal"
    OBJECTION_UNEMPLOYED = "objection_unemployed"
    OBJECTION_MULTIPLE_DEBTS = "objection_multiple_debts"
    DISPUTE = "dispute"
    CEASE = "cease"
    ATTORNEY = "attorney"
    THIRD_PARTY = "third_party"
    WRONG_NUMBER = "wrong_number"
    CALLBACK = "callback"
    ROBOT_QUESTION = "robot_question"
    HARDSHIP = "hardship"
    COMMITMENT = "commitment"
    QUESTION = "question"
    OTHER = "other"

    @property
    def is_objection(self) -> bool:
        return self.value.startswith("objection_")


@dataclass(frozen=True)
class Slots:
    """Values pulled out of one borrower message; None where absent."""

    amount: Decimal | None = None
    date: dt.date | None = None
    vague_date: bool = False  # "soon", "过几天": a time was meant but no date can be fixed
    id_last4: str | None = None
    dob: dt.date | None = None
    zip: str | None = None
    full_amount: bool = False  # "all of it", "全部"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.amount is not None:
            out["amount"] = f"{self.amount:.2f}"
        if self.date is not None:
            out["date"] = self.date.isoformat()
        if self.vague_date:
            out["vague_date"] = True
        if self.id_last4 is not None:
            out["id_last4"] = self.id_last4
        if self.dob is not None:
            out["dob"] = self.dob.isoformat()
        if self.zip is not None:
            out["zip"] = self.zip
        if self.full_amount:
            out["full_amount"] = True
        return out


@dataclass(frozen=True)
class NLUContext:
    """What understanding needs besides the words: language, today, the case's payday."""

    locale: str  # "zh-CN" | "en-US"
    today: dt.date
    payday: int | None = None
    stage: Stage | None = None
    # the conversation so far, oldest first, as (speaker, text); filled only for an LLM
    history: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Understanding:
    intent: Intent
    confidence: float
    slots: Slots = field(default_factory=Slots)
    # the LLM prompt and model consulted for this understanding, stored with the turn
    prompt_id: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class Draft:
    """One agent utterance on its way to the borrower.

    `step` names the vetted line it came from; `fallback` is the vetted text to
    send instead if the guard blocks the draft.
    """

    text: str
    step: str
    fallback: str
    mandatory: bool = False  # verbatim disclosures: never rephrased


@dataclass(frozen=True)
class GuardViolation:
    category: str
    rule: str
    span: tuple[int, int]
    message: str


@dataclass(frozen=True)
class GuardVerdict:
    allowed: bool
    text: str  # what may be sent: the draft itself, or its replacement
    violations: tuple[GuardViolation, ...] = ()


class Party(StrEnum):
    """Who the agent believes it is talking to; decides what may be disclosed."""

    DEBTOR = "debtor"  # verified right party
    UNVERIFIED = "unverified"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True)
class CaseFacts:
    """The case record as the agent may speak of it."""

    external_ref: str
    policy: str  # "cn" | "us-regf"
    creditor: str
    agent_name: str
    debtor_name: str
    locale: str
    timezone: str
    amount_due: Decimal
    currency: str
    due_date: dt.date
    min_payment: Decimal
    payment_channels: tuple[str, ...]
    payday: int | None = None
    phone: str = ""
    # right-party check answers on file: id_last4 / dob (ISO date) / zip
    verification: dict[str, str] = field(default_factory=dict)
    # what the creditor allows the agent to say or offer; conservative defaults
    legal_action_permitted: bool = False
    time_barred: bool = False
    max_waiver: Decimal = Decimal("0")

    def days_past_due(self, today: dt.date) -> int:
        return max((today - self.due_date).days, 0)


@dataclass(frozen=True)
class GuardContext:
    """What the output guard needs to judge a draft beyond its words."""

    locale: str
    party: Party
    case: CaseFacts | None = None
    stage: Stage | None = None
    first_disclosure: bool = False  # this draft is the first disclosure turn
    # amounts and dates the borrower committed to in this conversation may be read back
    allowed_amounts: tuple[Decimal, ...] = ()
    allowed_dates: tuple[dt.date, ...] = ()


@dataclass(frozen=True)
class RailSignal:
    """An input rail's finding on a borrower message, before NLU.

    kind: cease | attorney | dispute | bankruptcy | hardship | illness |
    bereavement | self_harm | cant_talk | third_party | wrong_number | robot_question
    """

    kind: str
    rule: str
    span: tuple[int, int]
