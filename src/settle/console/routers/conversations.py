"""Conversations: the filtered list, one transcript, and the reviewer's actions on it."""
from __future__ import annotations

import math
import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from settle.console.auth import Staff
from settle.console.filters import (
    OUTCOME_CHOICES,
    STAGE_CHOICES,
    conversation_filters,
    policies,
)
from settle.console.i18n import code_labels
from settle.console.transcript import build_transcript
from settle.console.users import UNREDACTED_ROLES
from settle.console.web import (
    PREFIX,
    ConsoleRoute,
    PageError,
    checked_form,
    current_staff,
    query_string,
    redirect,
    render,
    services,
)
from settle.prompts import LOCALES
from settle.store.repository import GUARDRAIL_FILTERS, REVIEW_STATUSES, NotFound

router = APIRouter(prefix=f"{PREFIX}/conversations", route_class=ConsoleRoute, include_in_schema=False)

MAX_NOTE = 4000
TAG = re.compile(r"[\w-]{1,40}")


@router.get("", response_class=HTMLResponse)
def conversation_list(request: Request, staff: Staff = Depends(current_staff)) -> Response:
    store = services(request).store
    channels = tuple(sorted({"chat", "voice", *store.conversation_channels()}))
    filters = conversation_filters(request.query_params, channels)
    rows, total = store.search_conversations(filters.query)
    pages = max(1, math.ceil(total / filters.query.per_page))
    return render(
        request,
        "conversations.html",
        {
            "rows": rows,
            "total": total,
            "page": filters.query.page,
            "pages": pages,
            "form": filters.form,
            "active_filters": filters.active,
            "page_link": lambda number: f"?{query_string({**filters.form, 'page': number})}",
            "choices": {
                "locale": LOCALES,
                "policy": policies(),
                "channel": channels,
                "outcome": OUTCOME_CHOICES,
                "stage": STAGE_CHOICES,
                "guardrail": GUARDRAIL_FILTERS,
                "review": REVIEW_STATUSES,
            },
        },
        staff,
    )


@router.get("/{conversation_id}", response_class=HTMLResponse)
def transcript(conversation_id: str, request: Request, staff: Staff = Depends(current_staff)) -> Response:
    store = services(request).store
    try:
        view = build_transcript(store, conversation_id, redacted=staff.role not in UNREDACTED_ROLES)
    except NotFound:
        raise PageError(404, "There is no such conversation.") from None
    # who read which transcript is part of the record; the page's history leaves these out
    store.audit(staff.username, "conversation.view", "conversation", conversation_id, {"redacted": view.redacted})
    return render(
        request,
        "transcript.html",
        {"view": view, "statuses": REVIEW_STATUSES, "tag_suggestions": tuple(code_labels().get("tag", {}))},
        staff,
    )


@router.post("/{conversation_id}/status")
def set_status(conversation_id: str, request: Request, staff: Staff = Depends(current_staff), form: FormData = Depends(checked_form)) -> Response:
    status = str(form.get("status") or "")
    if status not in REVIEW_STATUSES:
        raise PageError(400, "Unknown review status.")
    _act(lambda store: store.set_review_status(conversation_id, status, staff.username), request)
    return _back(conversation_id, "status_saved")


@router.post("/{conversation_id}/tags")
def add_tag(conversation_id: str, request: Request, staff: Staff = Depends(current_staff), form: FormData = Depends(checked_form)) -> Response:
    tag = normalise_tag(str(form.get("tag") or ""))
    added = _act(lambda store: store.add_review_tag(conversation_id, tag, staff.username), request)
    return _back(conversation_id, "tag_added" if added else "tag_exists")


@router.post("/{conversation_id}/tags/remove")
def remove_tag(conversation_id: str, request: Request, staff: Staff = Depends(current_staff), form: FormData = Depends(checked_form)) -> Response:
    tag = normalise_tag(str(form.get("tag") or ""))
    _act(lambda store: store.remove_review_tag(conversation_id, tag, staff.username), request)
    return _back(conversation_id, "tag_removed")


@router.post("/{conversation_id}/notes")
def add_note(conversation_id: str, request: Request, staff: Staff = Depends(current_staff), form: FormData = Depends(checked_form)) -> Response:
    body = str(form.get("body") or "").strip()
    if not body:
        raise PageError(400, "A note cannot be empty.")
    if len(body) > MAX_NOTE:
        raise PageError(400, "A note may be at most {most} characters.", most=MAX_NOTE)
    _act(lambda store: store.add_review_note(conversation_id, body, staff.username), request)
    return _back(conversation_id, "note_added")


def normalise_tag(raw: str) -> str:
    """Lower-case words joined by `_`: "Tone too harsh" and "tone_too_harsh" are one tag."""
    tag = "_".join(raw.strip().lower().split())
    if not TAG.fullmatch(tag):
        raise PageError(400, "A tag is 1–40 letters, digits, '_' or '-'.")
    return tag


def _act(action, request: Request):
    try:
        return action(services(request).store)
    except NotFound:
        raise PageError(404, "There is no such conversation.") from None


def _back(conversation_id: str, flash: str) -> Response:
    return redirect(f"{PREFIX}/conversations/{conversation_id}#review", flash=flash)
