"""`settle bench voice`: how fast the telephone channel answers, and how many calls one machine carries.

Three figures, each through the real pieces:

- STT real-time factor: compute seconds over audio seconds, transcribing the
  shared clips (originals and telephone-band copies) with the call settings.
- End of speech → first agent audio: whole scripted calls (one per language) through a live server
  and a simulated Twilio that speaks in real time; from the moment the
  borrower's last word ends (the utterance's own trailing silence taken off) to
  the first `media` frame of the answer. The deterministic engine (no LLM).
- Concurrent calls: the same calls, K at once (each borrower hears the agent's
  reply out, in real time, before answering); K is sustained in real time when
  the answers stay within the latency target (p50 ≤ 1.0 s) and none has to wait
  more than twice that at p95.
"""
from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from settle.config import Settings
from settle.eval.bench_chat import case_body
from settle.voice.types import Audio

CALLS = Path(__file__).with_name("data") / "voice_calls.yaml"
TARGET_P50_S = 1.0
TWILIO_TOKEN = "bench-twilio-token"


@lru_cache(maxsize=1)
def _calls() -> dict[str, list[str]]:
    return yaml.safe_load(CALLS.read_text(encoding="utf-8"))


def scripted_call(locale: str) -> list[str]:
    """The borrower's side of a whole call, in order."""
    return list(_calls()[locale])


def trailing_silence_s(audio: Audio, floor: float = 0.01) -> float:
    """How long the audio goes on after its last sound (a synthesized line ends with a pause)."""
    loud = np.flatnonzero(np.abs(audio.samples) > floor)
    return (len(audio.samples) - (loud[-1] + 1 if len(loud) else 0)) / audio.rate


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else float("nan")


@dataclass
class Level:
    calls: int  # at once
    by_locale: dict[str, list[float]] = field(default_factory=dict)  # each answer's latency, by the call's language
    attempted: int = 0
    completed: int = 0  # calls the agent saw through to its goodbye
    ended_early: int = 0  # of those, calls the agent ended before the borrower's script did (a mishearing)

    @property
    def latencies_s(self) -> list[float]:
        return [latency for latencies in self.by_locale.values() for latency in latencies]

    @property
    def p50(self) -> float:
        return _percentile(self.latencies_s, 0.5)

    @property
    def p95(self) -> float:
        return _percentile(self.latencies_s, 0.95)

    @property
    def sustained(self) -> bool:
        return (self.completed == self.attempted and bool(self.latencies_s)
                and self.p50 <= TARGET_P50_S and self.p95 <= 2 * TARGET_P50_S)


@dataclass
class VoiceBenchReport:
    stt_rtf: float
    stt_audio_s: float
    levels: list[Level]

    @property
    def sustained_calls(self) -> int:
        return max((level.calls for level in self.levels if level.sustained), default=0)

    @staticmethod
    def level_line(level: Level) -> str:
        early = f"   ({level.ended_early} ended early by the agent)" if level.ended_early else ""
        return (f"{level.calls:>16}   {len(level.latencies_s):>5}   {level.p50:5.2f}   {level.p95:5.2f}"
                f"   {level.completed:>4}/{level.attempted:<4}   {'yes' if level.sustained else 'no'}{early}")

    def format(self) -> str:
        single = self.levels[0]
        lines = [
            f"STT real-time factor: {self.stt_rtf:.3f} ({self.stt_audio_s:.0f} s of speech; target ≤ 0.25)",
            f"end of speech → first agent audio, one call at a time: p50 {single.p50:.2f} s, p95 {single.p95:.2f} s "
            f"over {len(single.latencies_s)} turns (target p50 ≤ {TARGET_P50_S:.1f} s)",
            *(f"  {locale}: p50 {_percentile(latencies, 0.5):.2f} s, p95 {_percentile(latencies, 0.95):.2f} s "
              f"over {len(latencies)} turns" for locale, latencies in sorted(single.by_locale.items())),
            "concurrent calls   turns   p50 s   p95 s   completed   real time",
        ]
        lines.extend(self.level_line(level) for level in self.levels)
        lines.append(f"concurrent calls sustained in real time: {self.sustained_calls} (target ≥ 4)")
        return "\n".join(lines)


