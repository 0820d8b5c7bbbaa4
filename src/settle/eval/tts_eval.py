"""`settle eval tts`: how intelligible the synthesized script is — each line spoken, heard back by the STT, scored.

Every line of `prompts/<locale>/script.yaml` is rendered with the demo case's
facts (the tone the demo case gets), synthesized, transcribed back in its
language and scored by the MANIFEST convention after both sides are written
out as spoken (`textnorm.spoken`), so "3,200.00元" said as 三千二百元 and heard
as "3200元" is no error. Part of the error is the STT's own (whisper-base's
Mandarin CER on human speech is ~13%), so the figure is a bound on what a
listener loses, not a measurement of it. Also times synthesis (real-time
factor) and the first audio of a typical first sentence.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import time
from dataclasses import dataclass
from decimal import Decimal

import typer

from settle.agent.nlg import Say, TemplateNLG
from settle.agent.types import CaseFacts
from settle.demo import demo_cases
from settle.prompts import load_script
from settle.voice.scoring import errors
from settle.voice.stt import language_of
from settle.voice.synthesis import Synthesizer
from settle.voice.textnorm import spoken
from settle.voice.types import SpeechToText, TextToSpeech

TODAY = dt.date(2026, 11, 2)


def demo_facts(locale: str, today: dt.date = TODAY) -> CaseFacts:
    fields = next(f for f in demo_cases(today) if f["locale"] == locale)
    known = set(CaseFacts.__dataclass_fields__)
    return CaseFacts(**{k: (tuple(v) if k == "payment_channels" else v) for k, v in fields.items() if k in known})


def script_lines(locale: str, today: dt.date = TODAY) -> list[tuple[str, str]]:
    """(step, text) of every script line, rendered for the demo case of `locale`."""
    facts = demo_facts(locale, today)
    params = {"amount": Decimal("800.00") if locale == "zh-CN" else Decimal("300.00"),
              "date": today + dt.timedelta(days=3), "limit_date": today + dt.timedelta(days=14),
              "channel": facts.payment_channels[0]}
    nlg = TemplateNLG()
    return [(step, nlg.render(Say(step, params), facts, locale, today).text) for step in load_script(locale)["lines"]]


_CONTRACTIONS = {"i'm": "i am", "you're": "you are", "we're": "we are", "we'll": "we will", "i'll": "i will",
                 "it's": "it is", "that's": "that is", "don't": "do not", "can't": "cannot", "won't": "will not",
                 "i've": "i have", "we've": "we have", "you'll": "you will", "isn't": "is not", "doesn't": "does not"}
_CONTRACTION = re.compile(r"\b(" + "|".join(re.escape(c) for c in _CONTRACTIONS) + r")\b", re.IGNORECASE)


def comparable(text: str, locale: str) -> str:
    """Text as said, for scoring a round trip: numbers written out, and English contractions expanded
    (the STT writes "I'm" for a clearly spoken "I am")."""
    said = spoken(text, locale)
    if locale.startswith("en"):
        said = _CONTRACTION.sub(lambda m: _CONTRACTIONS[m[0].lower()], said.replace("’", "'"))
    return said


@dataclass(frozen=True)
class RoundTrip:
    step: str
    text: str
    heard: str
    wrong: int
    total: int
    audio_s: float
    synth_s: float


def round_trip(tts: TextToSpeech, stt: SpeechToText, lines: list[tuple[str, str]], locale: str) -> list[RoundTrip]:
    language = language_of(locale)
    rows = []
    for step, text in lines:
        started = time.perf_counter()
        audio = tts.synthesize(text, locale)
        synth_s = time.perf_counter() - started
        heard = stt.transcribe(audio, locale).text
        wrong, total = errors(comparable(text, locale), comparable(heard, locale), language)
        rows.append(RoundTrip(step, text, heard, wrong, total, audio.duration_s, synth_s))
    return rows


def error_rate(rows: list[RoundTrip]) -> float:
    total = sum(r.total for r in rows)
    return sum(r.wrong for r in rows) / total if total else 0.0


def real_time_factor(rows: list[RoundTrip]) -> float:
    return sum(r.synth_s for r in rows) / sum(r.audio_s for r in rows)


def eval_tts_command(
    locale: list[str] = typer.Option(["zh-CN", "en-US"], "--locale", help="Languages to evaluate."),
    limit: int = typer.Option(None, "--limit", help="At most this many lines per language."),
    voice: str = typer.Option(None, "--zh-voice", help="Kokoro voice pack for Mandarin (default SETTLE_TTS_ZH_VOICE)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print every line with what was heard."),
) -> None:
    """Round-trip CER (Mandarin) / WER (English) of the synthesized script through the STT, and synthesis RTF."""
    from settle.config import Settings
    from settle.models import ModelNotInstalled
    from settle.voice.engines import load_stt, load_synthesizer

    settings = Settings()
    if voice:
        settings = settings.model_copy(update={"tts_zh_voice": voice})
    try:
        stt, synthesizer = load_stt(settings), load_synthesizer(settings)
    except (ModelNotInstalled, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"load average {os.getloadavg()[0]:.2f}; STT {settings.stt_backend} beam {settings.stt_beam_size}")
    for loc in locale:
        lines = script_lines(loc)
        if limit:
            lines = lines[:: max(1, len(lines) // limit)][:limit]
        engine = synthesizer.engine(loc)
        rows = round_trip(Synthesizer({loc: engine}, cache=None), stt, lines, loc)
        for r in rows:
            if verbose or r.wrong:
                typer.echo(f"  {r.step:<36} {r.wrong:>3}/{r.total:<3} {r.text}\n  {'':<36} heard: {r.heard}")
        first = synthesizer.first_audio_s(lines[0][1], loc)
        measure = "CER" if loc.startswith("zh") else "WER"
        typer.echo(f"{loc} {engine.name}: round-trip {measure} {error_rate(rows):.1%} over {len(rows)} lines "
                   f"({sum(r.total for r in rows)} tokens), synthesis RTF {real_time_factor(rows):.3f}, "
                   f"first audio of the greeting {first * 1000:.0f} ms")
