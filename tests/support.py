"""Helpers for tests that talk to the API: case bodies and a borrower chat."""
from __future__ import annotations

import datetime as dt
import json
import uuid

from fastapi.testclient import TestClient

from settle.agent.nlg import TemplateNLG
from settle.agent.pipeline import TurnPipeline
from settle.agent.policy import DialoguePolicy
from settle.config import Settings
from settle.services import Services
from settle.store.repository import Store

ADMIN = "test-admin-token"
TODAY = dt.date(2026, 11, 24)
DEBT_WORDS_ZH = ("欠", "逾期", "还款", "3,200", "借款", "催收")
DEBT_WORDS_EN = ("debt", "balance", "past due", "$1,250", "payment", "collect")


def assert_no_debt_details(texts, words):
    joined = " ".join(texts)
    leaked = [w for w in words if w.lower() in joined.lower()]
    assert not leaked, f"leaked {leaked} in {joined!r}"


def make_services(url: str, nlu, guard, rails, today: dt.date = TODAY) -> Services:
    store = Store(url)
    pipeline = TurnPipeline(
        store=store, nlu=nlu, policy=DialoguePolicy(), nlg=TemplateNLG(), guard=guard, rails=rails, today=lambda _case: today
    )
    return Services(settings=Settings(database_url=url, admin_token=ADMIN), store=store, pipeline=pipeline)

def llm_services(url: str, engine, nlu, guard, rails, turn_budget_s: float = 4.0, understanding_budget_s: float = 2.0,
                 today: dt.date | None = TODAY, consult_below: float | None = None) -> Services:
    """The real engine with `engine`'s chat model in the loop (a fake one, in these tests); `today=None` is
    the real date; `consult_below` replaces `prompts/llm.yaml`'s, to have the model asked about a message."""
    import dataclasses

    from settle.agent.llm import assemble, llm_config

    config = dataclasses.replace(llm_config(), consult_below=consult_below) if consult_below is not None else None
    parts = assemble(engine, nlu, guard, understanding_budget_s, warm=False, config=config)
    store = Store(url)
    pipeline = TurnPipeline(
        store=store, nlu=parts.understanding, policy=DialoguePolicy(), nlg=TemplateNLG(), guard=guard, rails=rails,
        wording=parts.wording, history_turns=parts.history_turns, turn_budget_s=turn_budget_s,
        **({"today": lambda _case: today} if today else {}),
    )
    return Services(settings=Settings(database_url=url, admin_token=ADMIN), store=store, pipeline=pipeline, llm=parts)


STAFF = {"Authorization": f"Bearer {ADMIN}"}


def cn_case(**overrides) -> dict:
    body = {
        "external_ref": f"CN-{uuid.uuid4().hex[:8]}",
        "policy": "cn",
        "creditor": "安心消费金融",
        "agent_name": "小安",
        "debtor": {
            "name": "张伟",
            "phone": "+8613800138000",
            "locale": "zh-CN",
            "timezone": "Asia/Shanghai",
            "verification": {"id_last4": "1234"},
        },
        "amount_due": "3200.00",
        "currency": "CNY",
        "due_date": "2026-11-12",
        "min_payment": "500.00",
        "payday": 15,
        "payment_channels": ["安心金融App", "官方对公账户"],
    }
    body.update(overrides)
    return body


def us_case(**overrides) -> dict:
    body = {
        "external_ref": f"US-{uuid.uuid4().hex[:8]}",
        "policy": "us-regf",
        "creditor": "Harbor Credit Union",
        "agent_name": "Sam",
        "debtor": {
            "name": "Jordan Miller",
            "phone": "+12125550100",
            "locale": "en-US",
            "timezone": "America/New_York",
            "verification": {"dob": "1988-04-12", "zip": "10001"},
        },
        "amount_due": "1250.00",
        "currency": "USD",
        "due_date": "2026-11-15",
        "min_payment": "150.00",
        "payday": 1,
        "payment_channels": ["the Harbor online portal"],
    }
    body.update(overrides)
    return body


def parse_events(lines) -> list[tuple[str, dict]]:
    """Server-Sent Events as (event name, JSON data) pairs."""
    events, name, data = [], "message", []
    for line in lines:
        if line.startswith("event:"):
            name = line[len("event:"):].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:"):].strip())
        elif not line and data:
            events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
    if data:
        events.append((name, json.loads("\n".join(data))))
    return events


class Chat:
    """A borrower talking to the API, keeping everything the agent sent."""

    def __init__(self, client: TestClient, case_body: dict, channel: str = "chat") -> None:
        self.client = client
        created = client.post("/v1/cases", json=case_body, headers=STAFF)
        assert created.status_code == 201, created.text
        self.case_id = created.json()["id"]
        started = client.post("/v1/conversations", json={"case_id": self.case_id, "channel": channel, "direction": "inbound"}, headers=STAFF)
        assert started.status_code == 201, started.text
        body = started.json()
        self.id, self.token, self.stage = body["id"], body["token"], body["stage"]
        self.agent_texts: list[str] = [m["text"] for m in body["messages"]]
        self.stages = [self.stage]
        self.last: dict = body

    def say(self, text: str) -> dict:
        response = self.client.post(f"/v1/conversations/{self.id}/messages", json={"text": text}, headers={"Authorization": f"Bearer {self.token}"})
        assert response.status_code == 200, response.text
        self.last = response.json()
        self.stage = self.last["stage"]
        self.stages.append(self.stage)
        self.agent_texts.extend(m["text"] for m in self.last["messages"])
        return self.last

    def say_streamed(self, text: str) -> list[tuple[str, dict]]:
        """Like `say`, asking for the reply as Server-Sent Events; returns the (event, data) pairs in order."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        with self.client.stream("POST", f"/v1/conversations/{self.id}/messages", json={"text": text}, headers=headers) as response:
            assert response.status_code == 200, response.read()
            assert response.headers["content-type"].startswith("text/event-stream")
            events = parse_events(response.iter_lines())
        name, data = events[-1]
        if name == "turn":
            self.last = data
            self.stage = data["stage"]
            self.stages.append(self.stage)
            self.agent_texts.extend(m["text"] for m in data["messages"])
        return events

    def reply(self) -> str:
        return " ".join(m["text"] for m in self.last["messages"])

    def transcript(self) -> dict:
        response = self.client.get(f"/v1/conversations/{self.id}", headers=STAFF)
        assert response.status_code == 200, response.text
        return response.json()

    def agent_steps(self) -> list[str]:
        return [t["step"] for t in self.transcript()["turns"] if t["speaker"] == "agent"]


def verified_cn(client: TestClient, **overrides) -> Chat:
    chat = Chat(client, cn_case(**overrides))
    chat.say("是我")
    chat.say("身份证后四位是1234")
    assert chat.stage == "disclosure", chat.agent_texts
    return chat


def verified_us(client: TestClient, **overrides) -> Chat:
    chat = Chat(client, us_case(**overrides))
    chat.say("Yes, speaking.")
    chat.say("My date of birth is April 12, 1988")
    assert chat.stage == "disclosure", chat.agent_texts
    return chat
