"""guardrails-ai with every road to the network closed.

guardrails-ai 0.11 ships hub telemetry on by default and pulls in litellm, which
downloads a price list on first use. Settle runs where no outside host is
reachable, so this module is the only place that imports guardrails: it sets the
environment first and hands out guards with metrics and tracing switched off,
whatever `~/.guardrailsrc` says.
"""
from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# validators are plain CPU work: run them in order, without guardrails creating
# event loops in worker threads (or swapping in uvloop's loop policy)
os.environ.setdefault("GUARDRAILS_RUN_SYNC", "true")

from guardrails import Guard, OnFailAction
from guardrails.classes.rc import RC
from guardrails.classes.validation.validation_result import (
    ErrorSpan,
    FailResult,
    PassResult,
    ValidationResult,
)
from guardrails.settings import settings
from guardrails.validator_base import Validator, register_validator, validators_registry

__all__ = [
    "ErrorSpan",
    "FailResult",
    "Guard",
    "OnFailAction",
    "PassResult",
    "ValidationResult",
    "Validator",
    "offline_guard",
    "register_validator",
    "silence_telemetry",
    "validators_registry",
]


def silence_telemetry() -> None:
    """Process-wide settings that validators read when they are constructed."""
    settings.disable_tracing = True
    if settings.rc.enable_metrics is not False or settings.rc.use_remote_inferencing:
        settings.rc = RC(enable_metrics=False, use_remote_inferencing=False)


def offline_guard(validators: list[Validator]) -> Guard:
    """A Guard running `validators` locally, each failure reported, never raised."""
    silence_telemetry()
    guard = Guard().use(*validators)
    guard.configure(allow_metrics_collection=False)
    silence_telemetry()  # Guard() re-reads ~/.guardrailsrc; keep the process quiet
    return guard

