"""LLM tests: fakes (langchain's fake chat models) for the logic, the real SmolLM2 GGUF for the path."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from settle.agent.llm.engines import LLMEngine
from settle.api.app import create_app
from settle.services import Services
from tests.support import llm_services


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "qwen: runs the installed Qwen2.5 1.5B model (slow); skipped when it is not installed")


class Prompts(BaseCallbackHandler):
    """Keeps every prompt a chat model is asked, as (system, last user) texts."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.conversations: list[list] = []  # the whole message lists

    def on_chat_model_start(self, serialized, messages, **kwargs) -> None:
        for conversation in messages:
            self.asked.append((conversation[0].content, conversation[-1].content))
            self.conversations.append(list(conversation))


def fake_engine(*replies: str, sleep: float | None = None) -> LLMEngine:
    """An engine whose model says `replies` in turn (streamed a character at a time);
    `engine.chat.callbacks[0].asked` holds what it was asked."""
    chat = FakeListChatModel(responses=list(replies), sleep=sleep, callbacks=[Prompts()])
    return LLMEngine(kind="fake", chat=chat, model="fake-model", api="plain")


def asked(engine: LLMEngine) -> list[tuple[str, str]]:
    return engine.chat.callbacks[0].asked


@pytest.fixture
def llm_client(nlu, guard, rails, sqlite_url) -> Iterator:
    """llm_client(engine, **budgets) → a TestClient over the real app whose LLM is `engine`."""
    opened: list[tuple[TestClient, Services]] = []

    def factory(engine: LLMEngine, **budgets) -> TestClient:
        services = llm_services(sqlite_url, engine, nlu, guard, rails, **budgets)
        client = TestClient(create_app(services.settings, services))
        client.__enter__()
        opened.append((client, services))
        return client

    yield factory
    for client, services in opened:
        client.__exit__(None, None, None)
        services.close()
