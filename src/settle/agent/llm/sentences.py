"""Cutting streamed text into sentences, so the first one can be checked and sent early."""
from __future__ import annotations

import re

# A full-width stop ends a sentence at once; a Latin one only before white space, so
# "$1,250.00" or "3.5" never splits a sentence.
_FULL_WIDTH_ENDS = "。！？…"
_ENDS = _FULL_WIDTH_ENDS + ".!?\n"
_CLOSERS = "\"'”’」』)）"


class SentenceSplitter:
    """Feed chunks as they stream in; get back each sentence once it is complete."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, chunk: str) -> list[str]:
        self._buffer += chunk
        sentences = []
        while (end := _sentence_end(self._buffer)) is not None:
            sentence, self._buffer = self._buffer[:end].strip(), self._buffer[end:]
            if sentence:
                sentences.append(sentence)
        return sentences

    def flush(self) -> list[str]:
        """What is left when the stream ends: the last sentence, with or without its stop."""
        rest, self._buffer = self._buffer.strip(), ""
        return [rest] if rest else []


def _sentence_end(text: str) -> int | None:
    """Index just past the first complete sentence, or None while it may still go on."""
    for i, char in enumerate(text):
        if char not in _ENDS:
            continue
        if char == "." and i + 1 < len(text) and text[i + 1].isalnum():
            continue  # "3.5", "$1,250.00", "e.g."
        end = i + 1
        while end < len(text) and (text[end] in _ENDS or text[end] in _CLOSERS):
            end += 1
        if end == len(text) and text[-1] not in _FULL_WIDTH_ENDS:
            return None  # what follows may still be part of it: "3." + "5", "?" + "”"
        return end
    return None


def split_sentences(text: str) -> list[str]:
    splitter = SentenceSplitter()
    return splitter.feed(text) + splitter.flush()


def join_sentences(parts: list[str], locale: str) -> str:
    """Chinese sentences abut; English ones take a space."""
    parts = [p for p in (part.strip() for part in parts) if p]
    return ("" if locale.startswith("zh") else " ").join(parts)


_WHITESPACE = re.compile(r"\s+")


def tidy(text: str) -> str:
    """One line, single spaces: what a model streams may carry stray newlines."""
    return _WHITESPACE.sub(" ", text).strip()
