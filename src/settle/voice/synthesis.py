"""Speech for every locale: the voice per locale, clause-by-clause streaming, and the fixed-line cache.

A reply is spoken clause by clause (cut at sentence ends and at commas once a
clause is long enough), so a call hears the first words after the first
clause is synthesized, while the rest is still being made: `stream()` yields
each clause's audio (with the pause its punctuation asks for) as soon as it
exists.

Clauses of the script that never change — the verbatim notices and every
clause of a line without a case fact in it — are synthesized once: kept in memory and on disk under
`<cache_dir>/tts/`, keyed by engine, voice, speed and text. Clauses with a
name, an amount or a date are never written to disk: the cache holds no
borrower's data. `warm_up()` fills the cache at start-up.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from settle.agent.llm.sentences import split_sentences
from settle.prompts import load_script
from settle.voice.audio import read_wav, write_wav
from settle.voice.types import Audio

# a clause ends at a sentence end, or at a comma-like stop once it has this many characters (zh) / words (en)
_MIN_CLAUSE = {"zh": 6, "en": 4}
_FIRST_CLAUSE = {"zh": 2, "en": 1}
# full-width stops always; Latin ones only before white space ("$1,250.00", "10:30" stay whole),
# and not before a year ("November 5, 2026")
_CLAUSE_STOP = re.compile(r"(?<=[，、；：])\s*|(?<=[,;:])(?!\s+\d{4}\b)\s+")
_PAUSE_S = {"sentence": 0.30, "clause": 0.15}
_SENTENCE_ENDS = tuple("。！？!?.…")
_SILENCE = 0.01  # |sample| below this at either end of a clause is trimmed …
_KEEP_S = 0.03  # … keeping this much


class VoiceEngine(Protocol):
    name: str  # engine and voice, e.g. "kokoro-82m/jf_gongitsune"
    rate: int
    speed: float

    def synthesize(self, text: str, locale: str) -> Audio: ...


def _size(text: str, locale: str) -> int:
    return len(text.split()) if locale.startswith("en") else len(re.sub(r"\W", "", text))


def clauses(text: str, locale: str) -> list[str]:
    """The pieces a reply is spoken in, in order: its sentences, cut after a comma-like stop once the
    clause so far is long enough; a short tail joins the clause before it, but for the reply's first
    clause, which may be short ("谢谢您，", "Hello,"): it is what the caller waits for, and often cached."""
    chinese = locale.startswith("zh")
    language = "zh" if chinese else "en"
    minimum, first = _MIN_CLAUSE[language], _FIRST_CLAUSE[language]

    def join(left: str, right: str) -> str:
        return left + right if chinese or not left else f"{left} {right}"

    out: list[str] = []
    for sentence in split_sentences(text):
        pieces = [p for p in _CLAUSE_STOP.split(sentence) if p.strip()]
        start, current = len(out), ""
        for i, piece in enumerate(pieces):
            current = join(current, piece.strip())
            last = i == len(pieces) - 1
            if last and _size(current, locale) < minimum and len(out) > max(start, 1):
                out[-1] = join(out[-1], current)
            elif last or _size(current, locale) >= (first if not out else minimum):
                out.append(current)
                current = ""
    return out


def fixed_clauses(locale: str) -> set[str]:
    """Clauses of the script that carry no case facts: the notices', and those of every line's
    text without a placeholder ("好的，已为您登记：" of "好的，已为您登记：{{ date }}还款…")."""
    script = load_script(locale)
    texts: list[str] = list(script["notices"].values())

    def collect(line) -> None:
        if isinstance(line, str):
            texts.append(line)
        elif isinstance(line, list):
            for part in line:
                collect(part)
        elif isinstance(line, dict) and not ({"notice", "line", "policy_notices"} & set(line)):
            for variant in line.values():  # variants by tone
                collect(variant)

    for line in script["lines"].values():
        collect(line)
    return {c for text in texts for c in clauses(text, locale) if "{{" not in c and "{%" not in c and "}}" not in c}


def _trim(samples: np.ndarray, rate: int) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > _SILENCE)
    if not len(loud):
        return samples[:0]
    keep = int(_KEEP_S * rate)
    return samples[max(0, loud[0] - keep) : loud[-1] + keep]


def _with_pause(audio: Audio, clause: str) -> Audio:
    pause = _PAUSE_S["sentence" if clause.rstrip("\"'”’」』)）").endswith(_SENTENCE_ENDS) else "clause"]
    return Audio(np.concatenate([audio.samples, np.zeros(int(pause * audio.rate), np.float32)]), audio.rate)


class SpeechCache:
    """Fixed clauses' audio, in memory and as 16-bit WAV files under `folder`."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._memory: dict[str, Audio] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def key(engine: VoiceEngine, text: str) -> str:
        return hashlib.sha256(f"{engine.name}\n{engine.speed}\n{text}".encode()).hexdigest()

    def _path(self, key: str) -> Path | None:
        return self.folder / key[:2] / f"{key}.wav" if self.folder is not None else None

    def get(self, key: str) -> Audio | None:
        with self._lock:
            audio = self._memory.get(key)
        path = self._path(key)
        if audio is None and path is not None and path.is_file():
            audio = read_wav(path)
            with self._lock:
                self._memory[key] = audio
        with self._lock:
            if audio is None:
                self.misses += 1
            else:
                self.hits += 1
        return audio

    def put(self, key: str, audio: Audio) -> None:
        with self._lock:
            self._memory[key] = audio
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".partial")
        os.close(handle)
        try:
            write_wav(temporary, audio)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class Synthesizer:
    """The process's speech synthesis (a `TextToSpeech`), shared by every call."""

    def __init__(self, engines: dict[str, VoiceEngine], cache: SpeechCache | None) -> None:
        """`cache` None: every clause is synthesized (what `settle eval tts` times)."""
        self._engines = engines
        self.cache = cache
        self._fixed = {locale: fixed_clauses(locale) for locale in engines} if cache is not None else {}

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self._engines)

    def engine(self, locale: str) -> VoiceEngine:
        try:
            return self._engines[locale]
        except KeyError:
            raise ValueError(f"no voice for locale {locale!r}; voices: {', '.join(self._engines)}") from None

    def is_fixed(self, clause: str, locale: str) -> bool:
        return clause in self._fixed.get(locale, ())

    def clause_audio(self, clause: str, locale: str) -> Audio:
        """One clause, trimmed of silence and followed by its pause; from the cache when it is a fixed one."""
        engine = self.engine(locale)
        fixed = self.is_fixed(clause, locale)
        key = SpeechCache.key(engine, clause) if fixed else None
        if key is not None and (cached := self.cache.get(key)) is not None:
            return cached
        raw = engine.synthesize(clause, locale)
        audio = _with_pause(Audio(_trim(raw.samples, raw.rate), raw.rate), clause)
        if key is not None:
            self.cache.put(key, audio)
        return audio

    def stream(self, text: str, locale: str) -> Iterator[Audio]:
        """The reply's audio clause by clause, each as soon as it is made (all at the engine's rate)."""
        for clause in clauses(text, locale):
            yield self.clause_audio(clause, locale)

    def synthesize(self, text: str, locale: str) -> Audio:
        pieces = list(self.stream(text, locale))
        rate = self.engine(locale).rate
        return Audio(np.concatenate([p.samples for p in pieces]) if pieces else np.zeros(0, np.float32), rate)

    def first_audio_s(self, text: str, locale: str) -> float:
        """Seconds from the text to the first clause's audio (what a caller waits before hearing a word)."""
        started = time.perf_counter()
        next(iter(self.stream(text, locale)), None)
        return time.perf_counter() - started

    def warm_up(self, locales: Iterable[str] | None = None) -> int:
        """Load or synthesize every fixed clause (the app's lifespan calls this once); returns how many."""
        count = 0
        for locale in locales if locales is not None else self.locales:
            for clause in sorted(self._fixed.get(locale, ())):
                self.clause_audio(clause, locale)
                count += 1
        return count
