"""The local engine through a real model: SmolLM2-135M (GGUF, from PyPI) served by llama.cpp.

SmolLM2 is small and English-only; what is tested here is the path — Settle starts,
health-checks and stops the server, talks to it through ChatOpenAI, gets JSON that
follows the schema, and guards or replaces whatever the model writes — not the
model's judgement. `settle models install` (run by `make test`) assembles it;
this module installs it itself when it is missing.
"""
from __future__ import annotations

import json
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from settle.agent.llm import LLMEngine, open_engine
from settle.agent.llm.factcheck import FactCheck
from settle.agent.llm.phrasing import GuardedWording
from settle.agent.llm.prompts import PromptBook
from settle.agent.llm.understanding import LLMUnderstander
from settle.agent.types import Intent, NLUContext, Stage
from settle.api.app import create_app
from settle.config import Settings
from settle.models import install, is_installed, model_spec
from settle.services import build_services
from tests.llm.test_phrasing import HEARD, US_CTX, US_LINE
from tests.support import ADMIN, TODAY, Chat, us_case

SMOL = "smollm2-135m"
MODELS_DIR = Settings().models_path()


@pytest.fixture(scope="module")
def smol_settings(tmp_path_factory) -> Settings:
    models_dir = MODELS_DIR
    spec = model_spec(SMOL)
    if not is_installed(spec, models_dir):
        install(spec, models_dir)
    # generous budgets: this checks what the model's output goes through, on a machine shared with other tests
    return Settings(llm="local", llm_local_model=SMOL, models_dir=models_dir, cache_dir=tmp_path_factory.mktemp("cache"),
                    llm_turn_budget_s=60.0, llm_understanding_budget_s=60.0, admin_token=ADMIN)


@pytest.fixture(scope="module")
def engine(smol_settings) -> LLMEngine:
    engine = open_engine(smol_settings)
    yield engine
    engine.close()


def test_settle_serves_the_model_on_loopback_and_stops_it(smol_settings):
    """Two servers of the one model: understanding and phrasing keep their prompts cached apart."""
    engine = open_engine(smol_settings)
    base_urls = {engine.chat.openai_api_base, engine.reading_chat.openai_api_base}
    assert len(base_urls) == 2 and all(url.startswith("http://127.0.0.1:") for url in base_urls)
    for url in base_urls:
        assert httpx.get(f"{url}/models", timeout=5).status_code == 200
    engine.close()
    for url in base_urls:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/models", timeout=5)


def test_structured_output_follows_the_schema(engine):
    reader = LLMUnderstander(engine, PromptBook(), budget_s=60.0, whole=True)
    ctx = NLUContext(locale="en-US", today=TODAY, payday=1, stage=Stage.NEGOTIATION)
    for text in ("I lost my job last month and I have nothing", "is this a robot?"):
        read = reader.read(text, ctx)
        assert read.status in ("ok", "invalid"), read  # never unparseable: the server constrains it to the schema
        data = json.loads(read.raw)
        assert data["intent"] in {intent.value for intent in Intent}
        assert set(data) <= {"intent", "amount", "date", "vague_date", "full_amount", "id_last4", "dob", "zip"}
        assert (read.prompt_id, read.model) == ("en-US/understand-v1", SMOL)


def test_what_the_model_words_is_guarded_or_replaced(engine, guard):
    wording = GuardedWording(engine, guard, PromptBook())
    emitted: list[str] = []
    result = wording.word(US_LINE, US_CTX, HEARD, time.monotonic() + 60, emitted.append)
    assert result.draft, "the model said nothing"
    for text in emitted:
        assert guard.check(text, US_CTX).allowed
    if result.complete:
        assert result.violations == () and " ".join(emitted) == result.sent
        assert FactCheck().check_draft(result.sent, US_LINE.fallback, US_CTX, US_CTX.case.payment_channels) == []
    else:
        assert result.violations and result.sent in ("", *emitted)


def test_a_reading_past_its_budget_is_dropped(engine):
    read = LLMUnderstander(engine, PromptBook(), budget_s=0.01).read("I lost my job", NLUContext("en-US", TODAY))
    assert read.status == "late" and read.reading is None


def test_a_conversation_through_the_app_with_the_local_engine(smol_settings, tmp_path, guard):
    services = build_services(smol_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'settle.db'}"}))
    assert services.llm is not None and (services.llm.engine.kind, services.llm.engine.model) == ("local", SMOL)
    base_url = services.llm.engine.reading_chat.openai_api_base
    with TestClient(create_app(services.settings, services)) as client:
        chat = Chat(client, us_case())
        chat.say("yes")
        chat.say("My date of birth is April 12, 1988")
        assert chat.stage == "disclosure"
        chat.say("honestly I got laid off and I have nothing coming in")
        turns = services.store.transcript(chat.id)[1]
        worded = [t for t in turns if t.speaker == "agent" and t.prompt_id]
        assert worded and all(t.model == SMOL for t in worded)
        for turn in turns:
            if turn.speaker == "agent":
                assert not [e for e in turn.events if e.original == turn.text], "a sent text was itself flagged"
    services.close()
    with pytest.raises(httpx.ConnectError):  # closing the services stopped the model server
        httpx.get(f"{base_url}/models", timeout=5)


def test_a_model_that_cannot_load_leaves_the_deterministic_engine(smol_settings, tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF but not really a model")
    settings = smol_settings.model_copy(update={"llm_model_path": broken, "database_url": f"sqlite:///{tmp_path / 'settle.db'}"})
    services = build_services(settings)
    try:
        assert services.llm is None and services.pipeline.wording is None
        with TestClient(create_app(services.settings, services)) as client:
            chat = Chat(client, us_case())
            chat.say("yes")
            assert chat.stage == "verification"
    finally:
        services.close()
