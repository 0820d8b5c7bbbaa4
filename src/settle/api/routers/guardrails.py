"""Staff: judge any text with the same output guard that stands in every conversation."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import StringConstraints

from settle.api.deps import get_services, require_staff
from settle.api.schemas import Strict
from settle.guardrails.output import GuardRequestError, check_request
from settle.services import Services
from settle.store.repository import NotFound, case_facts

router = APIRouter(prefix="/v1/guardrails", tags=["guardrails"])


class GuardCheckIn(Strict):
    text: Annotated[str, StringConstraints(min_length=1, max_length=10000)]
    locale: Literal["zh-CN", "en-US"]
    party: Literal["debtor", "unverified", "third_party"]
    case_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


@router.post("/check")
def guard_check(body: GuardCheckIn, _: str = Depends(require_staff), services: Services = Depends(get_services)) -> dict:
    """`{"allowed", "violations": [{"category", "rule", "span", "message"}], "safe_text"}`."""
    if body.case_id is not None:
        try:
            services.store.get_case(body.case_id)
        except NotFound as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    try:
        return check_request(
            body.model_dump(exclude_none=True),
            services.pipeline.guard,
            case_lookup=lambda case_id: case_facts(services.store.get_case(case_id)),
        )
    except GuardRequestError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
