"""Which time zones a consumer may be in, from what the case knows about them.

Regulation F lets a collector call only when the time is convenient wherever the
consumer might be: a New York area code with a California address means both
Eastern and Pacific time must be inside the window.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml


@lru_cache(maxsize=1)
def _us_table() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    path = resources.files(__package__) / "geo" / "us_time_zones.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    area_codes = {str(code): tuple(zones) for code, zones in raw["area_codes"].items()}
    states = {state.upper(): tuple(zones) for state, zones in raw["states"].items()}
    return area_codes, states


def us_area_code(phone: str) -> str | None:
    """The NANP area code of a +1 / 10-digit number, None for anything else (a Chinese mobile, +44 ...)."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+") and not digits.startswith("1"):
        return None  # another country's number
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None  # NANP numbers are NXX-NXX-XXXX
    return digits[:3]


def zones_for_area_code(phone: str) -> tuple[str, ...]:
    code = us_area_code(phone)
    return _us_table()[0].get(code, ()) if code else ()


def zones_for_state(state: str | None) -> tuple[str, ...]:
    return _us_table()[1].get(state.strip().upper(), ()) if state else ()


def implied_zones(*, case_timezone: str, phone: str = "", address_state: str | None = None) -> tuple[str, ...]:
    """Every zone the phone's area code, the address's state and the case's timezone point to.

    The case's timezone is included even when the others are known: it is the
    creditor's own statement of where the consumer lives, and one more zone can
    only narrow the window, never widen it.
    """
    candidates = (case_timezone, *zones_for_area_code(phone), *zones_for_state(address_state))
    return tuple(dict.fromkeys(candidates))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {name!r}") from exc
