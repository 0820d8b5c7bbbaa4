"""Redaction of personal numbers in transcripts shown to staff or exported.

The store keeps the original; what a reviewer sees masks mainland resident ID
numbers, bank card numbers, US Social Security numbers and phone numbers.
Each digit is replaced by `*` one for one, so separators, length and the
positions of everything else survive, and the last four digits stay visible
where people use them to tell numbers apart ("card ending 1234"). Amounts,
dates and bare four-digit tails are left alone: validation (ID checksum and
birth date, Luhn, SSN ranges) keeps ordinary numbers from being taken for
personal ones.

Detectors run in order — ID, card, SSN, phone — and a span claimed by one is
not looked at again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

MASK = "*"

# not glued to another digit or Latin letter (a CJK character next to a number is fine)
_START = r"(?<![0-9A-Za-z])"
_END = r"(?![0-9A-Za-z])"

_CN_ID = re.compile(_START + r"[1-9]\d{5} ?(?:18|19|20)\d{6} ?\d{3}[0-9Xx]" + _END)
# a leading + makes it an international phone number, never a card
_CARD = re.compile(r"(?<![0-9A-Za-z+])(?:(?:\d{4}[ -]){2,3}\d{4}(?:[ -]?\d{1,3})?|\d{13,19})" + _END)
_SSN_FORMATTED = re.compile(_START + r"(\d{3})([- ])(\d{2})\2(\d{4})" + _END)
_SSN_CONTEXT = re.compile(
    r"(?i:\bssn\b|\bsocial\s+security(?:\s+(?:number|no\.?|#))?|\bsocial\b|\bss\s*#|\bss\s+no\.?)[^0-9]{0,20}?"
    + _START
    + r"(\d{9})"
    + _END
)
_PHONES = (
    # CN mobile, with or without +86 / 0086
    re.compile(_START + r"(?P<prefix>(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _END),
    # CN landline with area code: 010-12345678, (0755) 1234 5678, +86 10 1234 5678
    re.compile(
        r"(?<![0-9A-Za-z+])"
        r"(?:(?P<prefix>(?:\+|00)86[ -]?)[1-9]\d{1,2}|0[1-9]\d{1,2}|\(0[1-9]\d{1,2}\))"
        r"[ -]?\d{3,4}[ -]?\d{4}" + _END
    ),
    # US: (212) 555-0100, 212-555-0100, 212.555.0100, +1 212 555 0100, 1-800-555-0100, +12125550100
    re.compile(
        r"(?<![0-9A-Za-z+])(?P<prefix>\+?1[ .-]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}" + _END
    ),
    re.compile(r"(?<![0-9A-Za-z+])(?P<prefix>\+1 ?)?[2-9]\d{2}[2-9]\d{6}" + _END),
)

_GROUP_BEFORE = re.compile(r"\d{4}[ -]$")
_GROUP_AT = re.compile(r"\d{4}[ -]\d")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def redact(text: str) -> str:
    """`text` with ID, card, SSN and phone numbers masked; everything else unchanged."""
    out = list(text)
    claimed: list[tuple[int, int]] = []
    for find in (_cn_ids, _cards, _ssns, _phones):
        for start, end, keep_from in find(text):
            if any(start < c_end and c_start < end for c_start, c_end in claimed):
                continue
            claimed.append((start, end))
            _mask_digits(out, keep_from, end)
    return "".join(out)


def _mask_digits(out: list[str], start: int, end: int, keep_last: int = 4) -> None:
    """Mask every digit (and an ID's X) in out[start:end] except the last `keep_last`."""
    positions = [i for i in range(start, end) if out[i].isdigit() or out[i] in "Xx"]
    for i in positions[:-keep_last]:
        out[i] = MASK


# each finder yields (start, end, first index to mask) for the numbers it recognises


def _cn_ids(text: str) -> Iterator[tuple[int, int, int]]:
    """Resident IDs: a valid birth date and check digit, or a valid date on a number no card could be."""
    for match in _CN_ID.finditer(text):
        digits = match.group().replace(" ", "")
        if not _valid_birth_date(digits[6:14]):
            continue
        if _id_checksum_ok(digits) or not (digits[-1].isdigit() and _luhn_ok(digits)):
            yield match.start(), match.end(), match.start()


def _cards(text: str) -> Iterator[tuple[int, int, int]]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            yield match.start(), match.end(), match.start()


def _ssns(text: str) -> Iterator[tuple[int, int, int]]:
    for match in _SSN_FORMATTED.finditer(text):
        area, _, group, serial = match.groups()
        if _valid_ssn(area, group, serial):
            yield match.start(), match.end(), match.start()
    for match in _SSN_CONTEXT.finditer(text):
        digits = match.group(1)
        if _valid_ssn(digits[:3], digits[3:5], digits[5:]):
            yield match.start(1), match.end(1), match.start(1)


def _phones(text: str) -> Iterator[tuple[int, int, int]]:
    for pattern in _PHONES:
        for match in pattern.finditer(text):
            if _continues_card_groups(text, match.start()):
                continue
            prefix_end = match.end("prefix") if match.group("prefix") else match.start()
            yield match.start(), match.end(), prefix_end


def _continues_card_groups(text: str, start: int) -> bool:
    """ "6222 0212 3456 7890" that failed Luhn is a mistyped card, not a landline in its tail."""
    return bool(_GROUP_BEFORE.search(text, 0, start) and _GROUP_AT.match(text, start))


def _id_checksum_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17].upper()


def _valid_birth_date(yyyymmdd: str) -> bool:
    try:
        born = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        value = int(ch)
        if i % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _valid_ssn(area: str, group: str, serial: str) -> bool:
    """SSA never issues area 000, 666 or 900–999, group 00 or serial 0000."""
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"
