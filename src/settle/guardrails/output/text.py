"""Reading a draft the way the rules need it: words, clauses, sentences, negation.

Matching runs on a normalised copy of the draft that keeps every character at
its offset (full-width forms folded, letters lower-cased), so a span found in
the copy is the span in the original. Chinese is segmented with jieba so that a
term only matches whole words (抓 must not fire inside 抓紧).
"""
from __future__ import annotations

import bisect
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

LOCALES = ("zh-CN", "en-US")

# a full stop or comma between two digits is part of a figure ("3,560.00")
_SENTENCE_END = re.compile(r"[。!?;\n…]+|\.(?![0-9])|(?<![0-9])\.")
_CLAUSE_END = re.compile(r"[;:!?。\n()\"“”—–…]|,(?![0-9])|(?<![0-9]),|\.(?![0-9])|(?<![0-9])\.")
_EN_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|[^\sa-z0-9]")
_EN_ABBREVIATION = re.compile(r"\b(?:mr|mrs|ms|dr|st|jr|sr|no|vs|e\.g|i\.e)$")
_DIGITS = re.compile(r"[0-9][0-9,.]*")
_SPACES = re.compile(r"\s+")


class UnsupportedLocale(ValueError):
    pass


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise UnsupportedLocale(f"unsupported locale {locale!r}; expected one of {LOCALES}")
    return locale


def normalise(text: str) -> str:
    """Fold full-width forms and case, character by character, keeping offsets."""
    out = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char).lower()
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)


class _Segmenter:
    """A private jieba instance, so the guard's segmentation never depends on
    words other parts of the program add to jieba's global dictionary."""

    def __init__(self) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._lock = threading.Lock()
        self._ready = False

    def tokens(self, text: str) -> list[tuple[int, int]]:
        if not self._ready:
            with self._lock:
                if not self._ready:
                    self._tokenizer.initialize()
                    self._ready = True
        return [(start, end) for _, start, end in self._tokenizer.tokenize(text) if not text[start:end].isspace()]


_segmenter = _Segmenter()


def warm_up() -> None:
    """Load jieba's dictionary now rather than on the first draft."""
    analyse("预热", "zh-CN")


@dataclass(frozen=True)
class Analysis:
    text: str
    norm: str
    locale: str
    tokens: tuple[tuple[int, int], ...]
    clauses: tuple[tuple[int, int], ...]
    sentences: tuple[tuple[int, int], ...]
    word_starts: frozenset[int]
    word_ends: frozenset[int]

    def token_text(self, index: int) -> str:
        start, end = self.tokens[index]
        return self.norm[start:end]

    def on_word_boundaries(self, start: int, end: int) -> bool:
        return start in self.word_starts and end in self.word_ends

    def token_range(self, start: int, end: int) -> range:
        """Indices of the tokens lying wholly inside [start, end)."""
        starts = [s for s, _ in self.tokens]
        first = bisect.bisect_left(starts, start)
        last = first
        while last < len(self.tokens) and self.tokens[last][1] <= end:
            last += 1
        return range(first, last)

    def clause_of(self, position: int) -> tuple[int, int]:
        for start, end in self.clauses:
            if start <= position < end:
                return start, end
        return position, position

    def sentence_text(self, span: tuple[int, int]) -> str:
        return self.text[span[0]:span[1]]


def _spans(text: str, boundary: re.Pattern[str]) -> tuple[tuple[int, int], ...]:
    """Pieces of `text` between boundary matches, trimmed, empty ones dropped.

    A full stop after a title ("Mr.") does not end anything.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in boundary.finditer(text):
        if match.group() == "." and _EN_ABBREVIATION.search(text[start:match.start()]):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return tuple(trimmed)


@lru_cache(maxsize=2048)
def analyse(text: str, locale: str) -> Analysis:
    """Everything the rules read about one draft; cached because all six validators ask."""
    check_locale(locale)
    norm = normalise(text)
    if locale == "zh-CN":
        tokens = tuple(_segmenter.tokens(norm))
    else:
        tokens = tuple((m.start(), m.end()) for m in _EN_TOKEN.finditer(norm))
    return Analysis(
        text=text,
        norm=norm,
        locale=locale,
        tokens=tokens,
        clauses=_spans(norm, _CLAUSE_END),
        sentences=_spans(norm, _SENTENCE_END),
        word_starts=frozenset(start for start, _ in tokens),
        word_ends=frozenset(end for _, end in tokens),
    )


def embedding_text(sentence: str, names: Iterable[str] = ()) -> str:
    """A sentence as the embedder sees it: figures masked and the case's names
    (creditor, agent, debtor, payment channels) left out, so templated lines
    that differ only in those share one cached embedding, and a vetted line
    filled in for any case is the vetted line ("this is Sam with Northwind
    Credit" is no paraphrase of "this is an officer with the county court")."""
    for name in sorted((n for n in names if n), key=len, reverse=True):
        sentence = re.sub(re.escape(name), "", sentence, flags=re.IGNORECASE)
    return _SPACES.sub(" ", _DIGITS.sub("0", sentence)).strip()


@dataclass(frozen=True)
class Negation:
    """Negation cues of one language and how far back they reach.

    A cue negates a finding when it stands within `window` words before it in
    the same clause with no breaker in between: 不还钱就告诉你单位 keeps its
    threat (就 breaks the scope), 我们不会告诉您的单位 does not.
    """

    cues: frozenset[str]
    breakers: frozenset[str]
    window: int
    openers: frozenset[str] = frozenset()
    relatives: frozenset[str] = frozenset()
    gerund_subjects: bool = False
    question_subjects: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, raw: dict) -> Negation:
        return cls(
            cues=frozenset(raw["cues"]),
            breakers=frozenset(raw["breakers"]),
            window=int(raw["window"]),
            openers=frozenset(raw.get("openers", ())),
            relatives=frozenset(raw.get("relatives", ())),
            gerund_subjects=bool(raw.get("gerund_subjects", False)),
            question_subjects=frozenset(raw.get("question_subjects", ())),
        )

    def is_cue(self, token: str) -> bool:
        return token in self.cues or token.endswith(("n't", "n’t"))

    def _negates(self, words: list[str], clause_words: int) -> bool:
        """`words` end where the finding starts; `clause_words` precede them in the clause."""
        for index, word in enumerate(words):
            if not self.is_cue(word) or any(w in self.breakers for w in words[index + 1:]):
                continue
            if index > 0 and words[index - 1] in self.openers:
                continue  # "why don't you borrow …" suggests, it does not deny
            if any(w in self.relatives for w in words[:index]):
                continue  # "people who don't pay us tend to …": the denial stays in its clause
            following = words[index + 1] if index + 1 < len(words) else ""
            if clause_words + index == 0:  # the cue opens the clause
                if self.gerund_subjects and following.endswith("ing"):
                    continue  # "Not paying will ..." is a subject, not a denial
                if following in self.question_subjects:
                    continue  # "Aren't you worried ..." asks
            return True
        return False

    def negates(self, analysis: Analysis, start: int) -> bool:
        """Is a finding starting at `start` said in the negative?"""
        clause_start, _ = analysis.clause_of(start)
        words = [analysis.token_text(i) for i in analysis.token_range(clause_start, start)]
        # a match may begin inside a word: the part before it still reads as a
        # word (能 … 减免 inside 我不能私下给您减免 leaves 不 to deny it)
        straddling = next((s for s, e in analysis.tokens if clause_start <= s < start < e), None)
        if straddling is not None:
            words.append(analysis.norm[straddling:start])
        window = words[-self.window:]
        return self._negates(window, len(words) - len(window))
