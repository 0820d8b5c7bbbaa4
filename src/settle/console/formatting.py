"""How the console writes times and rates. Times are shown in UTC, and say so."""
from __future__ import annotations

import datetime as dt

from settle.console.i18n import Translator


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; the store writes UTC only."""
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def when(moment: dt.datetime | None) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def waited(moment: dt.datetime | None, now: dt.datetime, _: Translator) -> str:
    """How long ago, in the largest sensible unit: "3 d", "5 h", "12 min"."""
    if moment is None:
        return ""
    minutes = max(0, int((now - as_utc(moment)).total_seconds() // 60))
    if minutes >= 2 * 24 * 60:
        return _("{n} d", n=minutes // (24 * 60))
    if minutes >= 120:
        return _("{n} h", n=minutes // 60)
    return _("{n} min", n=minutes)


def millis(value: float) -> str:
    return "<1 ms" if value < 1 else f"{value:.0f} ms"
