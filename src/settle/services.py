"""Builds the long-lived parts (store, models, guard, pipeline) once per process.

The API's lifespan, the terminal chat and the benchmark all start from here,
so every channel runs the very same engine.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from settle.agent.nlg import TemplateNLG
from settle.agent.pipeline import TurnPipeline
from settle.agent.policy import DialoguePolicy
from settle.config import Settings
from settle.store.repository import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    pipeline: TurnPipeline
    # the wall clock, replaceable so contact-time rules can be tested at their edges
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.timezone.utc))

    def close(self) -> None:
        self.store.close()


def build_services(settings: Settings) -> Services:
    """Heavy imports (models, guardrails-ai) happen here, not at CLI start."""
    os.environ.setdefault("SETTLE_CACHE_DIR", str(settings.cache_dir))
    from settle.agent.nlu import EmbeddingNLU
    from settle.guardrails.input_rails import InputRailScreen
    from settle.guardrails.output import ComplianceGuard

    sqlite_path = settings.sqlite_path()
    if sqlite_path is not None:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_url)
    rails = InputRailScreen()
    rails.warm()  # exemplar embeddings now, not on the first borrower message
    pipeline = TurnPipeline(
        store=store,
        nlu=EmbeddingNLU(),
        policy=DialoguePolicy(),
        nlg=TemplateNLG(),
        guard=ComplianceGuard(),
        rails=rails,
    )
    return Services(settings=settings, store=store, pipeline=pipeline)

