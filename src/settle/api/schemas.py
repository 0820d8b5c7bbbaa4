"""Request and response bodies of the public API. Unknown fields are refused."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Money = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VerificationIn(Strict):
    id_last4: Annotated[str, StringConstraints(pattern=r"^\d{3}[\dXx]$")] | None = None
    dob: dt.date | None = None
    zip: Annotated[str, StringConstraints(pattern=r"^\d{5}$")] | None = None


class DebtorIn(Strict):
    name: Text200
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40)]
    locale: Literal["zh-CN", "en-US"]
    timezone: str
    verification: VerificationIn
    # extension: helps the us-regf contact window when the area code is ambiguous
    address_state: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def verifiable(self) -> "DebtorIn":
        if not any((self.verification.id_last4, self.verification.dob, self.verification.zip)):
            raise ValueError("verification needs at least one of id_last4, dob, zip")
        return self


class CaseIn(Strict):
    external_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    policy: Literal["cn", "us-regf"]
    creditor: Text200
    agent_name: Text200
    debtor: DebtorIn
    amount_due: Money
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    due_date: dt.date
    min_payment: Money
    payday: Annotated[int, Field(ge=1, le=31)] | None = None
    payment_channels: Annotated[list[Text200], Field(min_length=1, max_length=10)]
    # extensions: what the creditor allows the agent to say, and contact consents
    legal_action_permitted: bool = False
    time_barred: bool = False
    ai_voice_consent: bool = False

    @model_validator(mode="after")
    def minimum_within_balance(self) -> "CaseIn":
        if self.min_payment > self.amount_due:
            raise ValueError("min_payment cannot exceed amount_due")
        return self


class CaseOut(BaseModel):
    id: str
    external_ref: str
    policy: str
    creditor: str
    agent_name: str
    debtor: dict
    amount_due: str
    currency: str
    due_date: dt.date
    min_payment: str
    payday: int | None
    payment_channels: list[str]
    flags: dict
    created_at: dt.datetime


class ConversationIn(Strict):
    case_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    channel: Literal["chat", "voice"]
    direction: Literal["inbound", "outbound"]


class MessageOut(BaseModel):
    role: Literal["agent", "borrower"]
    text: str


class ConversationStarted(BaseModel):
    id: str
    token: str
    stage: str
    messages: list[MessageOut]


class MessageIn(Strict):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class CommitmentOut(BaseModel):
    amount: str
    currency: str
    date: dt.date
    channel: str


class TurnReply(BaseModel):
    stage: str
    messages: list[MessageOut]
    ended: bool
    outcome: str | None
    commitment: CommitmentOut | None
