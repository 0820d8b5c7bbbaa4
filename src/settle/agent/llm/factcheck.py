"""The fact check on an LLM draft: it may word the vetted line, never add to it or drop from it.

The output guard judges what any draft says against the law and the case. This
check is narrower and stricter, because the draft rewords one known line:

* every amount and calendar date in the draft is one the vetted line states, or
  one the borrower committed to (`GuardContext.allowed_amounts/dates`);
* no other figure ("within 3 days", "10%", a phone number) and no time, promise
  or consequence word (`prompts/<locale>/llm/fact_words.yaml`) the vetted line
  does not use;
* the whole draft still carries the line's amounts, dates, payment channels and
  question, in the conversation's language.

`check_sentence` runs on a sentence before it is streamed; `check_draft` on the
finished draft. Findings are `GuardViolation`s of category `fact_check`, stored
with the turn like the guard's.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from settle.agent.llm.prompts import fact_words
from settle.agent.types import GuardContext, GuardViolation
from settle.guardrails.output import facts
from settle.guardrails.output.text import normalise

CATEGORY = "fact_check"
_FIGURE = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")
_ZH_COUNT = re.compile(r"[0-9一二两三四五六七八九十百千万]+\s*(?:个)?(?:天|日|号|周|星期|月|年|小时|分钟|元|块|次|期|%|％)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _violation(rule: str, text: str, span: tuple[int, int], message: str) -> GuardViolation:
    return GuardViolation(category=CATEGORY, rule=rule, span=span, message=message or text[span[0]:span[1]])


def _figures(norm: str) -> set[str]:
    return {match.group().replace(",", "").rstrip(".") for match in _FIGURE.finditer(norm)}


def _word_hits(norm: str, words: Iterable[str], locale: str) -> Iterable[tuple[str, tuple[int, int]]]:
    for word in words:
        pattern = re.escape(word) if locale == "zh-CN" else rf"\b{re.escape(word)}\w*"
        for match in re.finditer(pattern, norm):
            yield word, match.span()


class FactCheck:
    """Holds drafts to their vetted line; stateless, safe to share."""

    def check_sentence(self, sentence: str, vetted: str, ctx: GuardContext) -> list[GuardViolation]:
        """What a sentence adds that the vetted line does not say."""
        locale = ctx.locale
        norm, vetted_norm = normalise(sentence), normalise(vetted)
        found: list[GuardViolation] = []

        vetted_amounts = {a.value for a in facts.amounts(vetted_norm, locale)} | set(ctx.allowed_amounts)
        amount_spans = []
        for amount in facts.amounts(norm, locale):
            amount_spans.append(amount.span)
            if amount.value not in vetted_amounts:
                found.append(_violation("new_amount", sentence, amount.span, ""))
        vetted_dates = facts.dates(vetted_norm, locale)
        date_spans = []
        for stated in facts.dates(norm, locale):
            date_spans.append(stated.span)
            same = any((d.month, d.day) == (stated.month, stated.day) for d in vetted_dates)
            if not same and not any(stated.matches(day) for day in ctx.allowed_dates):
                found.append(_violation("new_date", sentence, stated.span, ""))

        known = _figures(vetted_norm)
        for match in _FIGURE.finditer(norm):
            inside_fact = any(start <= match.start() < end for start, end in (*amount_spans, *date_spans))
            if not inside_fact and match.group().replace(",", "").rstrip(".") not in known:
                found.append(_violation("new_number", sentence, match.span(), ""))
        if locale == "zh-CN":
            for match in _ZH_COUNT.finditer(norm):
                if match.group() not in vetted_norm and not any(
                    start <= match.start() < end for start, end in (*amount_spans, *date_spans)
                ) and not _FIGURE.match(match.group()):
                    found.append(_violation("new_number", sentence, match.span(), ""))

        for kind, words in fact_words(locale).items():
            for word, span in _word_hits(norm, words, locale):
                if not any(True for _ in _word_hits(vetted_norm, (word,), locale)):
                    found.append(_violation(f"new_{kind}", sentence, span, word))
        return found

    def check_draft(self, draft: str, vetted: str, ctx: GuardContext, channels: Iterable[str] = ()) -> list[GuardViolation]:
        """What the finished draft drops from the vetted line, or a draft in the wrong language."""
        locale = ctx.locale
        norm, vetted_norm = normalise(draft), normalise(vetted)
        whole = (0, len(draft))
        found: list[GuardViolation] = []
        draft_amounts = {a.value for a in facts.amounts(norm, locale)}
        for amount in facts.amounts(vetted_norm, locale):
            if amount.value not in draft_amounts:
                found.append(_violation("dropped_amount", draft, whole, vetted[amount.span[0]:amount.span[1]]))
        draft_dates = {(d.month, d.day) for d in facts.dates(norm, locale)}
        for stated in facts.dates(vetted_norm, locale):
            if (stated.month, stated.day) not in draft_dates:
                found.append(_violation("dropped_date", draft, whole, vetted[stated.span[0]:stated.span[1]]))
        for channel in channels:
            if normalise(channel) in vetted_norm and normalise(channel) not in norm:
                found.append(_violation("dropped_channel", draft, whole, channel))
        if _asks(vetted_norm) and not _asks(norm):
            found.append(_violation("dropped_question", draft, whole, "the vetted line asks a question; the draft does not"))
        if not _in_language(draft, locale):
            found.append(_violation("wrong_language", draft, whole, f"the draft is not in {locale}"))
        return found


def _asks(norm: str) -> bool:
    return "?" in norm or "？" in norm


def _in_language(text: str, locale: str) -> bool:
    """zh-CN: mostly Chinese characters; en-US: none at all."""
    cjk = len(_CJK.findall(text))
    if locale == "zh-CN":
        latin = sum(len(word) for word in _LATIN_WORD.findall(text))
        return cjk > 0 and cjk >= latin
    return cjk == 0
