"""Staff: may we contact this debtor now? The case's contact policy pack decides."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import AwareDatetime, StringConstraints

from settle.api.deps import get_services, require_staff
from settle.api.schemas import Strict
from settle.guardrails.contact import CaseFlags, ContactDecision, ContactHistory, ContactRequest, check_contact
from settle.services import Services
from settle.store.models import Case
from settle.store.repository import NotFound, Store

router = APIRouter(prefix="/v1/policy", tags=["policy"])


class ContactCheckIn(Strict):
    case_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    channel: Literal["voice", "chat", "sms", "email"]
    at: AwareDatetime


def contact_decision(store: Store, case: Case, channel: str, at: dt.datetime) -> ContactDecision:
    """The pack's verdict from the case flags and the contacts already in the store."""
    flags = case.flags or {}
    request = ContactRequest(
        policy=case.policy,
        channel=channel,
        at=at,
        debtor_timezone=case.timezone,
        phone=case.phone,
        address_state=flags.get("address_state"),
        flags=CaseFlags(**{name: bool(flags.get(name, False)) for name in CaseFlags.__dataclass_fields__}),
    )
    return check_contact(request, ContactHistory(attempts=store.contact_attempts(case.id)))


@router.post("/contact-check")
def contact_check(body: ContactCheckIn, _: str = Depends(require_staff), services: Services = Depends(get_services)) -> dict:
    try:
        case = services.store.get_case(body.case_id)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    decision = contact_decision(services.store, case, body.channel, body.at)
    return {"allowed": decision.allowed, "reasons": decision.reasons, "restrictions": decision.restrictions, "zones": list(decision.zones)}
