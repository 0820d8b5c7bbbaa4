"""The telephone's HTTP side without audio: placing calls under the contact policy, Twilio's signed
webhooks, and what the app says when voice is off."""
from __future__ import annotations

import datetime as dt

import pytest
from pydantic import SecretStr
from starlette.websockets import WebSocketDisconnect

from settle.voice.twilio import request_signature
from tests.support import STAFF, cn_case, us_case
from tests.voice.calls import TWILIO_TOKEN

SHANGHAI_EVENING = dt.datetime(2026, 11, 24, 12, 1, tzinfo=dt.timezone.utc)  # 20:01 in Shanghai
SHANGHAI_MORNING = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.timezone.utc)  # 10:00


class _SpeechStandIn:
    """Voice is "on" for these tests, which never reach the audio."""


@pytest.fixture
def services(client):
    return client.app.state.services


@pytest.fixture
def telephony(client, services):
    services.settings = services.settings.model_copy(update={"twilio_auth_token": SecretStr(TWILIO_TOKEN),
                                                             "public_url": "https://settle.example.com"})
    services.speech, services.speech_unavailable = _SpeechStandIn(), None
    services.now = lambda: SHANGHAI_MORNING
    return client


def _case(client, body) -> dict:
    created = client.post("/v1/cases", json=body, headers=STAFF)
    assert created.status_code == 201, created.text
    return created.json()


def _signed(path: str, form: dict[str, str], token: str = TWILIO_TOKEN) -> dict:
    return {"X-Twilio-Signature": request_signature(token, "https://settle.example.com" + path, form)}


def test_a_call_outside_calling_hours_is_refused_with_the_reasons(telephony, services):
    case = _case(telephony, cn_case())
    services.now = lambda: SHANGHAI_EVENING
    refused = telephony.post("/v1/calls", json={"case_id": case["id"]}, headers=STAFF)
    assert refused.status_code == 409
    assert any(reason.startswith("outside_hours") for reason in refused.json()["reasons"])
    assert services.store.contact_attempts(case["id"]) == []  # a refused call is no attempt


def test_an_ai_voice_call_without_consent_is_refused_under_regulation_f(telephony, services):
    case = _case(telephony, us_case())
    services.now = lambda: dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.timezone.utc)
    refused = telephony.post("/v1/calls", json={"case_id": case["id"]}, headers=STAFF)
    assert refused.status_code == 409
    assert any(reason.startswith("no_ai_voice_consent") for reason in refused.json()["reasons"])


def test_a_placed_call_gives_its_webhook_and_counts_as_an_attempt_until_answered(telephony, services):
    case = _case(telephony, cn_case())
    placed = telephony.post("/v1/calls", json={"case_id": case["id"]}, headers=STAFF)
    assert placed.status_code == 201, placed.text
    body = placed.json()
    assert body["twiml_url"] == f"https://settle.example.com/v1/voice/twiml?call={body['id']}"
    [(at, connected, channel, number)] = services.store.contact_attempts(case["id"])
    assert (connected, channel, number) == (False, "voice", "+8613800138000")
    # Twilio reports no answer: still an unanswered attempt, and the call is closed
    form = {"CallSid": "CA1", "CallStatus": "no-answer"}
    path = f"/v1/voice/status?call={body['id']}"
    assert telephony.post(path, data=form, headers=_signed(path, form)).status_code == 200
    assert services.store.get_call(body["id"]).status == "no_answer"


def test_six_unanswered_calls_in_a_day_stop_the_seventh_under_the_cn_pack(telephony, services):
    case = _case(telephony, cn_case())
    for minutes in range(6):
        services.now = lambda minutes=minutes: SHANGHAI_MORNING + dt.timedelta(minutes=10 * minutes)
        assert telephony.post("/v1/calls", json={"case_id": case["id"]}, headers=STAFF).status_code == 201
    services.now = lambda: SHANGHAI_MORNING + dt.timedelta(hours=2)
    refused = telephony.post("/v1/calls", json={"case_id": case["id"]}, headers=STAFF)
    assert refused.status_code == 409
    assert any(reason.startswith("daily_unanswered_limit") for reason in refused.json()["reasons"])


