"""The LLM inside the turn pipeline (fake chat model): what is sent, streamed and stored."""
from __future__ import annotations

import time

from settle.prompts import load_script
from tests.llm.conftest import asked, fake_engine
from tests.support import Chat, us_case

# what the model says, call by call: phrasing is two calls (acknowledgement, then the line worded)
ASK_DOB = ("Thanks for picking up.", "To protect your privacy, please confirm your date of birth.")
UNEMPLOYED = '{"intent": "objection_unemployed"}'
# "they let me go at work…" is read by the embedding NLU as waiting for salary at ~0.5: asked
# about it below this, the model says what it is (prompts/llm.yaml asks below a lower threshold)
ASKED = 0.7
WORDED = ("Losing a job is hard, I'm sorry.",
          "Could you manage a small payment, at least $150.00? I can also connect you with a person to discuss a payment plan.")


def stored_turns(chat: Chat) -> list:
    """The turns as stored."""
    return chat.client.app.state.services.store.transcript(chat.id)[1]


def verified(client) -> Chat:
    chat = Chat(client, us_case())
    chat.say("yes")  # a bare yes: the rules decide, the model is not asked
    chat.say("My date of birth is April 12, 1988")
    assert chat.stage == "disclosure", chat.agent_texts
    return chat


def test_worded_replies_are_sent_and_stored_with_their_prompt_and_model(llm_client):
    engine = fake_engine(*ASK_DOB, UNEMPLOYED, *WORDED)
    chat = verified(llm_client(engine, consult_below=ASKED))
    assert " ".join(ASK_DOB) in chat.agent_texts
    chat.say("they let me go at work last month and I've got nothing coming in")
    assert chat.reply() == " ".join(WORDED)
    borrower, agent = stored_turns(chat)[-2:]
    assert borrower.intent == "objection_unemployed"
    assert (borrower.prompt_id, borrower.model) == ("en-US/understand-v1", "fake-model")
    assert (agent.prompt_id, agent.model, agent.draft, agent.events) == ("en-US/phrase-v2", "fake-model", None, [])
    shown = chat.transcript()["turns"][-2:]  # reviewers see them too
    assert [(t["prompt_id"], t["model"]) for t in shown] == [("en-US/understand-v1", "fake-model"), ("en-US/phrase-v2", "fake-model")]


def test_mandatory_disclosures_go_out_verbatim_and_never_reach_the_model(llm_client):
    engine = fake_engine(*ASK_DOB, UNEMPLOYED, *WORDED)
    chat = verified(llm_client(engine, consult_below=ASKED))
    notice = load_script("en-US")["notices"]["debt_collector"]
    assert notice in chat.agent_texts[-1]
    assert all(notice not in user for _system, user in asked(engine))
    disclosure = stored_turns(chat)[-1]
    assert disclosure.step == "disclosure.full" and disclosure.prompt_id is None


def test_a_draft_that_adds_a_fact_is_replaced_and_both_are_stored(llm_client):
    invented = ("I'm sorry about your job.", "Could you pay $99.00 by Friday instead?")
    engine = fake_engine(*ASK_DOB, UNEMPLOYED, *invented)
    chat = verified(llm_client(engine, consult_below=ASKED))
    chat.say("they let me go at work last month and I've got nothing coming in")
    # the acknowledgement was fine and already sent; the vetted line follows without its own
    vetted = "Could you manage a small payment, at least $150.00? I can also connect you with a person to discuss a payment plan."
    assert chat.reply() == f"I'm sorry about your job. {vetted}" and "out of work" not in chat.reply()
    agent = stored_turns(chat)[-1]
    assert agent.draft == " ".join(invented) and agent.text == chat.reply()
    assert {(e.category, e.rule) for e in agent.events} >= {("fact_check", "new_amount"), ("fact_check", "new_time")}
    assert all(e.original == agent.draft and e.replacement == chat.reply() for e in agent.events)


def test_stop_calling_ends_the_conversation_whatever_the_model_says(llm_client):
    engine = fake_engine(*ASK_DOB, '{"intent": "objection_busy"}', "Sure, I will call you later.")
    chat = verified(llm_client(engine, consult_below=ASKED))
    chat.say("stop calling me, I mean it")
    assert chat.last["outcome"] == "cease" and chat.last["ended"]
    assert chat.reply() == load_script("en-US")["lines"]["cease.ack"]


