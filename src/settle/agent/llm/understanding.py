"""Understanding with an LLM: structured output in the embedding NLU's schema, validated,
and combined with the embedding result so that the LLM never decides policy alone.

`LLMUnderstander.read` asks the model for JSON constrained by `Reading`'s schema
(grammar-constrained on OpenAI-compatible servers) and validates it; anything
malformed, implausible, failed or later than the budget comes back without a
reading. `CombinedUnderstanding` is the pipeline's `Understander`:

0. the model is asked only when the embedding NLU is unsure (below
   `consult_below`) or found nothing (`other`): confident predictions were right
   on the labelled set, and every call costs seconds on a CPU;
1. without a valid, timely reading, the embedding result stands;
2. the embedding NLU's explicit rules (bare yes/no, identity answers, a concrete
   promise) and its confident predictions of a policy-relevant intent (cease,
   attorney, dispute, hardship — `prompts/llm.yaml`) stand;
3. a policy-relevant intent the LLM names alone is not taken, nor is `other`
   (the model recognised nothing, which is no reason to drop what the
   embedding NLU found);
4. otherwise the LLM's intent is taken.

Slots always come from the rules (`settle.agent.slots`): they are exact where
they fire and silent on purpose where the borrower is vague ("两三千", "sometime
next week"). An amount or date the model filled in would become the terms of
a promise the borrower never made, so the model's slots are measured
(`settle eval llm`) but not used.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from settle.agent.llm.engines import Late, LLMEngine, stream_until
from settle.agent.llm.prompts import ChatPrompt, LLMConfig, PromptBook, weekday_name
from settle.agent.types import Intent, NLUContext, Slots, Understanding
from settle.prompts import LOCALES

log = logging.getLogger(__name__)

READING_MAX_TOKENS = 80
MAX_DAYS_AHEAD = 366
# the LLM gives no probability; an intent it decides is reported with this confidence
LLM_CONFIDENCE = 0.6
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
_INTENT = re.compile(r'"intent"\s*:\s*"([^"]*)"')


class Reading(BaseModel):
    """The LLM's reading of one message; field names are those of `Slots`."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent
    amount: Decimal | None = Field(default=None, gt=0, lt=100_000_000)
    date: dt.date | None = None
    vague_date: bool = False
    full_amount: bool = False
    id_last4: str | None = Field(default=None, pattern=r"^[0-9]{3}[0-9X]$")
    dob: dt.date | None = None
    zip: str | None = Field(default=None, pattern=r"^[0-9]{5}$")

    def problems(self, today: dt.date) -> list[str]:
        """What no borrower message can mean: a payment date in the past or over a year out, an impossible birth date."""
        found = []
        if self.date is not None and not today <= self.date <= today + dt.timedelta(days=MAX_DAYS_AHEAD):
            found.append(f"payment date {self.date} is not within a year from {today}")
        if self.dob is not None and not dt.date(today.year - 120, 1, 1) <= self.dob <= today.replace(year=today.year - 16, day=min(today.day, 28)):
            found.append(f"date of birth {self.dob} is not plausible")
        return found

    def slots(self) -> Slots:
        return Slots(amount=self.amount, date=self.date, vague_date=self.vague_date, id_last4=self.id_last4,
                     dob=self.dob, zip=self.zip, full_amount=self.full_amount)


def wire_schema() -> dict[str, Any]:
    """`Reading` as a plain JSON schema a grammar-constrained server can follow: only `intent` is required."""
    kinds = {"amount": {"type": "number"}}  # dates and the rest are strings; `Reading` validates their form
    properties: dict[str, Any] = {"intent": {"type": "string", "enum": [intent.value for intent in Intent]}}
    for name, info in Reading.model_fields.items():
        if name == "intent":
            continue
        properties[name] = kinds.get(name) or ({"type": "boolean"} if info.annotation is bool else {"type": "string"})
    return {"type": "object", "properties": properties, "required": ["intent"], "additionalProperties": False}


@dataclass(frozen=True)
class LLMReading:
    """One call's outcome: a valid reading, or why there is none."""

    status: Literal["ok", "invalid", "late", "error"]
    reading: Reading | None
    raw: str
    prompt_id: str
    model: str
    seconds: float
    detail: str = ""


