"""May Settle start this contact now? A pure function of the request, the pack and the history.

No database and no clock: the caller passes the proposed time and the attempts
already made, so the same inputs always give the same answer and every rule can
be tested at its edges.

Reason codes (the text before ": " in `ContactDecision.reasons`; stable, also
listed as `REASON_CODES`). Which ones a pack uses, and for which channels, is
in its YAML file.

- outside_hours: the local time in the debtor's zone (cn) or in one of the
  zones the consumer may be in (us-regf) is outside the pack's window. The
  window includes its start and excludes its end: 08:00:00 is allowed,
  20:00:00 (cn) / 21:00:00 (us-regf) is not.
- attorney: the debtor is represented by a lawyer.
- cease_written: the debtor asked in writing to stop (all channels).
- cease_spoken: the debtor asked to stop by voice or chat (cn: all channels;
  us-regf: phone calls only, 1006.14(h)).
- dispute: the debt is disputed and the dispute is not answered yet.
- bankruptcy: the debtor reports a bankruptcy; a person must review first.
- no_ai_voice_consent: an AI voice call without recorded prior consent.
- daily_conversation_limit: cn, already 3 connected conversations today.
- daily_unanswered_limit: cn, already 6 unanswered calls to this number today.
- weekly_call_limit: us-regf, already 7 calls in the last 7 calendar days.
- conversation_cooldown: us-regf, a telephone conversation within the last
  7 calendar days, its own day counted as the first.

Restriction codes (`ContactDecision.restrictions`) do not refuse contact; they
say what the conversation must avoid:

- no_suit_talk: the debt is time-barred; never sue or threaten to sue.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from settle.guardrails.contact.pack import CHANNELS, ContactPack, load_pack
from settle.guardrails.contact.zones import implied_zones, zone

REASON_CODES = (
    "outside_hours",
    "attorney",
    "cease_written",
    "cease_spoken",
    "dispute",
    "bankruptcy",
    "no_ai_voice_consent",
    "daily_conversation_limit",
    "daily_unanswered_limit",
    "weekly_call_limit",
    "conversation_cooldown",
)


@dataclass(frozen=True)
class CaseFlags:
    """What the case record says about the debtor that limits contact."""

    cease_written: bool = False  # written request to stop all communication
    cease_spoken: bool = False  # spoken/chat "stop calling me"
    dispute: bool = False  # disputed and not yet answered
    attorney: bool = False  # represented by a lawyer
    bankruptcy: bool = False  # bankruptcy reported; a person reviews first
    time_barred: bool = False  # limitation period passed: no talk of suing
    ai_voice_consent: bool = False  # prior express consent to AI-voice calls on record


class Attempt(NamedTuple):
    """One contact attempt already made. A plain `(at, connected, channel)` tuple works too."""

    at: dt.datetime
    connected: bool
    channel: str
    number: str | None = None  # the number dialled; None means the case's number


@dataclass(frozen=True)
class ContactHistory:
    attempts: tuple[Attempt, ...] | list[Attempt] = ()

    def __post_init__(self) -> None:
        attempts = tuple(Attempt(*item) for item in self.attempts)
        for attempt in attempts:
            _require_aware(attempt.at, "attempt time")
            _require_channel(attempt.channel)
        object.__setattr__(self, "attempts", attempts)


@dataclass(frozen=True)
class ContactRequest:
    policy: str  # the case's policy pack: "cn" | "us-regf"
    channel: str  # "voice" | "chat" | "sms" | "email"
    at: dt.datetime  # the proposed time; must be timezone-aware
    debtor_timezone: str  # the case's IANA timezone
    phone: str = ""
    address_state: str | None = None  # USPS state code of the address, when known
    flags: CaseFlags = field(default_factory=CaseFlags)

    def __post_init__(self) -> None:
        _require_aware(self.at, "ContactRequest.at")
        _require_channel(self.channel)
        zone(self.debtor_timezone)


@dataclass(frozen=True)
class ContactDecision:
    allowed: bool
    reasons: list[str]  # "code: human text", one per broken rule; empty when allowed
    restrictions: list[str]  # "code: human text" the conversation must respect
    zones: tuple[str, ...]  # the zones whose local time was checked

    @property
    def codes(self) -> list[str]:
        return [reason.split(":", 1)[0] for reason in self.reasons]

    @property
    def restriction_codes(self) -> list[str]:
        return [item.split(":", 1)[0] for item in self.restrictions]

    def to_json(self) -> dict[str, object]:
        return {
            "allowed": self.allowed,
            "reasons": list(self.reasons),
            "restrictions": list(self.restrictions),
            "zones": list(self.zones),
        }


def check_contact(request: ContactRequest, history: ContactHistory | None = None) -> ContactDecision:
    """Every rule of the case's pack that the proposed contact would break; allowed when none."""
    pack = load_pack(request.policy)
    if request.channel not in pack.channels:
        raise ValueError(f"pack {pack.policy!r} has no channel {request.channel!r}")
    history = history or ContactHistory()
    zones = (
        implied_zones(case_timezone=request.debtor_timezone, phone=request.phone, address_state=request.address_state)
        if pack.hours.zones == "every_implied_zone"
        else (request.debtor_timezone,)
    )
    reasons = [
        *_hours(pack, request, zones),
        *_flag_stops(pack, request),
        *_limits(pack, request, history),
        *_cooldowns(pack, request, history),
    ]
    restrictions = [
        _reason(item.code, item.message, item.source)
        for item in pack.content_restrictions
        if getattr(request.flags, item.flag)
    ]
    return ContactDecision(allowed=not reasons, reasons=reasons, restrictions=restrictions, zones=zones)


