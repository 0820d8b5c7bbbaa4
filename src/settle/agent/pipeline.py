"""The turn pipeline: channel → input rails → NLU → policy → NLG → output guard → store → channel.

Each stage is one collaborator with one job; this module only wires them in
order. Every agent utterance leaves through `_guard()` or, when an LLM words
the line, through `Wording`, which checks each sentence with the same guard
before it is sent: nothing reaches a borrower unchecked.
"""
from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from settle.agent.nlg import Say
from settle.agent.policy import DialoguePolicy, DialogueState, TurnInput
from settle.agent.types import (
    CaseFacts,
    Draft,
    GuardContext,
    GuardViolation,
    Intent,
    NLUContext,
    Outcome,
    Party,
    RailSignal,
    Stage,
    Understanding,
)
from settle.guardrails import InputRails, OutputGuard
from settle.guardrails.contact import load_pack
from settle.prompts import load_flow
from settle.store.models import Case, Conversation
from settle.store.repository import CommitmentRecord, EventRecord, Store, TurnRecord, case_facts


class Understander(Protocol):
    def understand(self, text: str, ctx: NLUContext) -> Understanding: ...


class Phraser(Protocol):
    def render(self, say: Say, case: CaseFacts, locale: str, today: dt.date) -> Draft: ...


@dataclass(frozen=True)
class Exchange:
    """What an LLM wording responds to: the borrower's message and the conversation before it."""

    heard: str
    today: dt.date
    history: tuple[tuple[str, str], ...] = ()
    objections: tuple[str, ...] = ()


@dataclass(frozen=True)
class Worded:
    """An LLM wording of one vetted line. `sent` passed the guard and the fact check and was
    emitted; unless `complete`, the vetted line follows it — or `follow_with`, the part of it
    that `sent` does not already say. `draft` is the model's raw text."""

    sent: str
    complete: bool
    draft: str
    violations: tuple[GuardViolation, ...]
    prompt_id: str
    model: str
    follow_with: str | None = None


class Wording(Protocol):
    """Words vetted lines in reply to the borrower (an LLM), guarding what it emits."""

    def accepts(self, draft: Draft) -> bool: ...

    def word(self, draft: Draft, ctx: GuardContext, exchange: Exchange, deadline: float, emit: Callable[[str], None]) -> Worded: ...


# what a turn needs after the LLM's deadline: the vetted line's guard check and the store's commit
# (up to ~0.2 s each on a 2-core machine loaded 5 deep), so that the whole turn keeps its budget
FINISH_S = 0.4

# input-rail findings decide the intent over NLU, most urgent first
SIGNAL_PRIORITY: tuple[tuple[str, Intent], ...] = (
    ("self_harm", Intent.HARDSHIP),
    ("illness", Intent.HARDSHIP),
    ("bereavement", Intent.HARDSHIP),
    ("bankruptcy", Intent.HARDSHIP),
    ("hardship", Intent.HARDSHIP),
    ("cease", Intent.CEASE),
    ("attorney", Intent.ATTORNEY),
    ("dispute", Intent.DISPUTE),
    ("wrong_number", Intent.WRONG_NUMBER),
    ("third_party", Intent.THIRD_PARTY),
    ("cant_talk", Intent.CALLBACK),
    ("robot_question", Intent.ROBOT_QUESTION),
)

# what an ending outcome means for contacting the debtor again
OUTCOME_FLAGS: dict[Outcome, Callable[[str, DialogueState], dict]] = {
    Outcome.CEASE: lambda channel, _s: {"cease_spoken": True} if channel == "voice" else {"cease_written": True},
    Outcome.DISPUTE: lambda _c, _s: {"dispute": True},
    Outcome.ATTORNEY: lambda _c, s: {"attorney": True, "attorney_details": s.notes.get("attorney", "")},
    Outcome.WRONG_NUMBER: lambda _c, _s: {"wrong_number": True},
    Outcome.HANDOFF: lambda _c, _s: {"handoff": True},
}


