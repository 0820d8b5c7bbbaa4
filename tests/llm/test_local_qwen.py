"""The local engine's default model, Qwen2.5-Coder-1.5B (GGUF), in Chinese and English.

Slow (about a minute to load and read its prompts on 2 CPU cores), so it runs only
when the model is installed (`settle models install --qwen`); `make test` then runs it.
"""
from __future__ import annotations

import json
import time

import pytest

from settle.agent.llm import LLMEngine, open_engine
from settle.agent.llm.phrasing import GuardedWording
from settle.agent.llm.prompts import PromptBook
from settle.agent.llm.understanding import LLMUnderstander
from settle.agent.pipeline import Exchange
from settle.agent.types import Intent, NLUContext, Stage
from settle.config import Settings
from settle.models import is_installed, model_spec
from tests.llm.test_phrasing import CN_CTX, CN_LINE, HEARD, US_CTX, US_LINE
from tests.support import TODAY

QWEN = "qwen2.5-coder-1.5b"
MODELS_DIR = Settings().models_path()

pytestmark = [
    pytest.mark.qwen,
    pytest.mark.skipif(not is_installed(model_spec(QWEN), MODELS_DIR),
                       reason=f"{QWEN} is not installed; `settle models install --qwen` installs it (1.1 GB)"),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> LLMEngine:
    engine = open_engine(Settings(llm="local", llm_local_model=QWEN, models_dir=MODELS_DIR,
                                  cache_dir=tmp_path_factory.mktemp("cache")))
    yield engine
    engine.close()


@pytest.mark.parametrize("locale, text", [("zh-CN", "我上个月被裁员了，现在一点收入都没有"), ("en-US", "I got laid off last month")])
def test_qwen_reads_messages_into_the_schema(engine, locale, text):
    read = LLMUnderstander(engine, PromptBook(), budget_s=120.0, whole=True).read(text, NLUContext(locale, TODAY, 15, Stage.NEGOTIATION))
    assert read.status in ("ok", "invalid"), read
    assert json.loads(read.raw)["intent"] in {intent.value for intent in Intent}


@pytest.mark.parametrize("line, ctx, heard", [
    (CN_LINE, CN_CTX, Exchange(heard="我被裁员了，现在一分钱收入都没有", today=TODAY, objections=("objection_unemployed",))),
    (US_LINE, US_CTX, HEARD),
])
def test_qwen_wordings_are_guarded_or_replaced(engine, guard, line, ctx, heard):
    emitted: list[str] = []
    result = GuardedWording(engine, guard, PromptBook()).word(line, ctx, heard, time.monotonic() + 120, emitted.append)
    assert result.draft
    assert all(guard.check(text, ctx).allowed for text in emitted)
    assert result.complete or result.violations