def _hours(pack: ContactPack, request: ContactRequest, zones: tuple[str, ...]) -> list[str]:
    window = f"{pack.hours.start:%H:%M}–{pack.hours.end:%H:%M}"
    outside = []
    for name in zones:
        local = request.at.astimezone(zone(name))
        if not pack.hours.allows(local.time()):
            outside.append(f"{local:%H:%M} {name}")
    if not outside:
        return []
    text = f"{' and '.join(outside)} {'is' if len(outside) == 1 else 'are'} outside {window}"
    if len(zones) > 1:
        text += f" (must hold in every zone the consumer may be in: {', '.join(zones)})"
    return [_reason("outside_hours", text, pack.hours.source)]


def _flag_stops(pack: ContactPack, request: ContactRequest) -> list[str]:
    stops = [rule for rule in pack.stops if getattr(request.flags, rule.flag) and request.channel in rule.channels]
    missing = [
        rule for rule in pack.consents if request.channel in rule.channels and not getattr(request.flags, rule.flag)
    ]
    return [_reason(rule.code, rule.message, rule.source) for rule in (*stops, *missing)]


def _limits(pack: ContactPack, request: ContactRequest, history: ContactHistory) -> list[str]:
    reasons = []
    for limit in pack.limits:
        if request.channel not in limit.channels:
            continue
        number = _national(request.phone) if limit.per == "number" else None
        first_day = _local_date(request.at, request.debtor_timezone) - dt.timedelta(days=limit.days - 1)
        count = sum(
            1
            for attempt in _counted(history, request.at, limit.counts, limit.channels, number)
            if _local_date(attempt.at, request.debtor_timezone) >= first_day
        )
        if count >= limit.max:
            reasons.append(_reason(limit.code, limit.message.format(count=count, max=limit.max), limit.source))
    return reasons


def _cooldowns(pack: ContactPack, request: ContactRequest, history: ContactHistory) -> list[str]:
    reasons = []
    today = _local_date(request.at, request.debtor_timezone)
    for cooldown in pack.cooldowns:
        if request.channel not in cooldown.channels:
            continue
        days = [
            _local_date(attempt.at, request.debtor_timezone)
            for attempt in _counted(history, request.at, cooldown.after, cooldown.after_channels)
        ]
        recent = [day for day in days if today < day + dt.timedelta(days=cooldown.days)]
        if recent:
            last = max(recent)
            until = last + dt.timedelta(days=cooldown.days)
            text = cooldown.message.format(last=last.isoformat(), until=until.isoformat())
            reasons.append(_reason(cooldown.code, text, cooldown.source))
    return reasons


def _counted(
    history: ContactHistory, before: dt.datetime, counts: str, channels: frozenset[str], number: str | None = None
) -> list[Attempt]:
    """Attempts before the proposed time that a rule counts; only those to `number` when given."""
    return [
        attempt
        for attempt in history.attempts
        if attempt.at < before
        and attempt.channel in channels
        and (counts == "attempts" or attempt.connected == (counts == "connected"))
        and (number is None or attempt.number is None or _national(attempt.number) == number)
    ]


def _national(phone: str) -> str:
    """The last ten digits: the same number compares equal with or without +86, 0086, +1 or a trunk 0."""
    return re.sub(r"\D", "", phone)[-10:]


def _local_date(moment: dt.datetime, timezone: str) -> dt.date:
    return moment.astimezone(zone(timezone)).date()


def _reason(code: str, text: str, source: str) -> str:
    return f"{code}: {text}" + (f" [{source}]" if source else "")


def _require_aware(moment: dt.datetime, what: str) -> None:
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"{what} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{what} {moment.isoformat()} has no time zone; pass an aware datetime "
            "(e.g. datetime(..., tzinfo=ZoneInfo('Asia/Shanghai')) or an ISO string with an offset)"
        )


def _require_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