class Sentence(str):
    """A guarded piece of the reply, as `on_sentence` gets it: the text itself (a plain `str` to
    whoever only speaks or prints it), plus `message`, the index of the agent message of this
    turn that it belongs to — a worded line arrives in pieces, and a turn may say several lines."""

    message: int

    def __new__(cls, text: str, message: int) -> "Sentence":
        piece = super().__new__(cls, text)
        piece.message = message
        return piece


@dataclass(frozen=True)
class SentMessage:
    role: str
    text: str


@dataclass(frozen=True)
class TurnResult:
    stage: Stage
    messages: list[SentMessage]
    ended: bool
    outcome: Outcome | None
    commitment: CommitmentRecord | None


def local_today(case: CaseFacts) -> dt.date:
    return dt.datetime.now(ZoneInfo(case.timezone)).date()


class TurnPipeline:
    def __init__(
        self,
        store: Store,
        nlu: Understander,
        policy: DialoguePolicy,
        nlg: Phraser,
        guard: OutputGuard,
        rails: InputRails | None = None,
        today: Callable[[CaseFacts], dt.date] = local_today,
        wording: Wording | None = None,
        history_turns: int = 0,
        turn_budget_s: float = 4.0,
    ) -> None:
        self.store = store
        self.nlu = nlu
        self.policy = policy
        self.nlg = nlg
        self.guard = guard
        self.rails = rails
        self.today = today
        self.wording = wording
        self.history_turns = history_turns  # earlier turns an LLM sees; 0 spares the query
        self.turn_budget_s = turn_budget_s

    def start(self, case: Case, channel: str, direction: str, actor: str) -> tuple[Conversation, str, list[SentMessage]]:
        """Open a conversation: the agent speaks first. Returns it with the borrower's token."""
        facts = case_facts(case)
        state = DialogueState()
        decision = self.policy.open(state, facts)
        notices = [(Stage.GREETING, Say(step)) for step in load_flow().get("opening_notices_by_channel", {}).get(channel, ())]
        agent_turns = self._speak([*notices, *decision.says], state, facts, self.today(facts), started=None)
        token = secrets.token_urlsafe(32)
        conversation = self.store.create_conversation(case, channel, direction, token, state.to_json(), agent_turns, actor)
        return conversation, token, [SentMessage("agent", t.text) for t in agent_turns]

    def handle(
        self,
        conversation: Conversation,
        text: str,
        on_sentence: Callable[[str], None] | None = None,
        asr_confidence: float | None = None,
    ) -> TurnResult:
        """Answer one borrower message. `on_sentence` gets each guarded piece of the reply as soon
        as it may be sent (an LLM's first sentence before the rest is generated), as a `Sentence`;
        the pieces of one message, joined, are that message's text in the result. A spoken message
        comes with how sure speech-to-text was (`asr_confidence`), stored with it."""
        started = time.perf_counter()
        facts = case_facts(conversation.case)
        state = DialogueState.from_json(conversation.state)
        today = self.today(facts)
        history = self._history(conversation)

        signals = self.rails.screen(text, facts.locale) if self.rails else []
        understanding = self.nlu.understand(
            text, NLUContext(locale=facts.locale, today=today, payday=facts.payday, stage=state.stage, history=history)
        )
        understanding = _apply_signals(understanding, signals)
        borrower_stage = state.stage

        decision = self.policy.step(state, facts, TurnInput(text=text, understanding=understanding, today=today))
        exchange = Exchange(heard=text, today=today, history=history, objections=tuple(state.objections))
        agent_turns = self._speak(decision.says, state, facts, today, started, exchange, on_sentence)
        borrower_turn = TurnRecord(
            speaker="borrower",
            text=text,
            stage=borrower_stage.value,
            intent=understanding.intent.value,
            confidence=round(understanding.confidence, 4),
            slots=understanding.slots.to_json(),
            events=tuple(EventRecord("input", s.kind, s.rule, s.span, text) for s in signals),
            prompt_id=understanding.prompt_id,
            model=understanding.model,
            asr_confidence=asr_confidence,
        )
        commitment = _commitment(state, facts)
        flags = OUTCOME_FLAGS[state.outcome](conversation.channel, state) if state.outcome in OUTCOME_FLAGS else None
        self.store.record_turn(conversation, state.to_json(), [borrower_turn, *agent_turns], commitment, flags)
        return TurnResult(
            stage=state.stage,
            messages=[SentMessage("agent", t.text) for t in agent_turns],
            ended=state.ended,
            outcome=state.outcome,
            commitment=commitment,
        )

    def say(self, conversation: Conversation, step: str, end_with: Outcome | None = None) -> str:
        """Say one script line outside the script's turns (a call's "are you still there?"), guarded
        and stored like any agent turn; `end_with` ends the conversation with that outcome."""
        facts = case_facts(conversation.case)
        state = DialogueState.from_json(conversation.state)
        if state.ended:
            raise ValueError("the conversation has ended")
        stage = state.stage
        if end_with is not None:
            state.stage, state.outcome = Stage.ENDED, end_with
        [record] = self._speak([(stage, Say(step))], state, facts, self.today(facts), started=None)
        self.store.record_turn(conversation, state.to_json(), [record])
        return record.text

    def voicemail(self, case: Case, callback_number: str) -> tuple[Conversation, str] | None:
        """The policy pack's limited-content voicemail (the agent's name, a call-back request, the
        number), checked as if heard by anyone — nothing about the debt may pass — and stored as a
        conversation that ends with it. None when the pack has no voicemail for the locale, no
        call-back number is configured, or the guard blocks it: then nothing is left at all."""
        facts = case_facts(case)
        pack = load_pack(facts.policy)
        if not callback_number or facts.locale not in pack.voicemail:
            return None
        text = pack.voicemail_message(facts.locale, agent_name=facts.agent_name, callback_number=callback_number)
        verdict = self.guard.check(text, GuardContext(locale=facts.locale, party=Party.UNVERIFIED, case=facts, stage=Stage.GREETING))
        if not verdict.allowed:
            return None
        state = DialogueState(stage=Stage.ENDED, outcome=Outcome.VOICEMAIL)
        record = TurnRecord(speaker="agent", text=text, stage=Stage.GREETING.value, step="voicemail")
        conversation = self.store.create_conversation(case, "voice", "outbound", secrets.token_urlsafe(32), state.to_json(), [], "agent")
        self.store.record_turn(conversation, state.to_json(), [record])
        return conversation, text

    def end(self, conversation: Conversation, outcome: Outcome) -> None:
        """End a conversation the borrower left (a call hung up mid-script), saying nothing."""
        state = DialogueState.from_json(conversation.state)
        if state.ended:
            return
        state.stage, state.outcome = Stage.ENDED, outcome
        self.store.record_turn(conversation, state.to_json(), [])

    def _history(self, conversation: Conversation) -> tuple[tuple[str, str], ...]:
        if not self.history_turns:
            return ()
        _conversation, turns, _commitment = self.store.transcript(conversation.id)
        return tuple((turn.speaker, turn.text) for turn in turns[-self.history_turns:])

    def _speak(
        self,
        says: list[tuple[Stage, Say]],
        state: DialogueState,
        facts: CaseFacts,
        today: dt.date,
        started: float | None,
        exchange: Exchange | None = None,
        emit: Callable[[str], None] | None = None,
    ) -> list[TurnRecord]:
        """Render, word (at most one line a turn, by the LLM) and guard each line the policy chose."""
        emit = emit or (lambda _text: None)
        # the LLM must be done early enough for a late draft's vetted line to be guarded and the turn stored in time
        deadline = time.monotonic() + self.turn_budget_s - FINISH_S - (time.perf_counter() - started if started else 0.0)
        records = []
        worded = False
        for stage, say in says:
            message = len(records)
            emit_piece = lambda text, message=message: emit(Sentence(text, message))
            draft = self.nlg.render(say, facts, facts.locale, today)
            ctx = GuardContext(
                locale=facts.locale,
                party=state.party,
                case=facts,
                stage=stage,
                first_disclosure=say.step == "disclosure.full",
                allowed_amounts=tuple(v for v in say.params.values() if isinstance(v, Decimal)),
                allowed_dates=tuple(v for v in say.params.values() if isinstance(v, dt.date)),
            )
            prompt_id = model = None
            if self.wording is not None and exchange is not None and not worded and self.wording.accepts(draft):
                worded = True
                text, draft, events, prompt_id, model = self._word(draft, ctx, exchange, deadline, emit_piece)
            else:
                text, events = self._guard(draft, ctx)
                emit_piece(text)
            records.append(
                TurnRecord(
                    speaker="agent",
                    text=text,
                    stage=stage.value,
                    step=say.step,
                    draft=None if text == draft.text else draft.text,
                    latency_ms=(time.perf_counter() - started) * 1000 if started else None,
                    events=events,
                    prompt_id=prompt_id,
                    model=model,
                )
            )
        return records

    def _word(
        self, draft: Draft, ctx: GuardContext, exchange: Exchange, deadline: float, emit: Callable[[str], None]
    ) -> tuple[str, Draft, tuple[EventRecord, ...], str, str]:
        """The LLM's wording of a line; what it could not word (a failed or late draft) is the vetted line.
        Returns the sent text, the model's draft, the findings on it, the prompt id and the model."""
        result = self.wording.word(draft, ctx, exchange, deadline, emit)
        text, vetted_events = result.sent, ()
        if not result.complete:
            rest = draft if result.follow_with is None else Draft(text=result.follow_with, step=draft.step, fallback=draft.fallback)
            vetted, vetted_events = self._guard(rest, ctx)
            emit(vetted)
            text = _join(text, vetted, ctx.locale)
        events = tuple(EventRecord("output", v.category, v.rule, v.span, result.draft, text) for v in result.violations)
        drafted = Draft(text=result.draft or draft.text, step=draft.step, fallback=draft.fallback)
        return text, drafted, events + vetted_events, result.prompt_id, result.model

    def _guard(self, draft: Draft, ctx: GuardContext) -> tuple[str, tuple[EventRecord, ...]]:
        """The one exit for agent words: a blocked draft becomes the step's vetted line."""
        verdict = self.guard.check(draft.text, ctx)
        if verdict.allowed:
            return draft.text, ()
        replacement = draft.fallback
        if replacement == draft.text or not self.guard.check(replacement, ctx).allowed:
            replacement = self.nlg.render(Say("guard.hold"), ctx.case, ctx.locale, dt.date.today()).text
        events = tuple(EventRecord("output", v.category, v.rule, v.span, draft.text, replacement) for v in verdict.violations)
        return replacement, events


def _join(first: str, rest: str, locale: str) -> str:
    """An LLM's already-sent first sentence and the vetted line after it."""
    if not first:
        return rest
    return first + rest if locale.startswith("zh") else f"{first} {rest}"


def _apply_signals(understanding: Understanding, signals: list[RailSignal]) -> Understanding:
    kinds = {s.kind for s in signals}
    for kind, intent in SIGNAL_PRIORITY:
        if kind in kinds:
            return Understanding(intent=intent, confidence=1.0, slots=understanding.slots)
    return understanding


def _commitment(state: DialogueState, facts: CaseFacts) -> CommitmentRecord | None:
    if state.outcome != Outcome.PROMISE_TO_PAY:
        return None
    proposal = state.proposal
    return CommitmentRecord(amount=proposal.amount_value, currency=facts.currency, date=proposal.date_value, channel=proposal.channel)
