"""Contact policy packs: the declarative rules of one jurisdiction, read from YAML.

A pack holds values and wording only; `checker.py` applies them. Adding a rule
of a kind that already exists (another flag that stops contact, another
frequency cap) is a data change, not a code change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

CHANNELS = ("voice", "chat", "sms", "email")
FLAGS = ("cease_written", "cease_spoken", "dispute", "attorney", "bankruptcy", "time_barred", "ai_voice_consent")
ZONE_MODES = ("case_timezone", "every_implied_zone")
COUNTED = ("connected", "unanswered", "attempts")


class PackError(ValueError):
    """A pack file that cannot be applied as written."""


@dataclass(frozen=True)
class Hours:
    start: dt.time  # inclusive
    end: dt.time  # exclusive
    zones: str  # one of ZONE_MODES
    source: str = ""

    def allows(self, local: dt.time) -> bool:
        return self.start <= local < self.end


@dataclass(frozen=True)
class FlagRule:
    """A case flag that stops (or, for consents, permits) the listed channels."""

    flag: str
    channels: frozenset[str]
    code: str
    message: str
    source: str = ""


@dataclass(frozen=True)
class Limit:
    """At most `max` counted attempts in the last `days` local calendar days."""

    code: str
    counts: str  # one of COUNTED
    channels: frozenset[str]
    per: str  # "debtor" | "number"
    days: int
    max: int
    message: str
    source: str = ""


@dataclass(frozen=True)
class Cooldown:
    """No contact on `channels` for `days` local calendar days after a counted attempt, its day included."""

    code: str
    after: str  # one of COUNTED
    after_channels: frozenset[str]
    channels: frozenset[str]
    days: int
    message: str
    source: str = ""


@dataclass(frozen=True)
class ContentRestriction:
    """What a conversation must avoid when a flag is set; read by the guard and the policy."""

    flag: str
    code: str
    message: str
    source: str = ""


@dataclass(frozen=True)
class ContactPack:
    policy: str
    title: str
    channels: frozenset[str]
    hours: Hours
    stops: tuple[FlagRule, ...]
    limits: tuple[Limit, ...]
    cooldowns: tuple[Cooldown, ...]
    consents: tuple[FlagRule, ...]
    content_restrictions: tuple[ContentRestriction, ...]
    voicemail: dict[str, str]

    def voicemail_message(self, locale: str, *, agent_name: str, callback_number: str) -> str:
        """The limited-content voicemail in `locale`: name, call-back request, number, nothing else."""
        template = self.voicemail.get(locale)
        if template is None:
            raise LookupError(f"pack {self.policy!r} has no voicemail template for {locale!r}")
        return template.format(agent_name=agent_name, callback_number=callback_number)


@cache
def load_pack(policy: str) -> ContactPack:
    """The pack named by a case's `policy` ("cn", "us-regf"), parsed and validated once."""
    known = available_policies()
    if policy not in known:
        raise ValueError(f"unknown contact policy {policy!r}; known: {', '.join(known)}")
    raw = yaml.safe_load((resources.files(__package__) / f"{policy}.yaml").read_text(encoding="utf-8"))
    try:
        return _parse(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise PackError(f"contact pack {policy}.yaml: {exc}") from exc


def available_policies() -> list[str]:
    """Every pack shipped: each `<policy>.yaml` beside this module."""
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in resources.files(__package__).iterdir()
        if entry.is_file() and entry.name.endswith(".yaml")
    )


def _parse(raw: dict[str, Any]) -> ContactPack:
    channels = _channels(raw["channels"], allowed=CHANNELS)
    hours = raw["hours"]
    pack = ContactPack(
        policy=raw["policy"],
        title=raw.get("title", ""),
        channels=channels,
        hours=Hours(
            start=_clock(hours["start"]),
            end=_clock(hours["end"]),
            zones=_one_of(hours["zones"], ZONE_MODES, "hours.zones"),
            source=hours.get("source", ""),
        ),
        stops=tuple(_flag_rule(item, channels) for item in raw.get("stops") or ()),
        limits=tuple(_limit(item, channels) for item in raw.get("limits") or ()),
        cooldowns=tuple(_cooldown(item, channels) for item in raw.get("cooldowns") or ()),
        consents=tuple(_flag_rule(item, channels) for item in raw.get("consents") or ()),
        content_restrictions=tuple(
            ContentRestriction(
                flag=_one_of(item["flag"], FLAGS, "content_restrictions.flag"),
                code=item["code"],
                message=item["message"],
                source=item.get("source", ""),
            )
            for item in raw.get("content_restrictions") or ()
        ),
        voicemail=dict(raw.get("voicemail") or {}),
    )
    if pack.hours.start >= pack.hours.end:
        raise ValueError("hours.start must be before hours.end")
    return pack


def _flag_rule(item: dict[str, Any], pack_channels: frozenset[str]) -> FlagRule:
    return FlagRule(
        flag=_one_of(item["flag"], FLAGS, "flag"),
        channels=_channels(item["channels"], allowed=pack_channels),
        code=item["code"],
        message=item["message"],
        source=item.get("source", ""),
    )


def _limit(item: dict[str, Any], pack_channels: frozenset[str]) -> Limit:
    return Limit(
        code=item["code"],
        counts=_one_of(item["counts"], COUNTED, "limits.counts"),
        channels=_channels(item["channels"], allowed=pack_channels),
        per=_one_of(item["per"], ("debtor", "number"), "limits.per"),
        days=_positive(item["days"], "limits.days"),
        max=_positive(item["max"], "limits.max"),
        message=item["message"],
        source=item.get("source", ""),
    )


def _cooldown(item: dict[str, Any], pack_channels: frozenset[str]) -> Cooldown:
    return Cooldown(
        code=item["code"],
        after=_one_of(item["after"], COUNTED, "cooldowns.after"),
        after_channels=_channels(item["after_channels"], allowed=pack_channels),
        channels=_channels(item["channels"], allowed=pack_channels),
        days=_positive(item["days"], "cooldowns.days"),
        message=item["message"],
        source=item.get("source", ""),
    )


def _channels(value: Any, *, allowed: tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    if value == "all":
        return frozenset(allowed)
    unknown = set(value) - set(allowed)
    if unknown:
        raise ValueError(f"unknown channel(s) {sorted(unknown)}; expected some of {sorted(allowed)}")
    return frozenset(value)


def _one_of(value: Any, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} is {value!r}; expected one of {list(allowed)}")
    return value


def _positive(value: Any, what: str) -> int:
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive integer, not {value!r}")
    return value


def _clock(value: str) -> dt.time:
    return dt.time.fromisoformat(value)
