"""The output guard inside the turn pipeline: every vetted line passes it, and a bad
draft never reaches the borrower — the vetted line does, and reviewers see the event."""
import datetime as dt
from decimal import Decimal

import pytest

from settle.agent.nlg import Say, TemplateNLG
from settle.agent.types import Draft, GuardContext, Party, Stage
from settle.demo import demo_cases
from settle.prompts import load_flow, load_script
from settle.store.repository import Store, case_facts
from tests.support import STAFF, TODAY, Chat, cn_case, make_services, us_case

# lines that may be said before the right party is verified
PRE_VERIFICATION = ("greeting.", "verification.", "robot.", "third_party.", "wrong_number.", "cease.", "attorney.", "callback.", "handoff.", "guard.", "opening.", "voice.")
TONE_DAYS = {"reminder": 3, "firm": 12, "escalation": 40}


def demo_facts(locale: str, days_past_due: int, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'facts.db'}")
    try:
        fields = next(c for c in demo_cases(TODAY) if c["locale"] == locale)
        fields = {**fields, "due_date": TODAY - dt.timedelta(days=days_past_due)}
        return case_facts(store.create_case(fields, actor="test"))
    finally:
        store.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("tone", TONE_DAYS)
def test_every_vetted_line_passes_the_guard(guard, locale, tone, tmp_path):
    facts = demo_facts(locale, TONE_DAYS[tone], tmp_path)
    nlg = TemplateNLG()
    params = {
        "amount": Decimal("600.00"),
        "date": TODAY + dt.timedelta(days=3),
        "limit_date": TODAY + dt.timedelta(days=load_flow()["limits"]["max_promise_days"]),
        "channel": facts.payment_channels[0],
    }
    failures = []
    for step in load_script(locale)["lines"]:
        draft = nlg.render(Say(step, params), facts, locale, TODAY)
        parties = [Party.UNVERIFIED, Party.DEBTOR] if step.startswith(PRE_VERIFICATION) else [Party.DEBTOR]
        for party in parties:
            ctx = GuardContext(
                locale=locale,
                party=party,
                case=facts,
                stage=Stage.NEGOTIATION,
                first_disclosure=step == "disclosure.full",
                allowed_amounts=(params["amount"],),
                allowed_dates=(params["date"], params["limit_date"]),
            )
            verdict = guard.check(draft.text, ctx)
            if not verdict.allowed:
                failures.append((step, party.value, draft.text, verdict.violations))
    assert not failures, failures


class InjectingNLG(TemplateNLG):
    """Stands in for a misbehaving phraser: one step gets a bad draft, the vetted line stays the fallback."""

    def __init__(self, step: str, bad_text: str) -> None:
        super().__init__()
        self.step, self.bad_text = step, bad_text

    def render(self, say, case, locale, today):
        draft = super().render(say, case, locale, today)
        if say.step == self.step:
            return Draft(text=self.bad_text, step=draft.step, fallback=draft.fallback)
        return draft


@pytest.mark.parametrize(
    "case_body,opening,step,bad_text,category",
    [
        (cn_case, ["是我", "1234"], "objection.objection_busy", "你再不还钱,我们明天就去你单位找你领导,让你同事都知道你欠钱不还。", "threat"),
        (us_case, ["yes", "April 12, 1988"], "objection.objection_busy", "This is Officer Sam from the county sheriff's office; pay today or a warrant will be issued.", "impersonation"),
    ],
)
def test_a_bad_draft_is_replaced_by_the_vetted_line(nlu, guard, rails, sqlite_url, case_body, opening, step, bad_text, category):
    from fastapi.testclient import TestClient

    from settle.api.app import create_app

    services = make_services(sqlite_url, nlu, guard, rails)
    services.pipeline.nlg = InjectingNLG(step, bad_text)
    with TestClient(create_app(services.settings, services)) as client:
        chat = Chat(client, case_body())
        for line in opening:
            chat.say(line)
        chat.say("我最近太忙了,没时间" if case_body is cn_case else "I'm too busy right now, no time")
        sent = chat.reply()
        assert bad_text not in " ".join(chat.agent_texts)
        facts = case_facts(services.store.get_case(chat.case_id))
        vetted = TemplateNLG().render(Say(step), facts, facts.locale, TODAY).text
        assert sent == vetted
        last = chat.transcript()["turns"][-1]
        assert last["step"] == step and last["text"] == vetted and last["draft"] == bad_text
        events = last["guardrail_events"]
        assert events and {e["category"] for e in events} >= {category}
        assert all(e["kind"] == "output" and e["original"] == bad_text and e["replacement"] == vetted for e in events)
    services.close()


def test_input_rail_events_are_stored_with_the_borrower_turn(client):
    chat = Chat(client, cn_case())
    chat.say("是我")
    chat.say("1234")
    chat.say("这笔钱我上个月已经还过了,你们搞错了")
    borrower = [t for t in chat.transcript()["turns"] if t["speaker"] == "borrower"][-1]
    assert borrower["intent"] == "dispute"
    assert any(e["kind"] == "input" and e["category"] == "dispute" for e in borrower["guardrail_events"])


def test_guard_check_endpoint(client):
    response = client.post(
        "/v1/guardrails/check",
        json={"text": "我们是法院的,明天就强制执行", "locale": "zh-CN", "party": "debtor"},
        headers=STAFF,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["allowed"] is False
    assert {v["category"] for v in body["violations"]} & {"impersonation", "misrepresentation"}
    assert body["safe_text"] and "法院" not in body["safe_text"]

    ok = client.post("/v1/guardrails/check", json={"text": "我不是法院的,我是客服助手。", "locale": "zh-CN", "party": "debtor"}, headers=STAFF)
    assert ok.json()["allowed"] is True and ok.json()["violations"] == []


def test_guard_check_endpoint_uses_the_case_and_refuses_bad_bodies(client):
    case_id = client.post("/v1/cases", json=us_case(), headers=STAFF).json()["id"]
    wrong_amount = client.post(
        "/v1/guardrails/check",
        json={"text": "Your balance is $9,999.00.", "locale": "en-US", "party": "debtor", "case_id": case_id},
        headers=STAFF,
    )
    assert wrong_amount.json()["allowed"] is False
    assert client.post("/v1/guardrails/check", json={"text": "hi", "locale": "fr-FR", "party": "debtor"}, headers=STAFF).status_code == 422
    assert client.post("/v1/guardrails/check", json={"text": "hi", "locale": "en-US", "party": "debtor", "case_id": "nope"}, headers=STAFF).status_code == 404
    assert client.post("/v1/guardrails/check", json={"text": "hi", "locale": "en-US", "party": "debtor"}).status_code == 401
