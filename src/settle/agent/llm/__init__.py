"""The LLM in the loop: guarded understanding and phrasing. Code decides, the LLM phrases.

    engines.py        the engines (local llama.cpp server, OpenAI-compatible, transformers)
    server.py         the local llama.cpp server Settle starts, health-checks and stops
    understanding.py  structured understanding, combined with the embedding NLU
    phrasing.py       the vetted line worded in reply, streamed sentence by sentence
    factcheck.py      a draft may not add to or drop from its vetted line
    prompts.py        Jinja prompts per locale (`prompts/<locale>/llm/`), `prompts/llm.yaml`

`build_llm` wires one engine into the pipeline's `Understander` and `Wording`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from settle.agent.llm.engines import EngineUnavailable, LLMEngine, open_engine
from settle.agent.llm.phrasing import GuardedWording
from settle.agent.llm.prompts import LLMConfig, PromptBook, llm_config
from settle.agent.llm.understanding import CombinedUnderstanding, LLMUnderstander
from settle.config import Settings
from settle.guardrails import OutputGuard

log = logging.getLogger(__name__)


@dataclass
class LLMParts:
    engine: LLMEngine
    understanding: CombinedUnderstanding
    wording: GuardedWording
    history_turns: int

    def warm(self) -> None:
        """Read every fixed system prompt once (tens of seconds for a 1.5B model on a CPU), at start-up
        rather than on the first borrower turns; a failure here shows up again, and falls back, per turn."""
        try:
            self.understanding.llm.warm()
            self.wording.warm()
        except Exception as exc:
            log.warning("warming up the LLM failed: %s", exc)

    def close(self) -> None:
        self.engine.close()


def assemble(engine: LLMEngine, embedding_nlu: object, guard: OutputGuard, understanding_budget_s: float,
             warm: bool = True, config: LLMConfig | None = None) -> LLMParts:
    """The pipeline's LLM collaborators around one engine (tests pass a fake chat model's engine, unwarmed,
    and may change `prompts/llm.yaml`'s settings through `config`)."""
    prompts = PromptBook(config)
    config = prompts.config
    parts = LLMParts(
        engine=engine,
        understanding=CombinedUnderstanding(embedding_nlu, LLMUnderstander(engine, prompts, understanding_budget_s), config),
        wording=GuardedWording(engine, guard, prompts),
        history_turns=max(config.understanding_history, config.phrasing_history),
    )
    if warm:
        parts.warm()
    return parts


def build_llm(settings: Settings, embedding_nlu: object, guard: OutputGuard) -> LLMParts | None:
    """The engine `SETTLE_LLM` names, or None: `none`, or a clear warning and the fallback to `none`."""
    if settings.llm == "none":
        return None
    try:
        engine = open_engine(settings)
    except EngineUnavailable as exc:
        log.warning("SETTLE_LLM=%s is unavailable, running without an LLM (engine `none`): %s", settings.llm, exc)
        return None
    log.info("LLM engine %s with model %s", engine.kind, engine.model)
    return assemble(engine, embedding_nlu, guard, settings.llm_understanding_budget_s)


__all__ = ["EngineUnavailable", "LLMEngine", "LLMParts", "assemble", "build_llm", "llm_config", "open_engine"]
