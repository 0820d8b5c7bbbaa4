"""Phrasing with an LLM: the model words the current step's vetted line in reply to what the
borrower said; the guard and the fact check hold every sentence to that line.

The vetted line is the only content the model gets besides the conversation:
it never sees the case record, so it cannot leak what the line does not say
(before verification the lines say nothing about the debt). Mandatory
disclosures and the lines `prompts/llm.yaml` keeps verbatim never reach it.

Streaming: the first sentence is fact-checked and guarded on its own and sent
as soon as it is complete, while the rest is generated. The finished draft is
then checked whole (nothing added, nothing of the line dropped, the right
language, the guard on the full text). A draft that fails, errs or runs past
the turn's deadline is replaced by the vetted line — after the first sentence
if that one was already sent.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

from settle.agent.llm.engines import Late, LLMEngine, stream_until
from settle.agent.llm.factcheck import FactCheck
from settle.agent.llm.prompts import ChatPrompt, PromptBook
from settle.agent.llm.sentences import SentenceSplitter, join_sentences, tidy
from settle.agent.nlg import tone_for
from settle.agent.pipeline import Exchange, Worded
from settle.agent.strategy import debtor_type
from settle.agent.types import Draft, GuardContext, GuardViolation
from settle.guardrails import OutputGuard
from settle.prompts import LOCALES

PHRASING_TEMPERATURE = 0.3  # a little variety in wording; understanding runs at 0
# what small models put around a reply: a speaker label, quotes
_LABEL = re.compile(r"^\s*(?:agent|assistant|collector|reply|客服|回复|话术)\s*[:：]\s*", re.IGNORECASE)
_QUOTES = "\"'“”‘’「」"


def llm_problem(rule: str, message: str) -> GuardViolation:
    """Why no LLM wording was sent (late, error, empty): stored like a guard finding, for reviewers."""
    return GuardViolation(category="llm", rule=rule, span=(0, 0), message=message)


def clean(sentence: str) -> str:
    return _LABEL.sub("", sentence).strip().strip(_QUOTES).strip()


class GuardedWording:
    """The pipeline's `Wording` for an LLM engine."""

    def __init__(self, engine: LLMEngine, guard: OutputGuard, prompts: PromptBook, fact_check: FactCheck | None = None) -> None:
        self.engine = engine
        self.guard = guard
        self.prompts = prompts
        self.fact_check = fact_check or FactCheck()

    def accepts(self, draft: Draft) -> bool:
        return not draft.mandatory and self.prompts.config.may_word(draft.step)

    def prompt(self, line: str, locale: str, exchange: Exchange, tone: str) -> ChatPrompt:
        config = self.prompts.config
        return self.prompts.render(
            "phrase", locale, heard=exchange.heard.strip(), line=line, tone=tone,
            debtor_type=debtor_type(exchange.objections) if exchange.objections else None,
            history=exchange.history[-config.phrasing_history:] if config.phrasing_history else (),
        )

    def warm(self) -> None:
        """Have the server read each locale's fixed system prompt once, so turns find it cached."""
        for locale in LOCALES:
            prompt = self.prompt("…", locale, Exchange(heard="…", today=dt.date.today()), "reminder")
            for _chunk in self.engine.stream(prompt.messages(), 1):
                pass

    def word(self, draft: Draft, ctx: GuardContext, exchange: Exchange, deadline: float, emit: Callable[[str], None]) -> Worded:
        config = self.prompts.config
        case = ctx.case
        tone = tone_for(case.days_past_due(exchange.today)) if case else "reminder"
        prompt = self.prompt(draft.text, ctx.locale, exchange, tone)

        def outcome(sent: str, complete: bool, raw: str, problems: list[GuardViolation]) -> Worded:
            return Worded(sent=sent, complete=complete, draft=raw, violations=tuple(problems),
                          prompt_id=prompt.id, model=self.engine.model)

        if deadline - time.monotonic() < config.min_seconds_left:
            return outcome("", False, "", [llm_problem("late", "no time left in the turn to ask the model")])
        splitter = SentenceSplitter()
        raw = ""  # everything the model said, stored as the draft
        sentences: list[str] = []
        first_sent = ""
        reply = lambda: self.engine.stream(prompt.messages(), config.phrasing_max_tokens,
                                           temperature=PHRASING_TEMPERATURE)
        try:
            for chunk in stream_until(reply, deadline):
                raw += chunk
                for sentence in filter(None, map(clean, splitter.feed(chunk))):
                    sentences.append(sentence)
                    if len(sentences) == 1:
                        problems = self._check_sentence(sentence, draft, ctx)
                        if problems:
                            return outcome("", False, tidy(raw), problems)
                        first_sent = sentence
                        emit(sentence)
            sentences += filter(None, map(clean, splitter.flush()))
        except Late as exc:
            return outcome(first_sent, False, tidy(raw), [llm_problem("late", str(exc))])
        except Exception as exc:  # a failed call means the vetted line, never a failed turn
            return outcome(first_sent, False, tidy(raw), [llm_problem("error", f"{type(exc).__name__}: {exc}")])

        text = tidy(join_sentences(sentences, ctx.locale))
        if not text:
            return outcome(first_sent, False, "", [llm_problem("empty", "the model said nothing")])
        problems = [p for s in sentences[1 if first_sent else 0:] for p in self._check_sentence(s, draft, ctx, guard=False)]
        problems += self.fact_check.check_draft(text, draft.fallback, ctx, case.payment_channels if case else ())
        problems += self.guard.check(text, ctx).violations
        if problems:
            return outcome(first_sent, False, text, problems)
        rest = tidy(join_sentences(sentences[1:], ctx.locale)) if first_sent else text
        if rest:
            emit(rest)
        return outcome(text, True, text, [])

    def _check_sentence(self, sentence: str, draft: Draft, ctx: GuardContext, guard: bool = True) -> list[GuardViolation]:
        problems = self.fact_check.check_sentence(sentence, draft.fallback, ctx)
        if guard:
            problems += self.guard.check(sentence, ctx).violations
        return problems
