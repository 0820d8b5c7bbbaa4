"""The hand-off queue: conversations the agent handed to people, oldest first, for someone to take."""
from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from settle.agent.types import Outcome
from settle.console.auth import Staff
from settle.console.filters import page_number
from settle.console.web import (
    PREFIX,
    ConsoleRoute,
    PageError,
    checked_form,
    current_staff,
    redirect,
    render,
    services,
)
from settle.store.repository import Conflict, NotFound

router = APIRouter(prefix=f"{PREFIX}/queue", route_class=ConsoleRoute, include_in_schema=False)

# outcomes a person must follow up: the borrower asked for one, disputed, has a lawyer, or said stop
HANDOFF_OUTCOMES = (Outcome.HANDOFF.value, Outcome.DISPUTE.value, Outcome.ATTORNEY.value, Outcome.CEASE.value)
PER_PAGE = 50


@router.get("", response_class=HTMLResponse)
def queue(request: Request, staff: Staff = Depends(current_staff)) -> Response:
    page = page_number(request.query_params.get("page"))
    rows, total = services(request).store.handoff_queue(HANDOFF_OUTCOMES, page, PER_PAGE)
    return render(
        request,
        "queue.html",
        {"rows": rows, "total": total, "page": page, "pages": max(1, math.ceil(total / PER_PAGE)), "page_link": lambda number: f"?page={number}"},
        staff,
    )


@router.post("/{conversation_id}/take")
def take(conversation_id: str, request: Request, staff: Staff = Depends(current_staff), _form=Depends(checked_form)) -> Response:
    try:
        services(request).store.take_conversation(conversation_id, staff.username)
    except NotFound:
        raise PageError(404, "There is no such conversation.") from None
    except Conflict:
        return redirect(f"{PREFIX}/queue", flash="taken_by_other")
    return redirect(f"{PREFIX}/conversations/{conversation_id}", flash="taken")


@router.post("/{conversation_id}/release")
def release(conversation_id: str, request: Request, staff: Staff = Depends(current_staff), _form=Depends(checked_form)) -> Response:
    """The holder puts it back; an admin may put back anyone's (someone on leave)."""
    store = services(request).store
    holder = store.review_of(conversation_id).assignee
    if holder is None:
        return redirect(f"{PREFIX}/queue", flash="released")
    if holder != staff.username and staff.role != "admin":
        raise PageError(403, "Only {holder} or an admin can put this conversation back.", holder=holder)
    store.release_conversation(conversation_id, staff.username, holder)
    return redirect(f"{PREFIX}/queue", flash="released")
