"""The conversation list: each filter narrows to the right conversations, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import datetime as dt

import pytest

from settle.store.repository import ConversationQuery
from tests.console.conversations import hold_sample_conversations
from tests.console.staff import add_staff, listed, post_form, staff_client


@pytest.fixture
def sample(make_client, db_url):
    client = make_client(db_url)
    add_staff(client.app.state.services.store)
    return client, hold_sample_conversations(client), staff_client(client, "alice")


def shown(browser, **params) -> set[str]:
    response = browser.get("/console/conversations", params=params)
    assert response.status_code == 200, response.text
    return set(listed(response.text))


def test_filters_narrow_the_list(sample):
    _, s, alice = sample
    everyone = {s.promise_zh.id, s.cease_en.id, s.ongoing_zh.id, s.blocked_en.id}
    assert shown(alice) == everyone
    assert shown(alice, locale="zh-CN") == {s.promise_zh.id, s.ongoing_zh.id}
    assert shown(alice, policy="us-regf") == {s.cease_en.id, s.blocked_en.id}
    assert shown(alice, channel="chat") == everyone and shown(alice, channel="voice") == set()
    assert shown(alice, outcome="promise_to_pay") == {s.promise_zh.id}
    assert shown(alice, outcome="cease") == {s.cease_en.id}
    assert shown(alice, outcome="ongoing") == {s.ongoing_zh.id, s.blocked_en.id}
    assert shown(alice, stage="confirmation") == {s.promise_zh.id}
    assert shown(alice, stage="disclosure") == everyone - {s.cease_en.id}
    assert shown(alice, guardrail="output") == {s.blocked_en.id}
    assert s.cease_en.id in shown(alice, guardrail="input")
    assert shown(alice, guardrail="none") == everyone - shown(alice, guardrail="any")
    assert shown(alice, ref="promise") == {s.promise_zh.id}  # any part of the reference, any case
    assert shown(alice, ref="%") == set()  # LIKE wildcards are searched for literally
    assert shown(alice, locale="en-US", guardrail="output", stage="negotiation") == {s.blocked_en.id}


def test_date_range_is_inclusive_of_whole_days(sample):
    _, _, alice = sample
    today = dt.datetime.now(dt.timezone.utc).date()
    assert len(shown(alice, **{"from": today.isoformat(), "to": today.isoformat()})) == 4
    assert shown(alice, **{"from": (today + dt.timedelta(days=1)).isoformat()}) == set()
    assert shown(alice, to=(today - dt.timedelta(days=1)).isoformat()) == set()


def test_review_status_filter_follows_the_reviewers(sample):
    _, s, alice = sample
    conversation = s.ongoing_zh.id
    assert post_form(alice, f"/console/conversations/{conversation}/status", {"status": "escalated"}).status_code == 303
    assert shown(alice, review="escalated") == {conversation}
    assert conversation not in shown(alice, review="unreviewed")
    assert len(shown(alice, review="unreviewed")) == 3


def test_pages_of_results(sample):
    client, s, alice = sample
    store = client.app.state.services.store
    first, total = store.search_conversations(ConversationQuery(per_page=3))
    second, _ = store.search_conversations(ConversationQuery(per_page=3, page=2))
    assert total == 4 and len(first) == 3 and len(second) == 1
    assert {row.id for row in first} | {row.id for row in second} == set(shown(alice))
    assert [row.started_at for row in first] == sorted((row.started_at for row in first), reverse=True)  # newest first
    blocked = next(row for row in first + second if row.id == s.blocked_en.id)
    assert blocked.blocked_drafts == 1 and blocked.case_ref == "US-BLOCKED-1"


@pytest.mark.parametrize(
    "params",
    [{"locale": "fr-FR"}, {"from": "24/11/2026"}, {"from": "2026-11-24", "to": "2026-11-01"}, {"page": "0"}, {"page": "x"}, {"guardrail": "some"}],
)
def test_nonsense_filters_get_a_readable_400_page(collector, params):
    response = collector.get("/console/conversations", params=params)
    assert response.status_code == 400
    assert 'id="error-message"' in response.text