def parse_reading(raw: str, today: dt.date) -> Reading:
    """The JSON object in a reply as a Reading; ValueError says what is wrong."""
    match = _JSON_OBJECT.search(raw)
    if match is None:
        raise ValueError("no JSON object in the reply")
    data = json.loads(match.group())
    if isinstance(data, dict):
        data = {key: value for key, value in data.items() if value not in (None, "")}  # "" and null: not said
        if isinstance(data.get("amount"), (int, float)):
            data["amount"] = str(data["amount"])
    reading = Reading.model_validate(data)
    problems = reading.problems(today)
    if problems:
        raise ValueError("; ".join(problems))
    return reading


class LLMUnderstander:
    """Asks the model what one borrower message means, within a time budget.

    The pipeline takes only the intent from the model (slots come from the rules), so by
    default the reply is read no further than the intent, which the schema puts first:
    every further token costs ~0.15 s on a busy CPU. `whole=True` reads the slots too,
    for `settle eval llm` to score them; the intent is the same either way.
    """

    def __init__(self, engine: LLMEngine, prompts: PromptBook, budget_s: float, whole: bool = False) -> None:
        self.engine = engine
        self.prompts = prompts
        self.budget_s = budget_s
        self.whole = whole
        self._schema = wire_schema()

    def prompt(self, text: str, ctx: NLUContext) -> ChatPrompt:
        config = self.prompts.config
        return self.prompts.render(
            "understand", ctx.locale, message=text.strip(), today=ctx.today.isoformat(),
            weekday=weekday_name(ctx.today, ctx.locale), payday=ctx.payday,
            stage=ctx.stage.value if ctx.stage else None,
            history=ctx.history[-config.understanding_history:] if config.understanding_history else (),
        )

    def warm(self) -> None:
        """Have the server read each locale's fixed system prompt once, so turns find it cached."""
        for locale in LOCALES:
            prompt = self.prompt("hello", NLUContext(locale=locale, today=dt.date.today()))
            for _chunk in self.engine.stream(prompt.messages(), 1, reading=True):  # no schema: JSON cannot end after one token
                pass

    def read(self, text: str, ctx: NLUContext) -> LLMReading:
        prompt = self.prompt(text, ctx)
        started = time.monotonic()
        raw = ""

        def outcome(status: Literal["ok", "invalid", "late", "error"], reading: Reading | None = None, detail: str = "") -> LLMReading:
            if status != "ok":
                log.info("LLM understanding %s (%s): %r", status, detail, raw[:200])
            return LLMReading(status, reading, raw, prompt.id, self.engine.model, time.monotonic() - started, detail)

        try:
            for chunk in stream_until(lambda: self.engine.stream(prompt.messages(), READING_MAX_TOKENS, self._schema, reading=True),
                                      started + self.budget_s):
                raw += chunk
                if not self.whole and _INTENT.search(raw):
                    break  # closing the stream stops the model
        except Late as exc:
            return outcome("late", detail=str(exc))
        except Exception as exc:  # a failed call is a fallback to the embedding result, never a failed turn
            return outcome("error", detail=f"{type(exc).__name__}: {exc}")
        try:
            if not self.whole and (intent := _INTENT.search(raw)):
                return outcome("ok", Reading(intent=intent.group(1)))
            return outcome("ok", parse_reading(raw, ctx.today))
        except (ValueError, ValidationError) as exc:
            return outcome("invalid", detail=str(exc).splitlines()[0])


def combine(base: Understanding, read: LLMReading, config: LLMConfig) -> Understanding:
    """The rules of the module docstring; the result names the prompt and model consulted."""
    traced = dataclasses.replace(base, prompt_id=read.prompt_id, model=read.model)
    reading = read.reading
    if reading is None or reading.intent is base.intent:
        return traced
    explicit = base.confidence >= 1.0 and base.intent is not Intent.OTHER
    protected = base.intent in config.policy_intents and base.confidence >= config.confident
    if explicit or protected or reading.intent in config.policy_intents or reading.intent is Intent.OTHER:
        return traced
    return dataclasses.replace(traced, intent=reading.intent, confidence=LLM_CONFIDENCE)


class CombinedUnderstanding:
    """The pipeline's Understander when an LLM is on: embedding NLU first, the LLM where it may help."""

    def __init__(self, embedding: Any, llm: LLMUnderstander, config: LLMConfig) -> None:
        self.embedding = embedding
        self.llm = llm
        self.config = config

    def consults(self, base: Understanding) -> bool:
        """Whether the model is asked at all (rule 0)."""
        return base.intent is Intent.OTHER or base.confidence < self.config.consult_below

    def understand(self, text: str, ctx: NLUContext) -> Understanding:
        base = self.embedding.understand(text, ctx)
        if not text.strip() or not self.consults(base):
            return base
        return combine(base, self.llm.read(text, ctx), self.config)
