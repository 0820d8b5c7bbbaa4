"""Staff: create and read cases."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, status

from settle.api.deps import get_services, require_staff
from settle.api.schemas import CaseIn, CaseOut
from settle.services import Services
from settle.store.models import Case
from settle.store.repository import Conflict, NotFound

router = APIRouter(prefix="/v1/cases", tags=["cases"])


def case_out(case: Case) -> CaseOut:
    return CaseOut(
        id=case.id,
        external_ref=case.external_ref,
        policy=case.policy,
        creditor=case.creditor,
        agent_name=case.agent_name,
        debtor={
            "name": case.debtor_name,
            "phone": case.phone,
            "locale": case.locale,
            "timezone": case.timezone,
            "verification": case.verification,
        },
        amount_due=f"{case.amount_due:.2f}",
        currency=case.currency,
        due_date=case.due_date,
        min_payment=f"{case.min_payment:.2f}",
        payday=case.payday,
        payment_channels=case.payment_channels,
        flags=case.flags or {},
        created_at=case.created_at,
    )


def case_fields(body: CaseIn) -> dict:
    """Flatten the API body into the columns of `cases`."""
    debtor = body.debtor
    verification = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v.upper())
        for k, v in debtor.verification.model_dump().items()
        if v is not None
    }
    flags = {
        "legal_action_permitted": body.legal_action_permitted,
        "time_barred": body.time_barred,
        "ai_voice_consent": body.ai_voice_consent,
    }
    if debtor.address_state:
        flags["address_state"] = debtor.address_state
    return {
        "external_ref": body.external_ref,
        "policy": body.policy,
        "creditor": body.creditor,
        "agent_name": body.agent_name,
        "debtor_name": debtor.name,
        "phone": debtor.phone,
        "locale": debtor.locale,
        "timezone": debtor.timezone,
        "verification": verification,
        "amount_due": body.amount_due,
        "currency": body.currency,
        "due_date": body.due_date,
        "min_payment": body.min_payment,
        "payday": body.payday,
        "payment_channels": body.payment_channels,
        "flags": flags,
    }


@router.post("", status_code=status.HTTP_201_CREATED)
def create_case(body: CaseIn, actor: str = Depends(require_staff), services: Services = Depends(get_services)) -> dict:
    try:
        case = services.store.create_case(case_fields(body), actor)
    except Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return {"id": case.id}


@router.get("/{case_id}", response_model=CaseOut)
def get_case(case_id: str, _: str = Depends(require_staff), services: Services = Depends(get_services)) -> CaseOut:
    try:
        return case_out(services.store.get_case(case_id))
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
