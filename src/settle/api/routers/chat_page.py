"""The borrower's web chat page, opened by the conversation token in the link."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse

from settle.api.deps import get_services
from settle.services import Services

router = APIRouter(tags=["chat"])


@router.get("/chat/{token}", response_class=HTMLResponse, include_in_schema=False)
def chat_page(token: str, request: Request, services: Services = Depends(get_services)) -> HTMLResponse:
    conversation = services.store.find_conversation_by_token(token)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this chat link is not valid")
    _, turns, _ = services.store.transcript(conversation.id)
    return request.app.state.templates.TemplateResponse(
        request,
        "chat.html",
        {
            "conversation_id": conversation.id,
            "token": token,
            "locale": conversation.locale,
            "stage": conversation.stage,
            "ended": conversation.ended,
            "outcome": conversation.outcome,
            "messages": [{"role": "agent" if t.speaker == "agent" else "borrower", "text": t.text} for t in turns],
            "title": conversation.case.creditor,
            "static_url": "/static",
        },
    )
