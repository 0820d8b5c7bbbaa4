"""Phrasing with an LLM: the model words the current step's vetted line in reply to what the
borrower said; the guard and the fact check hold every sentence to that line.

The vetted line is the only content the model gets besides the conversation:
it never sees the case record, so it cannot leak what the line does not say
(before verification the lines say nothing about the debt). Mandatory
disclosures and the lines `prompts/llm.yaml` keeps verbatim never reach it.

Two steps in one conversation with the model (`PhrasingPrompt`), so that the
borrower hears back early: on a CPU the tokens the model reads before its first
word dominate, and the acknowledgement needs only what the borrower said.

1. Acknowledge: one short sentence in reply to the borrower. It is fact-checked
   and guarded on its own and sent at once.
2. Word the line: the vetted line in the model's words, after its
   acknowledgement. The server continues step 1's context, so only the line is
   new to read. The finished text is checked whole (nothing added, nothing of
   the line dropped, the right language, the guard on everything said).

A step that fails, errs or runs past the turn's deadline means the vetted line
— after the acknowledgement if that one was already sent.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

from settle.agent.llm.engines import Late, LLMEngine, stream_until
from settle.agent.llm.factcheck import FactCheck
from settle.agent.llm.prompts import PhrasingPrompt, PromptBook
from settle.agent.llm.sentences import SentenceSplitter, join_sentences, split_sentences, tidy
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

    def prompt(self, line: str, locale: str, exchange: Exchange, tone: str) -> PhrasingPrompt:
        return self.prompts.phrasing(
            locale, heard=exchange.heard.strip(), line=line, tone=tone,
            debtor_type=debtor_type(exchange.objections) if exchange.objections else None,
        )

    def warm(self) -> None:
        """Have the server read each locale's fixed system prompt once, so turns find it cached."""
        for locale in LOCALES:
            prompt = self.prompt("…", locale, Exchange(heard="…", today=dt.date.today()), "reminder")
            for _chunk in self.engine.stream(prompt.acknowledge(), 1):
                pass

    def word(self, draft: Draft, ctx: GuardContext, exchange: Exchange, deadline: float, emit: Callable[[str], None]) -> Worded:
        config = self.prompts.config
        case = ctx.case
        tone = tone_for(case.days_past_due(exchange.today)) if case else "reminder"
        prompt = self.prompt(draft.text, ctx.locale, exchange, tone)
        said: list[str] = []  # everything the model said, stored as the draft: its acknowledgement, its wording

        def outcome(sent: str, complete: bool, problems: list[GuardViolation]) -> Worded:
            return Worded(sent=sent, complete=complete, draft=tidy(join_sentences(said, ctx.locale)), violations=tuple(problems),
                          prompt_id=prompt.id, model=self.engine.model, follow_with=self._after(draft, ctx.locale) if sent else None)

        def late() -> bool:
            return deadline - time.monotonic() < config.min_seconds_left

        if late():
            return outcome("", False, [llm_problem("late", "no time left in the turn to ask the model")])
        sent = ""  # the acknowledgement, once it went out
        try:
            acknowledgement = self._acknowledgement(prompt, deadline)
            said.append(acknowledgement)
            if not acknowledgement:
                return outcome("", False, [llm_problem("empty", "the model said nothing")])
            problems = self._check_sentence(acknowledgement, draft, ctx)
            if problems:
                return outcome("", False, problems)
            emit(acknowledgement)
            sent = acknowledgement
            if late():
                return outcome(sent, False, [llm_problem("late", "no time left in the turn to word the line")])
            reply = lambda: self.engine.stream(prompt.reword(acknowledgement), config.phrasing_max_tokens,
                                               temperature=PHRASING_TEMPERATURE)
            said.append("")
            for chunk in stream_until(reply, deadline):
                said[-1] += chunk
        except Late as exc:
            return outcome(sent, False, [llm_problem("late", str(exc))])
        except Exception as exc:  # a failed call means the vetted line, never a failed turn
            return outcome(sent, False, [llm_problem("error", f"{type(exc).__name__}: {exc}")])

        rest = [sentence for sentence in map(clean, split_sentences(said[-1])) if sentence]
        if not rest:
            return outcome(acknowledgement, False, [llm_problem("empty", "the model did not word the line")])
        whole = tidy(join_sentences([acknowledgement, *rest], ctx.locale))
        problems = [p for sentence in rest for p in self._check_sentence(sentence, draft, ctx, guard=False)]
        problems += self.fact_check.check_draft(whole, draft.fallback, ctx, case.payment_channels if case else ())
        problems += self.guard.check(whole, ctx).violations
        if problems:
            return outcome(acknowledgement, False, problems)
        emit(tidy(join_sentences(rest, ctx.locale)))
        return outcome(whole, True, [])

    def _after(self, draft: Draft, locale: str) -> str | None:
        """What of the vetted line follows the model's acknowledgement: the line without its own
        acknowledging first sentence, for the lines that open with one (None: all of it)."""
        if draft.step not in self.prompts.config.acknowledging_steps:
            return None
        sentences = split_sentences(draft.text)
        return join_sentences(sentences[1:], locale) if len(sentences) > 1 else None

    def _acknowledgement(self, prompt: PhrasingPrompt, deadline: float) -> str:
        """Step 1: the model's first sentence, read no further than its end."""
        splitter = SentenceSplitter()
        chunks = lambda: self.engine.stream(prompt.acknowledge(), self.prompts.config.acknowledgement_max_tokens,
                                            temperature=PHRASING_TEMPERATURE)
        for chunk in stream_until(chunks, deadline):
            for sentence in map(clean, splitter.feed(chunk)):
                if sentence:
                    return sentence  # closing the stream stops the model
        return next(filter(None, map(clean, splitter.flush())), "")

    def _check_sentence(self, sentence: str, draft: Draft, ctx: GuardContext, guard: bool = True) -> list[GuardViolation]:
        problems = self.fact_check.check_sentence(sentence, draft.fallback, ctx)
        if guard:
            problems += self.guard.check(sentence, ctx).violations
        return problems