async def _one_call(base: str, locale: str, speech: list[Audio], latencies: list[float]) -> str:
    """An inbound call from the demo debtor's number, spoken in real time, until the agent hangs up:
    "whole" when the borrower's script ran out first, "ended early" when the agent said goodbye before
    (it heard something else than was said: speech-to-text, not the machine's load)."""
    import httpx

    from settle.eval.twilio_caller import CallEnded, SimulatedTwilioCall

    body = {**case_body(locale), "ai_voice_consent": True}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        created = await client.post("/v1/cases", json=body, headers={"Authorization": "Bearer bench"})
        created.raise_for_status()
    twilio = SimulatedTwilioCall(base, TWILIO_TOKEN, playback="realtime", fast_speech=False)
    await twilio.answer(f"{base}/v1/voice/twiml", {"From": body["debtor"]["phone"], "To": "+18005550100", "Direction": "inbound"})
    await twilio.agent_turn()
    try:
        for audio in speech:
            await twilio.listen()  # the borrower hears the agent out, then answers
            ended = await twilio.say(audio) - trailing_silence_s(audio)
            turn = await twilio.agent_turn()
            if turn.first_audio_at is not None:
                latencies.append(turn.first_audio_at - ended)
    except CallEnded:
        return "ended early"
    await twilio.wait_closed(timeout=120)
    return "whole"


async def _round(base: str, level: Level, speech: dict[str, list[Audio]], first: int) -> None:
    """`level.calls` calls at once, the languages alternating from the `first`-th."""
    locales = [list(speech)[(first + i) % len(speech)] for i in range(level.calls)]
    results = await asyncio.gather(
        *(_one_call(base, locale, speech[locale], level.by_locale.setdefault(locale, [])) for locale in locales),
        return_exceptions=True,
    )
    level.attempted += level.calls
    level.completed += sum(1 for r in results if r in ("whole", "ended early"))
    level.ended_early += sum(1 for r in results if r == "ended early")


def run_voice_benchmark(levels: list[int], rounds: int, progress=lambda _m: None) -> VoiceBenchReport:
    from pydantic import SecretStr

    from settle.api.app import create_app
    from settle.eval.live_server import served
    from settle.eval.speech_eval import clips, real_time_factor
    from settle.services import build_services
    from settle.voice.audio import read_wav

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}", admin_token="bench", llm="none",
                            twilio_auth_token=SecretStr(TWILIO_TOKEN), recordings_dir=Path(tmp) / "recordings")
        services = build_services(settings)
        try:
            progress("loading the speech engines")
            services.load_speech(warm_up=False)
            if services.speech is None:
                raise RuntimeError(services.speech_unavailable)
            speech = services.speech
            shared = Path(__file__).resolve().parents[3].parent / "shared" / "audio"
            utterances = [(read_wav(shared / path), clip.locale) for clip in clips() for path in (clip.file, clip.phone) if path]
            progress(f"STT real-time factor on {len(utterances)} clips")
            speech.stt.transcribe(*utterances[0])  # warm-up
            rtf = real_time_factor(speech.stt, utterances)
            progress("synthesizing the borrower's lines and warming the agent's fixed lines")
            borrower = {locale: [speech.synthesizer.synthesize(line, locale) for line in scripted_call(locale)]
                        for locale in ("zh-CN", "en-US")}
            speech.synthesizer.warm_up()
            with served(create_app(settings, services)) as base:
                settings.public_url = base
                measured = []
                for calls in [1, *levels]:
                    progress(f"{calls} call(s) at once, {rounds} round(s)")
                    level = Level(calls)
                    # one call at a time still speaks every language: a round per language
                    for index in range(rounds * (len(borrower) if calls == 1 else 1)):
                        asyncio.run(_round(base, level, borrower, first=index))
                    measured.append(level)
                    progress(VoiceBenchReport.level_line(level))  # as each level ends: a long run shows its figures so far
        finally:
            services.close()
    audio_s = sum(audio.duration_s for audio, _ in utterances)
    return VoiceBenchReport(stt_rtf=rtf, stt_audio_s=audio_s, levels=measured)
