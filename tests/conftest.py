"""Shared fixtures: the real engine (embedding NLU, output guard, input rails) on a
real database — a temporary SQLite file, or a fresh PostgreSQL database where the
server at 127.0.0.1:5432 is reachable."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from settle.agent.nlg import TemplateNLG
from settle.agent.pipeline import TurnPipeline
from settle.agent.policy import DialoguePolicy
from settle.api.app import create_app
from settle.config import Settings
from settle.services import Services
from settle.store.repository import Store

TODAY = dt.date(2026, 11, 24)
ADMIN = "test-admin-token"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=2):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def nlu():
    from settle.agent.nlu import EmbeddingNLU

    return EmbeddingNLU()


@pytest.fixture(scope="session")
def guard():
    from settle.guardrails.output import ComplianceGuard

    return ComplianceGuard()


@pytest.fixture(scope="session")
def rails():
    from settle.guardrails.input_rails import InputRailScreen

    return InputRailScreen()


def _sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'settle.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL database, dropped afterwards."""
    if not postgres_available():
        pytest.skip("PostgreSQL is not running at 127.0.0.1:5432")
    import psycopg

    name = f"settle_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return _sqlite_url(tmp_path)
    return request.getfixturevalue("pg_url")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return _sqlite_url(tmp_path)


def make_services(url: str, nlu, guard, rails, today: dt.date = TODAY) -> Services:
    store = Store(url)
    pipeline = TurnPipeline(
        store=store, nlu=nlu, policy=DialoguePolicy(), nlg=TemplateNLG(), guard=guard, rails=rails, today=lambda _case: today
    )
    return Services(settings=Settings(database_url=url, admin_token=ADMIN), store=store, pipeline=pipeline)


@pytest.fixture
def make_client(nlu, guard, rails):
    """make_client(url) → a TestClient over the real app on that database."""
    opened: list[tuple[TestClient, Services]] = []

    def factory(url: str) -> TestClient:
        services = make_services(url, nlu, guard, rails)
        client = TestClient(create_app(services.settings, services))
        client.__enter__()
        opened.append((client, services))
        return client

    yield factory
    for client, services in opened:
        client.__exit__(None, None, None)
        services.close()


@pytest.fixture
def client(make_client, sqlite_url) -> TestClient:
    return make_client(sqlite_url)


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
