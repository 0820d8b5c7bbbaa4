"""The contact policy through the API: the check endpoint and refused outbound starts."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from tests.support import STAFF, Chat, cn_case, us_case

SHANGHAI = ZoneInfo("Asia/Shanghai")


def create(client, body) -> str:
    response = client.post("/v1/cases", json=body, headers=STAFF)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def check(client, case_id, channel, at: dt.datetime) -> dict:
    response = client.post("/v1/policy/contact-check", json={"case_id": case_id, "channel": channel, "at": at.isoformat()}, headers=STAFF)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("hour,minute,allowed", [(19, 59, True), (20, 0, False), (20, 1, False), (8, 0, True), (7, 59, False)])
def test_cn_window_edges(client, hour, minute, allowed):
    case_id = create(client, cn_case())
    result = check(client, case_id, "voice", dt.datetime(2026, 11, 24, hour, minute, tzinfo=SHANGHAI))
    assert result["allowed"] is allowed
    if not allowed:
        assert result["reasons"][0].startswith("outside_hours")


def test_us_pacific_evening_is_too_late_for_a_new_york_number(client):
    body = us_case()
    body["debtor"] = {**body["debtor"], "timezone": "America/Los_Angeles", "address_state": "CA"}
    case_id = create(client, body)
    at = dt.datetime(2026, 11, 24, 20, 59, tzinfo=ZoneInfo("America/Los_Angeles"))
    result = check(client, case_id, "voice", at)
    assert result["allowed"] is False
    assert any(r.startswith("outside_hours") for r in result["reasons"])


def test_naive_time_and_unknown_channel_are_refused(client):
    case_id = create(client, cn_case())
    response = client.post("/v1/policy/contact-check", json={"case_id": case_id, "channel": "voice", "at": "2026-11-24T10:00:00"}, headers=STAFF)
    assert response.status_code == 422
    response = client.post("/v1/policy/contact-check", json={"case_id": case_id, "channel": "pigeon", "at": "2026-11-24T10:00:00+08:00"}, headers=STAFF)
    assert response.status_code == 422
    response = client.post("/v1/policy/contact-check", json={"case_id": "nope", "channel": "voice", "at": "2026-11-24T10:00:00+08:00"}, headers=STAFF)
    assert response.status_code == 404


def test_outbound_start_outside_hours_is_409_with_reasons(client):
    case_id = create(client, cn_case())
    services = client.app.state.services
    services.now = lambda: dt.datetime(2026, 11, 24, 21, 30, tzinfo=SHANGHAI)
    response = client.post("/v1/conversations", json={"case_id": case_id, "channel": "chat", "direction": "outbound"}, headers=STAFF)
    assert response.status_code == 409
    assert response.json()["reasons"][0].startswith("outside_hours")
    services.now = lambda: dt.datetime(2026, 11, 24, 10, 30, tzinfo=SHANGHAI)
    response = client.post("/v1/conversations", json={"case_id": case_id, "channel": "chat", "direction": "outbound"}, headers=STAFF)
    assert response.status_code == 201


def test_cease_in_chat_stops_every_later_contact(client):
    chat = Chat(client, us_case())
    chat.say("Stop contacting me")
    assert chat.last["outcome"] == "cease"
    at = dt.datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("America/New_York"))
    for channel in ("voice", "chat", "email"):
        result = check(client, chat.case_id, channel, at)
        assert result["allowed"] is False and any(r.startswith("cease_written") for r in result["reasons"])


def test_cn_third_connected_conversation_is_the_last_of_the_day(client):
    case_id = create(client, cn_case())
    for _ in range(3):
        started = client.post("/v1/conversations", json={"case_id": case_id, "channel": "chat", "direction": "inbound"}, headers=STAFF)
        body = started.json()
        client.post(f"/v1/conversations/{body['id']}/messages", json={"text": "是我"}, headers={"Authorization": f"Bearer {body['token']}"})
    result = check(client, case_id, "chat", dt.datetime.now(SHANGHAI) + dt.timedelta(seconds=1))
    assert result["allowed"] is False and any(r.startswith("daily_conversation_limit") for r in result["reasons"])
