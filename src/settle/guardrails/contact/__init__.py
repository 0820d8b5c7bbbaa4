"""Contact policy: may Settle start a contact now, under the case's policy pack?

Packs (`cn.yaml`, `us-regf.yaml`) are declarative data; `check_contact` is a
pure function of the request and the attempt history. Reason codes are
documented in `checker.py`.
"""

from settle.guardrails.contact.checker import (
    REASON_CODES,
    Attempt,
    CaseFlags,
    ContactDecision,
    ContactHistory,
    ContactRequest,
    check_contact,
)
from settle.guardrails.contact.pack import ContactPack, PackError, available_policies, load_pack
from settle.guardrails.contact.zones import implied_zones

__all__ = [
    "REASON_CODES",
    "Attempt",
    "CaseFlags",
    "ContactDecision",
    "ContactHistory",
    "ContactPack",
    "ContactRequest",
    "PackError",
    "available_policies",
    "check_contact",
    "implied_zones",
    "load_pack",
]
