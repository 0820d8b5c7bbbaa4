"""Engines that cannot run are a clear error, and the app falls back to the deterministic engine."""
from __future__ import annotations

import logging

import pytest

from settle.agent.llm import EngineUnavailable, build_llm, open_engine
from settle.config import Settings


def test_the_openai_engine_needs_a_server_and_a_model():
    with pytest.raises(EngineUnavailable, match="SETTLE_LLM_BASE_URL and SETTLE_LLM_MODEL"):
        open_engine(Settings(llm="openai"))


def test_the_openai_engine_names_its_model():
    engine = open_engine(Settings(llm="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="served-model"))
    assert (engine.kind, engine.model, engine.schema_style) == ("openai", "served-model", "json_schema")


def test_the_transformers_engine_needs_a_model_directory(tmp_path):
    with pytest.raises(EngineUnavailable, match="SETTLE_LLM_MODEL_DIR"):
        open_engine(Settings(llm="transformers", llm_model_dir=tmp_path))


def test_a_local_model_that_is_not_installed_is_a_clear_error(tmp_path):
    with pytest.raises(EngineUnavailable, match="settle models install qwen2.5-coder-1.5b"):
        open_engine(Settings(llm="local", llm_local_model="qwen2.5-coder-1.5b", models_dir=tmp_path))


def test_an_unavailable_engine_falls_back_to_none_with_a_warning(tmp_path, caplog, guard):
    with caplog.at_level(logging.WARNING, logger="settle.agent.llm"):
        assert build_llm(Settings(llm="local", models_dir=tmp_path), embedding_nlu=None, guard=guard) is None
    assert "running without an LLM" in caplog.text and "settle models install" in caplog.text


def test_none_is_no_llm(guard):
    assert build_llm(Settings(llm="none"), embedding_nlu=None, guard=guard) is None


def test_the_app_starts_on_the_deterministic_engine_when_the_local_model_is_missing(tmp_path, caplog):
    """`make run` asks for SETTLE_LLM=local; a machine without the model still serves, and says why."""
    from settle.services import build_services

    settings = Settings(llm="local", models_dir=tmp_path / "models", cache_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'settle.db'}")
    with caplog.at_level(logging.WARNING, logger="settle.agent.llm"):
        services = build_services(settings)
    try:
        assert services.llm is None and services.pipeline.wording is None
        assert "settle models install qwen2.5-coder-1.5b" in caplog.text
    finally:
        services.close()
