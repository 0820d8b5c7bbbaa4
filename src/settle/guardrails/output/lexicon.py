"""Per-locale patterns of one category, as written in its `lexicon.yaml`.

A rule is a list of regular expressions per locale, matched against the
normalised draft (lower-case, half-width punctuation). A one-character match
must be a whole word (抓 is not 抓紧); longer ones are taken as they stand,
because jieba sometimes fuses a term with its neighbour (这不关|我的事). A match
counts when, for negatable rules, it is not denied
("我们不会联系您的单位", "we will not sue you"). A pattern may be written as
`{re: ..., negatable: false}` where the denial is part of the violation
("you won't be allowed to leave the country").
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from settle.guardrails.output.text import Analysis, Negation


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    negatable: bool


@dataclass(frozen=True)
class Rule:
    id: str  # "<category>.<name>"
    name: str
    message: str
    patterns: dict[str, tuple[Pattern, ...]]


@dataclass(frozen=True)
class Hit:
    rule: Rule
    span: tuple[int, int]
    matched: str  # normalised text of the match
    denied: bool = False  # said in the negative: no violation, but the rule has judged it


class LexiconError(ValueError):
    pass


def _pattern(raw: Any, negatable: bool, where: str) -> Pattern:
    if isinstance(raw, dict):
        source, negatable = raw["re"], bool(raw.get("negatable", negatable))
    else:
        source = raw
    try:
        return Pattern(re.compile(source, re.IGNORECASE), negatable)
    except re.error as exc:
        raise LexiconError(f"{where}: bad pattern {source!r}: {exc}") from None


class Lexicon:
    def __init__(self, category: str, raw_rules: Iterable[dict[str, Any]], locales: Iterable[str]) -> None:
        self.rules: list[Rule] = []
        for raw in raw_rules:
            name = raw["id"]
            negatable = bool(raw.get("negatable", True))
            patterns = {
                locale: tuple(_pattern(p, negatable, f"{category}.{name}") for p in raw.get(locale, ()))
                for locale in locales
            }
            self.rules.append(Rule(f"{category}.{name}", name, raw["message"], patterns))
        self._by_name = {rule.name: rule for rule in self.rules}
        # one search over all patterns first: most drafts match none, and then the
        # per-pattern scan (dozens of searches) can be skipped with the same answer
        self._screen = {
            locale: _any_of([p.regex.pattern for rule in self.rules for p in rule.patterns.get(locale, ())])
            for locale in locales
        }

    def rule(self, name: str) -> Rule:
        return self._by_name[name]

    def scan(self, analysis: Analysis, negation: Negation) -> list[Hit]:
        """Every match, at most one affirmed per rule and position; denied ones are
        marked so (they tell the paraphrase layer the rule has judged the words)."""
        screen = self._screen.get(analysis.locale)
        if screen is not None and screen.search(analysis.norm) is None:
            return []
        hits: list[Hit] = []
        for rule in self.rules:
            taken: list[tuple[int, int]] = []
            for pattern in rule.patterns.get(analysis.locale, ()):
                for span, matched in _matches(pattern.regex, analysis):
                    if any(span[0] < end and start < span[1] for start, end in taken):
                        continue
                    denied = pattern.negatable and negation.negates(analysis, span[0])
                    if not denied:
                        taken.append(span)
                    hits.append(Hit(rule, span, matched, denied))
        return hits


def _any_of(sources: list[str]) -> re.Pattern[str] | None:
    """All patterns as one alternation; None when there are none or they cannot be joined."""
    if not sources:
        return None
    try:
        return re.compile("|".join(f"(?:{source})" for source in sources), re.IGNORECASE)
    except re.error:
        return None


def _matches(regex: re.Pattern[str], analysis: Analysis) -> Iterable[tuple[tuple[int, int], str]]:
    """Matches that respect word boundaries; after a rejected one the search
    resumes one character later, so 要不要脸 inside 还要不要脸 still finds 不要脸."""
    position = 0
    while (match := regex.search(analysis.norm, position)) is not None:
        start, end = match.span()
        if end == start:
            position = start + 1
            continue
        if end - start > 1 or analysis.on_word_boundaries(start, end):
            yield (start, end), match.group()
            position = end
        else:
            position = start + 1
