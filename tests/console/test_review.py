"""Reviewing a transcript: what it shows (blocked drafts beside what was sent, rails, masking for
collectors) and the reviewer's actions (status, tags, notes), each one in the audit log."""
from __future__ import annotations

import re

import pytest

from settle.agent.nlg import Say, TemplateNLG
from settle.store.repository import case_facts
from tests.console.conversations import (
    BAD_DRAFT_EN,
    BLOCKED_STEP,
    PHONE,
    RESIDENT_ID,
    hold_with_a_blocked_draft,
)
from tests.console.staff import post_form
from tests.support import TODAY, Chat, cn_case


def section(html: str, css_class: str) -> str:
    """The inner HTML of the first element whose class list starts with `css_class`."""
    match = re.search(rf'<(\w+) class="{css_class}[^"]*"[^>]*>(.*?)</\1>', html, re.DOTALL)
    assert match, f"no .{css_class} in the page"
    return match.group(2)


def audit(store, conversation_id: str, action: str) -> list:
    return [e for e in store.audit_entries(conversation_id) if e.action == action]


def test_a_blocked_draft_is_shown_beside_what_was_sent(console_app, store, collector):
    chat = hold_with_a_blocked_draft(console_app, "US-BLOCKED-2")
    page = collector.get(f"/console/conversations/{chat.id}").text
    facts = case_facts(store.get_case(chat.case_id))
    vetted = TemplateNLG().render(Say(BLOCKED_STEP), facts, facts.locale, TODAY).text

    draft = section(page, "compare-col draft")
    assert "<mark>" in draft, "the words the guard objected to are marked"
    assert re.sub(r"</?mark>", "", section(draft, "text blocked-text")).replace("&#39;", "'") == BAD_DRAFT_EN
    assert 'data-category="impersonation"' in draft and "impersonation." in draft  # category and rule
    assert section(section(page, "compare-col sent"), "text sent-text").replace("&#39;", "'") == vetted
    assert "Blocked drafts: 1" in page
    assert 'data-stage="negotiation"' in page  # stage markers


def test_input_rail_findings_intents_slots_and_the_commitment_are_shown(console_app, collector):
    promise = Chat(console_app, cn_case())
    for line in ("是我", "1234", "我下周五还1500", "对"):
        promise.say(line)
    page = collector.get(f"/console/conversations/{promise.id}").text
    assert 'data-intent="identity_answer"' in page or 'data-intent="affirm"' in page
    commitment = re.search(r'id="commitment">(.*?)</section>', page, re.DOTALL).group(1)
    assert "CNY 1,500.00" in commitment
    assert 'data-stage="confirmation"' in page

    dispute = Chat(console_app, cn_case())
    for line in ("是我", "1234", "这笔钱我上个月已经还过了,你们搞错了"):
        dispute.say(line)
    page = collector.get(f"/console/conversations/{dispute.id}").text
    assert 'class="chip chip-input" data-category="dispute"' in page
    assert "No commitment was made in this conversation." in page


def test_collectors_see_phone_and_id_numbers_masked_and_qa_sees_them(console_app, store, collector, qa):
    chat = Chat(console_app, cn_case())
    for line in ("是我", "身份证后四位是1234", f"我的手机号是{PHONE}，身份证号{RESIDENT_ID}"):
        chat.say(line)
    assert post_form(collector, f"/console/conversations/{chat.id}/notes", {"body": f"回电 {PHONE}"}).status_code == 303

    masked = collector.get(f"/console/conversations/{chat.id}").text
    assert PHONE not in masked and RESIDENT_ID not in masked
    assert "*******5678" in masked and "**************7774" in masked
    assert "+8613800138000" not in masked  # the case's phone too
    assert 'id="redaction-notice"' in masked

    clear = qa.get(f"/console/conversations/{chat.id}").text
    assert PHONE in clear and RESIDENT_ID in clear and "+8613800138000" in clear
    assert 'id="redaction-notice"' not in clear
    # what was stored is untouched; masking happens on the way to the page
    assert any(PHONE in t.text for t in store.transcript(chat.id)[1])
    views = audit(store, chat.id, "conversation.view")
    assert [(v.actor, v.details["redacted"]) for v in views] == [("alice", True), ("quinn", False)]


