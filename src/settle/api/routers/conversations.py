"""Conversations: staff start and read them; the borrower talks with the conversation token."""
from __future__ import annotations

import json
import logging
import queue
import secrets
import threading
from collections.abc import Iterator

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from settle.api.deps import bearer_token, get_services, require_staff
from settle.api.routers.policy import contact_decision
from settle.api.schemas import (
    CommitmentOut,
    ConversationIn,
    ConversationStarted,
    MessageIn,
    MessageOut,
    TurnReply,
)
from settle.agent.pipeline import TurnResult
from settle.guardrails.redaction import redact
from settle.services import Services
from settle.store.models import Conversation
from settle.store.repository import Conflict, NotFound, hash_token

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/conversations", tags=["conversations"])


def borrower_conversation(conversation_id: str, token: str = Depends(bearer_token), services: Services = Depends(get_services)) -> Conversation:
    """The conversation a borrower token opens; the same answer for unknown ids and wrong tokens."""
    try:
        conversation = services.store.get_conversation(conversation_id)
    except NotFound:
        conversation = None
    if conversation is None or not secrets.compare_digest(conversation.token_hash, hash_token(token)):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "this token does not open this conversation", headers={"WWW-Authenticate": "Bearer"})
    return conversation


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ConversationStarted,
    responses={409: {"description": "the contact policy does not allow contacting the debtor now; `reasons` says why"}},
)
def start_conversation(body: ConversationIn, actor: str = Depends(require_staff), services: Services = Depends(get_services)):
    try:
        case = services.store.get_case(body.case_id)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    if body.direction == "outbound":
        decision = contact_decision(services.store, case, body.channel, services.now())
        if not decision.allowed:
            services.store.audit(actor, "contact.refused", "case", case.id, {"channel": body.channel, "reasons": decision.reasons})
            return JSONResponse(
                status_code=status.HTTP_409_CONFLICT,
                content={"detail": "contact not allowed now: " + "; ".join(decision.reasons), "reasons": decision.reasons},
            )
    conversation, token, messages = services.pipeline.start(case, body.channel, body.direction, actor)
    return ConversationStarted(
        id=conversation.id, token=token, stage=conversation.stage, messages=[MessageOut(role=m.role, text=m.text) for m in messages]
    )


STREAM = "text/event-stream"
STREAM_DOC = (
    "Sent when the request asks for it with `Accept: text/event-stream`: the reply as Server-Sent Events. "
    "Each guarded piece of the reply is an event `sentence` with `{\"message\", \"text\"}` as soon as it may be "
    "sent (`message` is the index of the reply message it belongs to: its pieces, joined, are that message); "
    "the last event is `turn` with the same body as the JSON answer, or `error` with `{\"status\", \"detail\"}` "
    "when the turn could not be stored (409: another message raced this one)."
)


def turn_reply(result: TurnResult) -> TurnReply:
    commitment = result.commitment
    return TurnReply(
        stage=result.stage.value,
        messages=[MessageOut(role=m.role, text=m.text) for m in result.messages],
        ended=result.ended,
        outcome=result.outcome.value if result.outcome else None,
        commitment=CommitmentOut(amount=f"{commitment.amount:.2f}", currency=commitment.currency, date=commitment.date, channel=commitment.channel)
        if commitment
        else None,
    )


@router.post(
    "/{conversation_id}/messages",
    response_model=TurnReply,
    responses={200: {"content": {STREAM: {"schema": {"type": "string"}, "example": (
        'event: sentence\ndata: {"message": 0, "text": "I understand."}\n\n'
        'event: turn\ndata: {"stage": "negotiation", "messages": [...], "ended": false, "outcome": null, "commitment": null}\n\n'
    )}}, "description": "The turn's result; " + STREAM_DOC}},
)
def post_message(
    body: MessageIn,
    request: Request,
    conversation: Conversation = Depends(borrower_conversation),
    services: Services = Depends(get_services),
):
    if conversation.ended:
        raise HTTPException(status.HTTP_409_CONFLICT, "this conversation has ended")
    if STREAM in request.headers.get("accept", ""):
        return StreamingResponse(
            _turn_events(services, conversation, body.text),
            media_type=STREAM,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},  # no proxy may hold sentences back
        )
    try:
        result = services.pipeline.handle(conversation, body.text)
    except Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return turn_reply(result)


def _event(name: str, data: BaseModel | dict) -> str:
    payload = data.model_dump_json() if isinstance(data, BaseModel) else json.dumps(data, ensure_ascii=False)
    return f"event: {name}\ndata: {payload}\n\n"


def _turn_events(services: Services, conversation: Conversation, text: str) -> Iterator[str]:
    """The turn runs in its own thread and hands each guarded piece over as it comes. A borrower who
    goes away mid-turn stops only the events: the turn itself still completes and is stored."""
    events: queue.Queue[str | None] = queue.Queue()

    def run() -> None:
        try:
            result = services.pipeline.handle(
                conversation, text,
                on_sentence=lambda piece: events.put(_event("sentence", {"message": piece.message, "text": str(piece)})),
            )
            events.put(_event("turn", turn_reply(result)))
        except Conflict as exc:
            events.put(_event("error", {"status": status.HTTP_409_CONFLICT, "detail": str(exc)}))
        except Exception:
            log.exception("a streamed turn of conversation %s failed", conversation.id)
            events.put(_event("error", {"status": status.HTTP_500_INTERNAL_SERVER_ERROR, "detail": "the turn failed; nothing was stored"}))
        finally:
            events.put(None)

    threading.Thread(target=run, name=f"turn-{conversation.id}", daemon=True).start()
    while (event := events.get()) is not None:
        yield event


@router.get("/{conversation_id}")
def get_transcript(conversation_id: str, _: str = Depends(require_staff), services: Services = Depends(get_services)) -> dict:
    """Phone, ID, card and SSN numbers are masked here; the store keeps the original."""
    try:
        conversation, turns, commitment = services.store.transcript(conversation_id)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return {
        "id": conversation.id,
        "case_id": conversation.case_id,
        "case_ref": conversation.case.external_ref,
        "channel": conversation.channel,
        "direction": conversation.direction,
        "locale": conversation.locale,
        "stage": conversation.stage,
        "ended": conversation.ended,
        "outcome": conversation.outcome,
        "started_at": conversation.started_at,
        "ended_at": conversation.ended_at,
        "commitment": {
            "amount": f"{commitment.amount:.2f}",
            "currency": commitment.currency,
            "date": commitment.date,
            "channel": commitment.channel,
        }
        if commitment
        else None,
        "turns": [
            {
                "seq": t.seq,
                "speaker": t.speaker,
                "text": redact(t.text),
                "stage": t.stage,
                "intent": t.intent,
                "confidence": t.confidence,
                "slots": t.slots,
                "step": t.step,
                "draft": redact(t.draft) if t.draft else None,
                "prompt_id": t.prompt_id,  # the LLM prompt and model behind this turn, if any
                "model": t.model,
                "latency_ms": t.latency_ms,
                "asr_confidence": t.asr_confidence,  # a spoken turn: how sure speech-to-text was
                "at": t.created_at,
                "guardrail_events": [
                    {
                        "kind": e.kind,
                        "category": e.category,
                        "rule": e.rule,
                        "span": e.span,
                        "original": redact(e.original),
                        "replacement": redact(e.replacement) if e.replacement else None,
                    }
                    for e in t.events
                ],
            }
            for t in turns
        ],
    }
