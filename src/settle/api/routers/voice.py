"""The telephone: placing calls (staff), Twilio's webhooks, and the media stream each call talks over.

A call goes: `POST /v1/calls` (contact policy checked; the dialer — Twilio's
Calls API with answering-machine detection — is given `twiml_url`) → Twilio
fetches that TwiML when the call is answered (or an inbound call arrives at
`/v1/voice/twiml`) → the TwiML connects the call to `/v1/voice/media` with a
one-time token → the agent talks. Twilio's status callbacks
(`/v1/voice/status`) record calls that were never answered, which the
contact policy counts. Every webhook must carry a valid X-Twilio-Signature.
"""
from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, WebSocket, status
from fastapi.responses import JSONResponse, Response
from pydantic import StringConstraints

from settle.api.deps import get_services, require_staff
from settle.api.routers.policy import contact_decision
from settle.api.schemas import Strict
from settle.guardrails.output import check_request
from settle.prompts import load_script
from settle.services import Services
from settle.store.repository import Conflict, NotFound
from settle.voice.calls import answered_by_machine
from settle.voice.telephone import serve_media_stream
from settle.voice.twilio import connect_stream_twiml, say_hangup_twiml, valid_signature

router = APIRouter(tags=["voice"])
XML = "application/xml"
# Twilio's final CallStatus values for a call that no one answered
UNANSWERED = {"no-answer": "no_answer", "busy": "busy", "failed": "failed", "canceled": "canceled"}


class CallIn(Strict):
    case_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _require_voice(services: Services) -> None:
    if services.speech is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"voice is not available: {services.speech_unavailable}")


@router.post(
    "/v1/calls",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "the contact policy does not allow calling the debtor now; `reasons` says why"},
               503: {"description": "the speech engines are not loaded"}},
)
def place_call(body: CallIn, actor: str = Depends(require_staff), services: Services = Depends(get_services)):
    """A call to the case's debtor, if the contact policy allows one now. The dialer places it with
    `twiml_url` as the call's webhook (and answering-machine detection on, so a machine gets only
    the pack's limited-content voicemail)."""
    _require_voice(services)
    try:
        case = services.store.get_case(body.case_id)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    decision = contact_decision(services.store, case, "voice", services.now())
    if not decision.allowed:
        services.store.audit(actor, "contact.refused", "case", case.id, {"channel": "voice", "reasons": decision.reasons})
        return JSONResponse(
            status_code=status.HTTP_409_CONFLICT,
            content={"detail": "call not allowed now: " + "; ".join(decision.reasons), "reasons": decision.reasons},
        )
    call = services.store.create_call(case, "outbound", case.phone, actor, at=services.now())
    base = services.settings.public_url.rstrip("/")
    return {
        "id": call.id,
        "case_id": case.id,
        "to": case.phone,
        "status": call.status,
        "twiml_url": f"{base}/v1/voice/twiml?call={call.id}",
        "status_callback_url": f"{base}/v1/voice/status?call={call.id}",
        "restrictions": decision.restrictions,
    }


async def twilio_form(request: Request, services: Services = Depends(get_services)) -> dict[str, str]:
    """The webhook's form parameters, once its X-Twilio-Signature is checked against the public URL
    Twilio called (the app may sit behind a proxy, so the URL is rebuilt from SETTLE_PUBLIC_URL)."""
    token = services.settings.twilio_auth_token
    if token is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "telephony is not configured: set SETTLE_TWILIO_AUTH_TOKEN")
    form = {key: str(value) for key, value in (await request.form()).items()}
    url = services.settings.public_url.rstrip("/") + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    signature = request.headers.get("x-twilio-signature", "")
    if not signature or not valid_signature(token.get_secret_value(), url, form, signature):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or invalid X-Twilio-Signature")
    return form


@router.post("/v1/voice/twiml", response_class=Response, responses={200: {"content": {XML: {}}}})
def call_webhook(
    request: Request, call: str | None = None, form: dict[str, str] = Depends(twilio_form), services: Services = Depends(get_services)
) -> Response:
    """TwiML for an answered call: an outbound one (`?call=` from `POST /v1/calls`) or an inbound one,
    matched to a case by the caller's number. It connects the call to the media stream."""
    _require_voice(services)
    store = services.store
    if call is None:
        case = store.find_case_by_phone(form.get("From", ""))
        if case is None:
            return _unknown_caller(services, form.get("From", ""))
        record = store.create_call(case, "inbound", form.get("From", ""), "twilio", provider_sid=form.get("CallSid"),
                                   at=services.now())
    else:
        try:
            record = store.get_call(call)
        except NotFound as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    answered_by = form.get("AnsweredBy") or "human"
    media_token = secrets.token_urlsafe(24)
    try:
        store.answer_call(record.id, media_token, "voicemail" if answered_by_machine(answered_by) else "answered",
                          form.get("CallSid"), answered_by)
    except Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    stream_url = services.settings.public_url.rstrip("/").replace("http", "ws", 1) + "/v1/voice/media"
    return Response(connect_stream_twiml(stream_url, {"call": record.id, "token": media_token}), media_type=XML)


def _unknown_caller(services: Services, number: str) -> Response:
    """No case for this number: a vetted line (checked by the guard like any other) and a hang-up."""
    locale = "zh-CN" if number.startswith("+86") else "en-US"
    text = load_script(locale)["lines"]["voice.unknown_caller"]
    verdict = check_request({"text": text, "locale": locale, "party": "unverified"}, services.pipeline.guard)
    return Response(say_hangup_twiml(verdict["safe_text"], locale), media_type=XML)


@router.post("/v1/voice/status")
def call_status(call: str, form: dict[str, str] = Depends(twilio_form), services: Services = Depends(get_services)) -> dict:
    """Twilio's status callback: a call that ended unanswered (no answer, busy, failed) is recorded as such."""
    outcome = UNANSWERED.get(form.get("CallStatus", ""))
    try:
        record = services.store.get_call(call)
        if outcome is not None and record.conversation_id is None:
            services.store.end_call(record.id, status=outcome)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return {"ok": True}


@router.websocket("/v1/voice/media")
async def media_stream(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    if services.speech is None:
        await websocket.close(code=1011, reason=f"voice is not available: {services.speech_unavailable}"[:120])
        return
    await serve_media_stream(websocket, services)
