"""The chat page shows a reply as it streams: an LLM's acknowledgement first, the line it words after.

The model is a stand-in that acknowledges at once and then words the line slowly (it says the
vetted line itself, a word at a time), so the page must show the first sentence seconds before
the rest; everything else — server, pipeline, guard, store, browser — is the real one.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from playwright.sync_api import expect

from settle.agent.llm.engines import LLMEngine
from tests.browser.conftest import ADMIN_TOKEN, LiveServer, serving

pytestmark = pytest.mark.browser

ACKNOWLEDGEMENTS = {"en-US": "I hear you.", "zh-CN": "明白您的意思。"}
WORD_DELAY_S = 0.4  # step 2 takes seconds; the acknowledgement is out long before


class SlowWording(BaseChatModel):
    """Understanding: nothing to add. Phrasing step 1: an acknowledgement; step 2: the line, slowly."""

    @property
    def _llm_type(self) -> str:
        return "slow-wording"

    def _reply(self, messages: list[BaseMessage]) -> tuple[str, list[str]]:
        system, last = messages[0].content, messages[-1].content
        if "JSON" in system:
            return '{"intent": "other"}', []
        if len(messages) == 2:
            return ACKNOWLEDGEMENTS["zh-CN" if "借款人" in last else "en-US"], []
        line = last.split("：", 1)[1] if last.startswith("话术") else last.split(":", 1)[1].strip()
        return line, list(line) if last.startswith("话术") else line.split(" ")

    def _generate(self, messages, stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self._reply(messages)[0]))])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        text, pieces = self._reply(messages)
        if not pieces:
            yield ChatGenerationChunk(message=AIMessageChunk(content=text))
            return
        per_piece = WORD_DELAY_S * 10 / len(pieces)  # ten delays' worth in all, whatever the length
        for number, piece in enumerate(pieces):
            time.sleep(per_piece)
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece if number == 0 or len(piece) == 1 else " " + piece))


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory, nlu, guard, rails) -> Iterator[LiveServer]:
    from settle.api.app import create_app
    from tests.support import llm_services

    database = tmp_path_factory.mktemp("browser-llm-db") / "settle.db"
    engine = LLMEngine(kind="fake", chat=SlowWording(), model="slow-wording", api="plain")
    services = llm_services(f"sqlite:///{database}", engine, nlu, guard, rails, turn_budget_s=30.0, today=None)
    services.settings.admin_token = ADMIN_TOKEN
    try:
        with serving(create_app(services.settings, services)) as live:
            yield live
    finally:
        services.close()


@pytest.mark.parametrize("locale, answer, rest_starts", [
    ("en-US", "yes", "To protect your privacy"),
    ("zh-CN", "是我", "为保护您的信息安全"),
])
def test_the_first_sentence_shows_while_the_rest_is_worded(llm_server, open_chat, screenshot, locale, answer, rest_starts):
    conversation = llm_server.start_conversation(locale)
    page = open_chat(conversation)
    before = page.locator(".message.agent").count()
    page.locator("#message-input").fill(answer)
    page.locator("#message-input").press("Enter")

    reply = page.locator(".message.agent").nth(before)
    expect(reply.locator(".bubble")).to_have_text(ACKNOWLEDGEMENTS[locale])
    # the line is still being worded: the page says so, and shows nothing of it yet
    expect(page.locator("#typing-indicator")).to_be_visible()
    assert rest_starts not in reply.inner_text()
    screenshot(page, f"{locale}-streaming-first-sentence")

    expect(page.locator("#typing-indicator")).to_be_hidden()
    text = reply.locator(".bubble").inner_text()
    assert text.startswith(ACKNOWLEDGEMENTS[locale]) and rest_starts in text
    assert page.locator(".message.agent").count() == before + 1  # one message, one bubble
    page.reload()  # what the page showed is what was stored
    expect(page.locator(".message.agent .bubble").nth(before)).to_have_text(text)
