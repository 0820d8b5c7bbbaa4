"""The hand-off queue: conversations a person must follow up, oldest first, taken by one person at a time."""
from __future__ import annotations

from tests.console.staff import listed, post_form
from tests.support import Chat, cn_case, us_case


def hold(client, body, lines) -> Chat:
    chat = Chat(client, body)
    for line in lines:
        chat.say(line)
    return chat


def test_the_queue_holds_handoffs_disputes_and_cease_requests_oldest_first(console_app, collector):
    cease = hold(console_app, us_case(), ["Stop contacting me."])
    promise = hold(console_app, cn_case(), ["是我", "1234", "我下周五还1500", "对"])
    dispute = hold(console_app, us_case(), ["yes", "April 12, 1988", "I already paid this, this is not my debt"])
    handoff = hold(console_app, us_case(), ["yes", "April 12, 1988", "I lost my job and I am in the hospital, I can't pay anything"])
    ongoing = hold(console_app, cn_case(), ["是我"])
    outcomes = {chat.id: chat.transcript()["outcome"] for chat in (cease, promise, dispute, handoff, ongoing)}
    assert outcomes == {cease.id: "cease", promise.id: "promise_to_pay", dispute.id: "dispute", handoff.id: "handoff", ongoing.id: None}

    page = collector.get("/console/queue")
    assert page.status_code == 200
    assert listed(page.text) == [cease.id, dispute.id, handoff.id]
    assert 'id="queue-total">3<' in page.text


def test_taking_assigns_it_once_and_reviewing_it_ok_clears_it(console_app, store, collector, qa, admin):
    cease = hold(console_app, us_case(), ["Stop contacting me."])
    taken = post_form(collector, f"/console/queue/{cease.id}/take", {}, page="/console/queue")
    assert taken.status_code == 303 and taken.headers["location"] == f"/console/conversations/{cease.id}"
    assert store.review_of(cease.id).assignee == "alice"
    assert [e.actor for e in store.audit_entries(cease.id) if e.action == "queue.take"] == ["alice"]

    # someone else is told, and nothing changes
    second = post_form(qa, f"/console/queue/{cease.id}/take", {}, page="/console/queue")
    assert second.status_code == 303 and second.headers["location"] == "/console/queue"
    assert "Someone else took this conversation first." in qa.get("/console/queue").text
    assert store.review_of(cease.id).assignee == "alice"
    assert post_form(qa, f"/console/queue/{cease.id}/release", {}, page="/console/queue").status_code == 403

    # an admin may put anyone's back; then it can be taken again
    assert post_form(admin, f"/console/queue/{cease.id}/release", {}, page="/console/queue").status_code == 303
    assert store.review_of(cease.id).assignee is None
    assert [e.details for e in store.audit_entries(cease.id) if e.action == "queue.release"] == [{"holder": "alice"}]
    assert post_form(qa, f"/console/queue/{cease.id}/take", {}, page="/console/queue").status_code == 303
    assert store.review_of(cease.id).assignee == "quinn"

    post_form(qa, f"/console/conversations/{cease.id}/status", {"status": "ok"})
    assert cease.id not in listed(qa.get("/console/queue").text)


def test_taking_needs_the_form_token_and_a_real_conversation(console_app, store, collector):
    cease = hold(console_app, us_case(), ["Stop contacting me."])
    assert collector.post(f"/console/queue/{cease.id}/take", data={}, follow_redirects=False).status_code == 403
    assert store.review_of(cease.id).assignee is None
    assert post_form(collector, "/console/queue/nope/take", {}, page="/console/queue").status_code == 404