def test_the_webhook_connects_the_call_to_the_media_stream_with_a_one_time_token(telephony, services):
    case = _case(telephony, cn_case())
    call_id = telephony.post("/v1/calls", json={"case_id": case["id"]}, headers=STAFF).json()["id"]
    path = f"/v1/voice/twiml?call={call_id}"
    form = {"CallSid": "CA2", "AnsweredBy": "human"}
    answered = telephony.post(path, data=form, headers=_signed(path, form))
    assert answered.status_code == 200, answered.text
    assert answered.headers["content-type"].startswith("application/xml")
    assert '<Stream url="wss://settle.example.com/v1/voice/media">' in answered.text
    assert f'<Parameter name="call" value="{call_id}" />' in answered.text
    token = answered.text.split('name="token" value="')[1].split('"')[0]
    assert services.store.claim_call_media(call_id, "not-the-token") is None
    assert services.store.claim_call_media(call_id, token) is not None
    assert services.store.claim_call_media(call_id, token) is None  # once only
    again = telephony.post(path, data=form, headers=_signed(path, form))
    assert again.status_code == 409


@pytest.mark.parametrize("headers", [{}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}], ids=["unsigned", "forged"])
def test_an_unsigned_or_forged_webhook_is_refused(telephony, headers):
    response = telephony.post("/v1/voice/twiml", data={"From": "+8613800138000", "CallSid": "CA3"}, headers=headers)
    assert response.status_code == 403
    assert "X-Twilio-Signature" in response.json()["detail"]


def test_a_tampered_parameter_breaks_the_signature(telephony):
    form = {"From": "+8613800138000", "CallSid": "CA4"}
    headers = _signed("/v1/voice/twiml", form)
    response = telephony.post("/v1/voice/twiml", data={**form, "From": "+8613900000000"}, headers=headers)
    assert response.status_code == 403


def test_an_inbound_call_from_an_unknown_number_hears_a_vetted_line_and_a_hang_up(telephony):
    form = {"From": "+12025550199", "CallSid": "CA5", "Direction": "inbound"}
    response = telephony.post("/v1/voice/twiml", data=form, headers=_signed("/v1/voice/twiml", form))
    assert response.status_code == 200
    assert "<Say language=\"en-US\">Thank you for calling. We could not match this number" in response.text
    assert response.text.endswith("<Hangup /></Response>")


def test_an_inbound_call_is_matched_to_the_case_by_the_callers_number(telephony, services):
    case = _case(telephony, cn_case())
    form = {"From": "008613800138000", "CallSid": "CA6", "Direction": "inbound"}
    response = telephony.post("/v1/voice/twiml", data=form, headers=_signed("/v1/voice/twiml", form))
    assert response.status_code == 200 and "<Connect><Stream" in response.text
    call_id = response.text.split('name="call" value="')[1].split('"')[0]
    call = services.store.get_call(call_id)
    assert (call.case_id, call.direction, call.status) == (case["id"], "inbound", "answered")


def test_without_a_twilio_auth_token_telephony_is_off(client):
    response = client.post("/v1/voice/twiml", data={"From": "+8613800138000"})
    assert response.status_code == 503
    assert "SETTLE_TWILIO_AUTH_TOKEN" in response.json()["detail"]


def test_without_the_speech_engines_calls_are_refused_with_the_reason(client, services):
    case = _case(client, cn_case())
    response = client.post("/v1/calls", json={"case_id": case["id"]}, headers=STAFF)
    assert response.status_code == 503
    assert "voice is not available" in response.json()["detail"]
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect("/v1/voice/media") as socket:
            socket.receive_text()
    assert closed.value.code == 1011 and "voice is not available" in closed.value.reason


def test_a_malformed_call_request_is_a_422(telephony):
    response = telephony.post("/v1/calls", json={"case": "x"}, headers=STAFF)
    assert response.status_code == 422
