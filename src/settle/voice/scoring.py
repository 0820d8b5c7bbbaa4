"""Error rates of a transcript against its reference, by the convention of ../shared/audio/MANIFEST.md.

Chinese: each Han character one token and each Latin word one token (so a
code-switched line gets a mixed error rate), after OpenCC t2s and with
punctuation removed. English: lower-cased words, punctuation removed. The rate
is the token edit distance over the reference's length.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from settle.voice.stt import simplified

_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_ZH_TOKEN = re.compile(rf"{_HAN}|[a-z0-9]+(?:'[a-z]+)?")
_EN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def tokens(text: str, language: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    if language == "zh":
        return _ZH_TOKEN.findall(simplified(text))
    return _EN_TOKEN.findall(text.replace("’", "'"))


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def errors(reference: str, hypothesis: str, language: str) -> tuple[int, int]:
    """(token errors, reference tokens)."""
    ref, hyp = tokens(reference, language), tokens(hypothesis, language)
    return edit_distance(ref, hyp), len(ref)


def error_rate(reference: str, hypothesis: str, language: str) -> float:
    wrong, total = errors(reference, hypothesis, language)
    return wrong / total if total else float(bool(tokens(hypothesis, language)))
