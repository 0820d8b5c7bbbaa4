"""Malformed requests get a 4xx with a reason, never a 500, and lose nothing."""
import pytest
from tests.support import STAFF, Chat, cn_case, us_case


def test_unknown_field_is_refused(client):
    response = client.post("/v1/cases", json={**cn_case(), "surprise": 1}, headers=STAFF)
    assert response.status_code == 422
    assert "surprise" in response.json()["detail"]


@pytest.mark.parametrize(
    "change,reason",
    [
        ({"amount_due": "abc"}, "amount_due"),
        ({"amount_due": "-5.00"}, "amount_due"),
        ({"policy": "eu"}, "policy"),
        ({"due_date": "24/11/2026"}, "due_date"),
        ({"payment_channels": []}, "payment_channels"),
        ({"min_payment": "9999.00"}, "min_payment"),
        ({"payday": 40}, "payday"),
    ],
)
def test_wrong_case_values_are_refused_with_the_field(client, change, reason):
    response = client.post("/v1/cases", json=cn_case(**change), headers=STAFF)
    assert response.status_code == 422
    assert reason in response.json()["detail"]


def test_bad_timezone_and_missing_verification(client):
    body = cn_case()
    body["debtor"] = {**body["debtor"], "timezone": "Mars/Olympus"}
    assert client.post("/v1/cases", json=body, headers=STAFF).status_code == 422
    body["debtor"] = {**body["debtor"], "timezone": "Asia/Shanghai", "verification": {}}
    response = client.post("/v1/cases", json=body, headers=STAFF)
    assert response.status_code == 422 and "verification" in response.json()["detail"]


def test_duplicate_case_reference_conflicts(client):
    body = us_case()
    assert client.post("/v1/cases", json=body, headers=STAFF).status_code == 201
    response = client.post("/v1/cases", json=body, headers=STAFF)
    assert response.status_code == 409 and body["external_ref"] in response.json()["detail"]


def test_not_json_is_a_422(client):
    response = client.post("/v1/cases", content=b"{not json", headers={**STAFF, "Content-Type": "application/json"})
    assert response.status_code == 422


def test_staff_endpoints_need_the_staff_token(client):
    assert client.post("/v1/cases", json=cn_case()).status_code == 401
    assert client.post("/v1/cases", json=cn_case(), headers={"Authorization": "Bearer nope"}).status_code == 401
    chat = Chat(client, cn_case())
    # the borrower's token opens nothing but its own conversation
    borrower = {"Authorization": f"Bearer {chat.token}"}
    assert client.get(f"/v1/conversations/{chat.id}", headers=borrower).status_code == 401
    assert client.get(f"/v1/cases/{chat.case_id}", headers=borrower).status_code == 401


def test_unknown_case_for_a_conversation_is_404(client):
    response = client.post("/v1/conversations", json={"case_id": "nope", "channel": "chat", "direction": "inbound"}, headers=STAFF)
    assert response.status_code == 404


def test_bad_conversation_body(client):
    chat = Chat(client, cn_case())
    response = client.post("/v1/conversations", json={"case_id": chat.case_id, "channel": "fax", "direction": "inbound"}, headers=STAFF)
    assert response.status_code == 422 and "channel" in response.json()["detail"]


@pytest.mark.parametrize("payload", [{"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {"text": 5}, {}, {"text": "hi", "extra": True}])
def test_bad_messages_are_refused_and_lose_nothing(client, payload):
    chat = Chat(client, cn_case())
    before = chat.transcript()["turns"]
    response = client.post(f"/v1/conversations/{chat.id}/messages", json=payload, headers={"Authorization": f"Bearer {chat.token}"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    assert chat.transcript()["turns"] == before
    chat.say("是我")  # the conversation goes on
    assert chat.stage == "verification"


def test_a_message_of_exactly_2000_characters_is_accepted(client):
    chat = Chat(client, us_case())
    chat.say("y" * 2000)
    assert chat.stage in ("greeting", "verification")


def test_wrong_token_and_other_conversations_token(client):
    first, second = Chat(client, cn_case()), Chat(client, us_case())
    url = f"/v1/conversations/{first.id}/messages"
    assert client.post(url, json={"text": "hi"}).status_code == 401
    assert client.post(url, json={"text": "hi"}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post(url, json={"text": "hi"}, headers={"Authorization": f"Bearer {second.token}"}).status_code == 401
    assert client.post("/v1/conversations/nope/messages", json={"text": "hi"}, headers={"Authorization": f"Bearer {first.token}"}).status_code == 401


def test_message_to_an_ended_conversation_is_409(client):
    chat = Chat(client, cn_case())
    chat.say("你打错了,这里没有这个人")
    assert chat.last["ended"]
    response = client.post(f"/v1/conversations/{chat.id}/messages", json={"text": "hello?"}, headers={"Authorization": f"Bearer {chat.token}"})
    assert response.status_code == 409 and "ended" in response.json()["detail"]


def test_unknown_transcript_is_404(client):
    assert client.get("/v1/conversations/nope", headers=STAFF).status_code == 404
    assert client.get("/v1/cases/nope", headers=STAFF).status_code == 404


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/v1/conversations/{conversation_id}/messages" in spec["paths"]
