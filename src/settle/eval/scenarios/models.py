"""What a scenario suite says (validated YAML) and what a run recorded.

Suites are data written by QA, so every model refuses unknown fields: a typo in
an expectation must be an error at load time, never a check silently skipped.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from settle.agent.types import Outcome, Stage

Locale = Literal["zh-CN", "en-US"]
# the checks a scenario can fail, in the order the report lists them
EXPECTATION_KINDS = (
    "stages",
    "never_stages",
    "outcome",
    "commitment",
    "steps",
    "required",
    "forbidden",
    "reply",
    "guard_hold",
    "max_turns",
    "latency",
    "unscripted",
    "error",
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReplyExpect(Strict):
    """Checked on the agent's reply to one borrower line."""

    contains: list[str] = []
    forbidden: list[str] = []
    steps: list[str] = []  # script steps said in this reply, in order
    stage: Stage | None = None


class Answer(Strict):
    """One thing the borrower says when the agent reaches a point of the script.

    `say` holds variants of the same answer; a run picks one. `hang_up` ends the
    contact from the borrower's side instead.
    """

    say: list[str] = []
    hang_up: bool = False
    reply: ReplyExpect | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"say": [value]}
        if isinstance(value, dict) and isinstance(value.get("say"), str):
            return {**value, "say": [value["say"]]}
        return value

    @model_validator(mode="after")
    def _says_or_hangs_up(self) -> Answer:
        if bool(self.say) == self.hang_up:
            raise ValueError("an answer needs either `say` (one or more variants) or `hang_up: true`")
        return self


def _answer_lists(value: Any) -> Any:
    """Each key's value: one answer, or a list of answers said on successive visits."""
    if not isinstance(value, dict):
        return value
    return {key: answers if isinstance(answers, list) else [answers] for key, answers in value.items()}


# what the borrower says, keyed by a script stage or by the agent's step (its question)
BorrowerLines = Annotated[dict[str, list[Answer]], BeforeValidator(_answer_lists)]


class CommitmentExpect(Strict):
    amount: str | None = None  # "1500.00"
    date: str | None = None  # a date expression: "+1d", "next friday", "payday", ISO
    channel: str | None = None
    currency: str | None = None


class Expect(Strict):
    """Scenario-level expectations; `outcome`/`commitment` are checked only when given (null included)."""

    stages: list[Stage] = []  # reached in this order (other stages may come between)
    never_stages: list[Stage] = []
    outcome: Outcome | None = None
    commitment: CommitmentExpect | None = None
    steps: list[str] = []  # script steps said, in this order
    required: list[str] = []  # phrases some agent message must contain
    forbidden: list[str] = []  # phrases no agent message may contain
    max_turns: int | None = Field(default=None, ge=1)  # borrower messages until the conversation ends
    latency_ms: float | None = Field(default=None, gt=0)  # budget for every turn

    def checks(self, name: str) -> bool:
        return name in self.model_fields_set


class Persona(Strict):
    description: str
    borrower: BorrowerLines = {}


class Scenario(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    locale: Locale
    persona: str | None = None
    case: dict[str, Any] = {}  # fields of POST /v1/cases over the locale's defaults
    borrower: BorrowerLines = {}
    expect: Expect
    known_issue: str | None = None  # an engine defect this scenario shows: explained in reports, still a failure


class Defaults(Strict):
    max_turns: int = Field(default=12, ge=1)
    latency_ms: float = Field(default=2000, gt=0)


class SuiteFile(Strict):
    title: str
    locale: Locale | None = None  # default for its scenarios
    defaults: dict[str, Any] = {}
    personas: dict[str, Persona] = {}
    scenarios: list[dict[str, Any]]  # validated one by one, so errors name the scenario


class SharedFile(Strict):
    """`_shared.yaml`: what every suite may use."""

    defaults: Defaults = Defaults()
    cases: dict[Locale, dict[str, Any]]
    personas: dict[str, Persona] = {}
    phrase_sets: dict[str, dict[Locale, list[str]]] = {}
    warm_up: dict[Locale, list[str]] = {}


# ---------------------------------------------------------------- run records


@dataclass
class Failure:
    expectation: str  # one of EXPECTATION_KINDS
    message: str


@dataclass
class Turn:
    speaker: Literal["agent", "borrower"]
    text: str
    stage: str
    step: str | None = None
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    latency_ms: float | None = None  # borrower turns: request to reply, as the client saw it
    blocked_draft: str | None = None  # agent turns: the draft the guard replaced
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ScenarioRun:
    suite: str
    scenario: str
    title: str
    locale: str
    variant: str  # "" for the one run of a scenario, "v2of3" when each variant runs
    today: dt.date
    known_issue: str | None = None
    conversation_id: str | None = None
    turns: list[Turn] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    outcome: str | None = None
    commitment: dict[str, Any] | None = None
    hung_up: bool = False  # the borrower left before the conversation ended
    failures: list[Failure] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return bool(self.stages) and self.stages[-1] == Stage.ENDED.value

    @property
    def key(self) -> str:
        return f"{self.suite}/{self.scenario}" + (f"#{self.variant}" if self.variant else "")

    @property
    def latencies_ms(self) -> list[float]:
        return [t.latency_ms for t in self.turns if t.latency_ms is not None]

    @property
    def status(self) -> Literal["passed", "failed", "known_issue", "fixed"]:
        """`fixed`: a scenario marked with a known engine issue passes now; its marker can go.
        An API error fails any scenario: it is never the known issue."""
        if self.known_issue and not any(f.expectation == "error" for f in self.failures):
            return "known_issue" if self.failures else "fixed"
        return "failed" if self.failures else "passed"

    @property
    def ok(self) -> bool:
        """Any failure fails the run, a known engine issue included: the marker only explains it."""
        return self.status in ("passed", "fixed")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        data["key"] = self.key
        data["status"] = self.status
        data["ended"] = self.ended
        return data
