"""The borrower's reply as Server-Sent Events (`Accept: text/event-stream`), beside the JSON answer."""
from __future__ import annotations

from tests.support import STAFF, Chat, us_case


def joined(events: list[tuple[str, dict]], message: int) -> str:
    return " ".join(data["text"] for name, data in events if name == "sentence" and data["message"] == message)


def test_each_reply_message_streams_before_the_turn_result(client):
    chat = Chat(client, us_case())
    events = chat.say_streamed("is this a robot?")
    names = [name for name, _ in events]
    assert names[-1] == "turn" and set(names[:-1]) == {"sentence"}
    turn = events[-1][1]
    assert set(turn) == {"stage", "messages", "ended", "outcome", "commitment"}
    assert len(turn["messages"]) == 2
    for index, message in enumerate(turn["messages"]):
        assert joined(events, index) == message["text"]
    assert [data["message"] for name, data in events if name == "sentence"] == [0, 1]


def test_the_streamed_turn_is_stored_like_a_json_one(client):
    chat = Chat(client, us_case())
    chat.say_streamed("yes")
    assert chat.stage == "verification"
    chat.say("My date of birth is April 12, 1988")  # JSON and streamed turns mix in one conversation
    assert chat.stage == "disclosure"
    turns = chat.transcript()["turns"]
    assert [t["speaker"] for t in turns] == ["agent", "borrower", "agent", "borrower", "agent"]
    assert turns[1]["text"] == "yes" and turns[2]["text"] == chat.agent_texts[1]


def test_refusals_stay_json_errors_when_a_stream_is_asked_for(client):
    chat = Chat(client, us_case())
    stream = {"Accept": "text/event-stream"}
    url = f"/v1/conversations/{chat.id}/messages"
    wrong = client.post(url, json={"text": "hi"}, headers={**stream, "Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["content-type"] == "application/json"
    empty = client.post(url, json={"text": "  "}, headers={**stream, "Authorization": f"Bearer {chat.token}"})
    assert empty.status_code == 422 and "text" in empty.json()["detail"]
    chat.say("stop contacting me")
    assert chat.last["ended"]
    ended = client.post(url, json={"text": "hello?"}, headers={**stream, "Authorization": f"Bearer {chat.token}"})
    assert ended.status_code == 409 and ended.json()["detail"] == "this conversation has ended"


def test_the_openapi_document_names_the_stream(client):
    operation = client.get("/openapi.json", headers=STAFF).json()["paths"]["/v1/conversations/{conversation_id}/messages"]["post"]
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/event-stream"}
