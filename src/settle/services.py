"""Builds the long-lived parts (store, models, guard, pipeline) once per process.

The API's lifespan, the terminal chat and the benchmark all start from here,
so every channel runs the very same engine.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from settle.agent.nlg import TemplateNLG
from settle.agent.pipeline import TurnPipeline
from settle.agent.policy import DialoguePolicy
from settle.config import Settings
from settle.store.repository import Store

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from settle.agent.llm import LLMEngine, LLMParts
    from settle.voice.engines import SpeechEngines


@dataclass
class Services:
    settings: Settings
    store: Store
    pipeline: TurnPipeline
    # the wall clock, replaceable so contact-time rules can be tested at their edges
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.timezone.utc))
    # the LLM in the loop; None runs the deterministic engine (SETTLE_LLM=none, or its fallback)
    llm: LLMParts | None = None
    # the voice channel's engines (speech-to-text, VAD, synthesis); None with the reason when off
    speech: SpeechEngines | None = None
    speech_unavailable: str | None = "voice is off (SETTLE_VOICE=false)"

    def load_speech(self, warm_up: bool = True) -> None:
        """Load the speech engines once (the app's lifespan); without their models, voice stays off and says why.
        `warm_up`: synthesize the script's fixed clauses behind the start-up (once; they are cached on disk)."""
        from settle.models import ModelNotInstalled
        from settle.voice.engines import load_speech

        if not self.settings.voice:
            return
        try:
            self.speech, self.speech_unavailable = load_speech(self.settings), None
        except (ModelNotInstalled, ValueError, RuntimeError, OSError) as exc:
            log.warning("voice is off: %s", exc)
            self.speech_unavailable = str(exc)
            return
        if warm_up:
            threading.Thread(target=self.speech.synthesizer.warm_up, name="tts-warm-up", daemon=True).start()

    def close(self) -> None:
        if self.llm is not None:
            self.llm.close()  # stops the local model server
        self.store.close()


def build_services(settings: Settings, llm_engine: LLMEngine | None = None) -> Services:
    """Heavy imports (models, guardrails-ai) happen here, not at CLI start.

    The LLM engine is the one SETTLE_LLM names (none, or its fallback, when it cannot
    run), unless the caller opened one already: the LLM evaluation and benchmark do,
    to report why an engine is unavailable instead of falling back.
    """
    from settle.agent.llm import assemble, build_llm
    from settle.agent.nlu import EmbeddingNLU
    from settle.guardrails.input_rails import InputRailScreen
    from settle.guardrails.output import ComplianceGuard

    sqlite_path = settings.sqlite_path()
    if sqlite_path is not None:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_url)
    rails = InputRailScreen()
    rails.warm()  # exemplar embeddings now, not on the first borrower message
    nlu, guard = EmbeddingNLU(cache_dir=settings.cache_dir), ComplianceGuard()
    if llm_engine is not None:
        llm = assemble(llm_engine, nlu, guard, settings.llm_understanding_budget_s)
    else:
        llm = build_llm(settings, nlu, guard)  # None (engine `none`) when off or unavailable
    pipeline = TurnPipeline(
        store=store,
        nlu=llm.understanding if llm else nlu,
        policy=DialoguePolicy(),
        nlg=TemplateNLG(),
        guard=guard,
        rails=rails,
        wording=llm.wording if llm else None,
        history_turns=llm.history_turns if llm else 0,
        turn_budget_s=settings.llm_turn_budget_s,
    )
    return Services(settings=settings, store=store, pipeline=pipeline, llm=llm)

