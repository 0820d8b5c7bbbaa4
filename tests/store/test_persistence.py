"""Every turn is committed before the reply; a restart resumes from the store.
Runs on SQLite and on PostgreSQL."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy
from tests.support import TODAY, Chat, cn_case, make_services, us_case

from settle.demo import demo_cases, seed_demo_cases
from settle.store.repository import Conflict, Store


def test_conversation_resumes_after_a_restart(make_client, db_url):
    first = make_client(db_url)
    chat = Chat(first, cn_case())
    chat.say("是我")
    chat.say("1234")
    turns_before = chat.transcript()["turns"]

    second = make_client(db_url)  # a new app process on the same database
    chat.client = second
    assert chat.transcript()["turns"] == turns_before
    chat.say("明天还一千")
    assert chat.stage == "confirmation"
    final = chat.say("对")
    assert final["outcome"] == "promise_to_pay"
    stored = chat.transcript()
    assert [t["speaker"] for t in stored["turns"]].count("borrower") == 4
    assert stored["commitment"]["amount"] == "1000.00"


def test_every_turn_is_stored_with_stage_intent_slots(make_client, db_url):
    chat = Chat(make_client(db_url), us_case())
    chat.say("yes this is Jordan")
    chat.say("1988-04-12")
    chat.say("I'll pay 200 tomorrow")
    turns = chat.transcript()["turns"]
    assert [t["seq"] for t in turns] == list(range(len(turns)))
    borrower = [t for t in turns if t["speaker"] == "borrower"]
    assert borrower[-1]["slots"] == {"amount": "200.00", "date": "2026-11-25"}
    assert borrower[-1]["stage"] == "disclosure"
    assert all(t["stage"] for t in turns)


def test_a_failed_turn_stores_nothing(nlu, guard, rails, db_url):
    services = make_services(db_url, nlu, guard, rails)
    try:
        seed_demo_cases(services.store, TODAY)
        case = services.store.get_case_by_ref("DEMO-CN-001")
        conversation, _, _ = services.pipeline.start(case, "chat", "inbound", actor="test")

        def exploding_render(*_args, **_kwargs):
            raise RuntimeError("NLG crashed")

        real_render = services.pipeline.nlg.render
        services.pipeline.nlg.render = exploding_render
        with pytest.raises(RuntimeError):
            services.pipeline.handle(conversation, "是我")
        services.pipeline.nlg.render = real_render

        fresh = services.store.get_conversation(conversation.id)
        _, turns, _ = services.store.transcript(conversation.id)
        assert fresh.version == 0 and fresh.stage == "greeting" and len(turns) == 1
        result = services.pipeline.handle(fresh, "是我")  # the borrower simply sends it again
        assert result.stage.value == "verification"
    finally:
        services.close()


def test_racing_writers_cannot_both_commit(nlu, guard, rails, db_url):
    services = make_services(db_url, nlu, guard, rails)
    try:
        seed_demo_cases(services.store, TODAY)
        case = services.store.get_case_by_ref("DEMO-US-001")
        conversation, _, _ = services.pipeline.start(case, "chat", "inbound", actor="test")
        stale = services.store.get_conversation(conversation.id)
        services.pipeline.handle(conversation, "yes")
        with pytest.raises(Conflict):
            services.pipeline.handle(stale, "yes")
        _, turns, _ = services.store.transcript(conversation.id)
        assert [t.speaker for t in turns].count("borrower") == 1
    finally:
        services.close()


def test_audit_log_is_append_only(db_url):
    store = Store(db_url)
    try:
        seed_demo_cases(store, TODAY)
        entries = store.audit_entries()
        assert [e.action for e in entries] == ["case.create", "case.create"]
        with pytest.raises(sqlalchemy.exc.DatabaseError), store.session() as session:
            session.execute(sqlalchemy.text("UPDATE audit_log SET actor = 'someone else'"))
        with pytest.raises(sqlalchemy.exc.DatabaseError), store.session() as session:
            session.execute(sqlalchemy.text("DELETE FROM audit_log"))
        assert len(store.audit_entries()) == 2
    finally:
        store.close()


def test_seed_demo_is_idempotent_and_migrations_rerun_cleanly(db_url):
    store = Store(db_url)
    store.close()
    store = Store(db_url)  # second start: migrate() again is a no-op
    try:
        assert [created for _, created in seed_demo_cases(store, TODAY)] == [True, True]
        assert [created for _, created in seed_demo_cases(store, TODAY)] == [False, False]
        case = store.get_case_by_ref("DEMO-CN-001")
        expected = demo_cases(TODAY)[0]
        assert case.amount_due == Decimal("3200.00") and case.due_date == expected["due_date"]
        assert isinstance(case.due_date, dt.date)
    finally:
        store.close()