def test_review_status_tags_and_notes_are_saved_and_audited(console_app, store, collector):
    chat = Chat(console_app, cn_case())
    url = f"/console/conversations/{chat.id}"

    saved = post_form(collector, f"{url}/status", {"status": "needs_follow_up"})
    assert saved.status_code == 303 and saved.headers["location"] == f"{url}#review"
    assert store.review_of(chat.id).status == "needs_follow_up"
    assert [(e.actor, e.details) for e in audit(store, chat.id, "review.status")] == [("alice", {"from": "unreviewed", "to": "needs_follow_up"})]

    assert post_form(collector, f"{url}/tags", {"tag": "  Tone  too harsh "}).status_code == 303
    assert post_form(collector, f"{url}/tags", {"tag": "tone_too_harsh"}).status_code == 303  # the same tag again
    assert post_form(collector, f"{url}/tags", {"tag": "语气生硬"}).status_code == 303
    assert store.review_of(chat.id).tags == ("tone_too_harsh", "语气生硬")
    assert [e.details["tag"] for e in audit(store, chat.id, "review.tag_add")] == ["tone_too_harsh", "语气生硬"]
    assert post_form(collector, f"{url}/tags/remove", {"tag": "tone_too_harsh"}).status_code == 303
    assert store.review_of(chat.id).tags == ("语气生硬",)
    assert [e.details["tag"] for e in audit(store, chat.id, "review.tag_remove")] == ["tone_too_harsh"]

    assert post_form(collector, f"{url}/notes", {"body": "Borrower asked for a call after 6pm."}).status_code == 303
    notes = store.review_of(chat.id).notes
    assert [(n.author, n.body) for n in notes] == [("alice", "Borrower asked for a call after 6pm.")]
    assert audit(store, chat.id, "review.note")[0].details["body"] == "Borrower asked for a call after 6pm."

    page = collector.get(url)
    assert "Note added." in page.text  # the last action's message, shown once
    assert '<option value="needs_follow_up" selected>' in page.text
    assert "Borrower asked for a call after 6pm." in page.text
    assert page.text.count('data-action="review.') == 5  # status, 2 tag adds, tag remove, note
    assert "Note added." not in collector.get(url).text


@pytest.mark.parametrize(
    "path,data",
    [("status", {"status": "fine"}), ("tags", {"tag": "no spaces? no <b>"}), ("tags", {"tag": "x" * 41}), ("notes", {"body": "  "}), ("notes", {"body": "x" * 4001})],
)
def test_bad_review_input_is_refused_readably_and_changes_nothing(console_app, store, collector, path, data):
    chat = Chat(console_app, cn_case())
    response = post_form(collector, f"/console/conversations/{chat.id}/{path}", data)
    assert response.status_code == 400 and 'id="error-message"' in response.text
    review = store.review_of(chat.id)
    assert (review.status, review.tags, review.notes) == ("unreviewed", (), ())
    assert not [e for e in store.audit_entries(chat.id) if e.action.startswith("review.")]


def test_unknown_conversations_are_404_pages(collector):
    assert collector.get("/console/conversations/nope").status_code == 404
    response = post_form(collector, "/console/conversations/nope/status", {"status": "ok"})
    assert response.status_code == 404 and 'id="error-message"' in response.text
    assert post_form(collector, "/console/conversations/nope/notes", {"body": "hello"}).status_code == 404
    assert post_form(collector, "/console/conversations/nope/tags", {"tag": "tone"}).status_code == 404


def test_text_from_borrowers_is_shown_as_text(console_app, collector):
    chat = Chat(console_app, cn_case())
    chat.say('<img src=x onerror="alert(1)">')
    page = collector.get(f"/console/conversations/{chat.id}").text
    assert "<img src=x" not in page and "&lt;img src=x" in page
