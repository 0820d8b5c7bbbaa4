"""`settle eval stt`: speech-to-text on the real clips of ../shared/audio — error rates and real-time factor.

The figures are scored by the clips' MANIFEST convention (`settle.voice.scoring`)
and pooled per language (token errors over reference tokens), for the original
recordings and their telephone-band copies. `real_time_factor` is what
`settle bench voice` calls.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import typer
import yaml

from settle.voice.audio import read_wav
from settle.voice.scoring import errors
from settle.voice.types import Audio, SpeechToText, Transcript

CLIPS = Path(__file__).with_name("data") / "speech_clips.yaml"
LOCALE_OF = {"zh": "zh-CN", "en": "en-US"}


@dataclass(frozen=True)
class Clip:
    file: str
    language: str
    reference: str
    phone: str | None = None
    code_switch: bool = False

    @property
    def locale(self) -> str:
        return LOCALE_OF[self.language]


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load(CLIPS.read_text(encoding="utf-8"))


def clips() -> list[Clip]:
    return [Clip(**entry) for entry in _data()["clips"]]


def published_figures() -> dict[str, float]:
    """models.md's error rates per language, for the originals."""
    return dict(_data()["figures"])


@dataclass(frozen=True)
class Heard:
    clip: Clip
    path: str
    transcript: Transcript
    wrong: int
    total: int
    audio_s: float
    compute_s: float


@dataclass
class STTScore:
    heard: list[Heard] = field(default_factory=list)

    def pooled(self, language: str, *, phone: bool | None = None, code_switch: bool | None = None) -> tuple[int, int]:
        rows = [
            h for h in self.heard if h.clip.language == language
            and (phone is None or (h.path == h.clip.phone) == phone)
            and (code_switch is None or h.clip.code_switch == code_switch)
        ]
        return sum(h.wrong for h in rows), sum(h.total for h in rows)

    def rate(self, language: str, **which) -> float:
        wrong, total = self.pooled(language, **which)
        return wrong / total if total else 0.0

    def real_time_factor(self) -> float:
        return sum(h.compute_s for h in self.heard) / sum(h.audio_s for h in self.heard)


def transcribe_timed(stt: SpeechToText, audio: Audio, locale: str) -> tuple[Transcript, float]:
    started = time.perf_counter()
    transcript = stt.transcribe(audio, locale)
    return transcript, time.perf_counter() - started


def score_stt(stt: SpeechToText, clips_dir: Path, selection: Iterable[Clip] | None = None,
              phone: bool = True) -> STTScore:
    """Transcribe each clip (and its telephone copy when `phone`) in its own language and score it."""
    score = STTScore()
    for clip in selection if selection is not None else clips():
        for path in [clip.file] + ([clip.phone] if phone and clip.phone else []):
            audio = read_wav(clips_dir / path)
            transcript, seconds = transcribe_timed(stt, audio, clip.locale)
            wrong, total = errors(clip.reference, transcript.text, clip.language)
            score.heard.append(Heard(clip, path, transcript, wrong, total, audio.duration_s, seconds))
    return score


def real_time_factor(stt: SpeechToText, utterances: Iterable[tuple[Audio, str]], repeats: int = 1) -> float:
    """Compute seconds over audio seconds for transcribing (audio, locale) pairs, `repeats` times each."""
    compute = audio_s = 0.0
    for audio, locale in utterances:
        for _ in range(repeats):
            compute += transcribe_timed(stt, audio, locale)[1]
            audio_s += audio.duration_s
    return compute / audio_s if audio_s else 0.0


def stt_report(score: STTScore, echo) -> None:
    for h in score.heard:
        echo(f"{h.path:<52} {h.wrong:>3}/{h.total:<3} rtf {h.compute_s / h.audio_s:5.2f}  "
             f"conf {h.transcript.confidence:.2f}  {h.transcript.text}")
    figures = published_figures()
    for language, name in (("zh", "Mandarin CER"), ("en", "English WER")):
        for phone in (False, True):
            wrong, total = score.pooled(language, phone=phone)
            if total:
                echo(f"{name} {'phone' if phone else 'original':<8} {wrong}/{total} = {wrong / total:6.1%}"
                     + ("" if phone else f"  (models.md: {figures[language]:.1%})"))
    cs_wrong, cs_total = score.pooled("zh", phone=False, code_switch=True)
    if cs_total:
        echo(f"code-switch clip (mixed error rate) {cs_wrong}/{cs_total} = {cs_wrong / cs_total:.1%}")
    echo(f"real-time factor {score.real_time_factor():.3f} over {sum(h.audio_s for h in score.heard):.1f} s of audio")


def _clips_dir_default() -> Path:
    """../shared/audio beside the project checkout (as in CI)."""
    return Path(__file__).resolve().parents[3].parent / "shared" / "audio"


def eval_stt_command(
    clips_dir: Path = typer.Option(None, "--clips", help="Folder of the speech clips (default ../shared/audio)."),
    beam: int = typer.Option(None, "--beam", help="Beam size (default SETTLE_STT_BEAM_SIZE)."),
    threads: int = typer.Option(None, "--threads", help="Threads per transcription (default SETTLE_STT_THREADS)."),
) -> None:
    """Mandarin CER and English WER on the shared clips and their telephone copies, and the real-time factor."""
    import os

    from settle.config import Settings
    from settle.models import ModelNotInstalled
    from settle.voice.engines import load_stt

    updates = {k: v for k, v in (("stt_beam_size", beam), ("stt_threads", threads)) if v is not None}
    settings = Settings().model_copy(update=updates)
    folder = clips_dir or _clips_dir_default()
    if not folder.is_dir():
        typer.echo(f"error: no speech clips at {folder}", err=True)
        raise typer.Exit(2)
    try:
        stt = load_stt(settings)
    except (ModelNotInstalled, ValueError, FileNotFoundError, RuntimeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    load = os.getloadavg()[0]
    typer.echo(f"{settings.stt_backend}, beam {settings.stt_beam_size}, {settings.stt_threads} thread(s); "
               f"load average {load:.2f}")
    stt_report(score_stt(stt, folder), typer.echo)