def test_the_first_sentence_is_handed_over_before_the_turn_is_stored(nlu, guard, rails, sqlite_url):
    from tests.support import llm_services

    services = llm_services(sqlite_url, fake_engine(UNEMPLOYED, *WORDED), nlu, guard, rails, consult_below=ASKED)
    try:
        case = services.store.create_case(_us_fields(), actor="test")
        conversation, _token, _ = services.pipeline.start(case, "chat", "inbound", actor="test")
        conversation.state = {**conversation.state, "stage": "disclosure", "party": "debtor", "pending": "pay_today"}
        pieces: list[tuple[str, int]] = []
        stored = lambda: len(services.store.transcript(conversation.id)[1])
        result = services.pipeline.handle(conversation, "they let me go at work last month and I've got nothing",
                                          on_sentence=lambda text: pieces.append((text, stored())))
        assert pieces[0][0] == WORDED[0] and pieces[0][0].message == 0
        assert " ".join(text for text, _ in pieces) == result.messages[0].text == " ".join(WORDED)
        assert all(count == 1 for _, count in pieces)  # only the opening was stored while sentences went out
    finally:
        services.close()


def test_a_worded_reply_streams_to_the_borrower_piece_by_piece(llm_client):
    chat = verified(llm_client(fake_engine(*ASK_DOB, UNEMPLOYED, *WORDED), consult_below=ASKED))
    events = chat.say_streamed("they let me go at work last month and I've got nothing coming in")
    assert events[:2] == [("sentence", {"message": 0, "text": WORDED[0]}), ("sentence", {"message": 0, "text": WORDED[1]})]
    assert events[2][0] == "turn" and events[2][1]["messages"] == [{"role": "agent", "text": " ".join(WORDED)}]


def test_a_streamed_acknowledgement_is_followed_by_the_vetted_line_when_the_wording_fails(llm_client):
    chat = verified(llm_client(fake_engine(*ASK_DOB, UNEMPLOYED, "I'm sorry about your job.", "Pay $99.00 by Friday?"), consult_below=ASKED))
    events = chat.say_streamed("they let me go at work last month and I've got nothing coming in")
    vetted = "Could you manage a small payment, at least $150.00? I can also connect you with a person to discuss a payment plan."
    sentences = [data for name, data in events if name == "sentence"]
    assert sentences == [{"message": 0, "text": "I'm sorry about your job."}, {"message": 0, "text": vetted}]
    assert events[-1][1]["messages"][0]["text"] == f"I'm sorry about your job. {sentences[1]['text']}"
    assert "$99.00" not in events[-1][1]["messages"][0]["text"]


def _us_fields() -> dict:
    import datetime as dt
    from decimal import Decimal

    body = us_case()
    debtor = body["debtor"]
    return {"external_ref": body["external_ref"], "policy": body["policy"], "creditor": body["creditor"],
            "agent_name": body["agent_name"], "debtor_name": debtor["name"], "phone": debtor["phone"],
            "locale": debtor["locale"], "timezone": debtor["timezone"], "verification": debtor["verification"],
            "amount_due": Decimal(body["amount_due"]), "currency": body["currency"],
            "due_date": dt.date.fromisoformat(body["due_date"]), "min_payment": Decimal(body["min_payment"]),
            "payday": body["payday"], "payment_channels": body["payment_channels"]}


def test_the_turn_budget_holds_however_slow_the_model_is(llm_client):
    slow = "Could you manage a small payment? " * 30
    chat = verified(llm_client(fake_engine(*ASK_DOB, "Losing a job is hard.", slow, sleep=0.02), turn_budget_s=1.5))
    started = time.monotonic()
    chat.say("they let me go at work last month and I've got nothing coming in")
    assert time.monotonic() - started < 1.5 + 1.0  # the budget, and a request's own overhead on a busy machine
    turn = stored_turns(chat)[-1]
    assert {(e.category, e.rule) for e in turn.events} == {("llm", "late")}
    # what the model had written by then is kept for reviewers, and none of its unfinished wording was sent
    assert turn.draft.startswith("Losing a job is hard. Could you manage")
    assert "Could you manage a small payment? Could you" not in chat.reply() and chat.reply().endswith("?")
