"""Input-rail configuration: which rails run, and each rail's patterns and exemplars.

NeMo-Guardrails style: every rail lives in its own folder `input_rails/<kind>/`
with a `config.yaml`; the top-level `config.yaml` switches rails on and holds
what all rails share (negation cues, the semantic layer's settings). Adding
wording for a rail is a data change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

LOCALES = ("en-US", "zh-CN")


class RailConfigError(ValueError):
    """A rail configuration that cannot be applied as written."""


@dataclass(frozen=True)
class PatternRule:
    """One precise pattern of a rail.

    `unless`: the rule does not fire when any of these matches the clause
    around the hit ("don't call me *at work*" is not a cease). `negatable`:
    the rule does not fire right after a negation ("I'm *not* disputing").
    """

    id: str
    pattern: re.Pattern[str]
    unless: tuple[re.Pattern[str], ...] = ()
    negatable: bool = False


@dataclass(frozen=True)
class RailSemantic:
    min_similarity: float
    min_margin: float


@dataclass(frozen=True)
class Rail:
    kind: str
    description: str
    patterns: dict[str, tuple[PatternRule, ...]]  # per locale
    exemplars: dict[str, tuple[str, ...]]  # per locale
    semantic: RailSemantic | None  # None: patterns only


@dataclass(frozen=True)
class Negation:
    """Cues that void a hit in the same clause before it.

    `reported`: the borrower quotes or denies a request ("I'm not saying stop
    calling", "我没说不还"); checked within `window` characters before the hit.
    `immediate`: a plain negation right before a `negatable` rule's hit.
    """

    reported: tuple[re.Pattern[str], ...]
    immediate: re.Pattern[str]
    window: int


@dataclass(frozen=True)
class RailsConfig:
    rails: tuple[Rail, ...]
    negation: dict[str, Negation]
    background: dict[str, tuple[str, ...]]  # ordinary messages: the semantic layer's "none of the rails"
    semantic_enabled: bool


def _flags(locale: str) -> int:
    return re.IGNORECASE if locale.startswith("en") else 0


def _compile(source: str, locale: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(source, _flags(locale))
    except re.error as exc:
        raise RailConfigError(f"{where}: bad pattern {source!r}: {exc}") from exc


def _rule(item: dict[str, Any], locale: str, where: str) -> PatternRule:
    return PatternRule(
        id=item["id"],
        pattern=_compile(item["pattern"], locale, f"{where}.{item['id']}"),
        unless=tuple(_compile(p, locale, f"{where}.{item['id']}.unless") for p in item.get("unless", ())),
        negatable=bool(item.get("negatable", False)),
    )


def _locales(mapping: dict[str, Any] | None, where: str) -> dict[str, Any]:
    mapping = mapping or {}
    unknown = set(mapping) - set(LOCALES)
    if unknown:
        raise RailConfigError(f"{where}: unknown locale(s) {sorted(unknown)}; expected {list(LOCALES)}")
    return mapping


def _rail(kind: str, defaults: dict[str, float]) -> Rail:
    raw = _read(kind, "config.yaml")
    if raw.get("kind") != kind:
        raise RailConfigError(f"{kind}/config.yaml declares kind {raw.get('kind')!r}")
    semantic = raw.get("semantic", {})
    return Rail(
        kind=kind,
        description=" ".join(str(raw.get("description", "")).split()),
        patterns={
            locale: tuple(_rule(item, locale, f"{kind}.{locale}") for item in items)
            for locale, items in _locales(raw.get("patterns"), kind).items()
        },
        exemplars={locale: tuple(items) for locale, items in _locales(raw.get("exemplars"), kind).items()},
        semantic=None
        if semantic is False
        else RailSemantic(
            min_similarity=float(semantic.get("min_similarity", defaults["min_similarity"])),
            min_margin=float(semantic.get("min_margin", defaults["min_margin"])),
        ),
    )


def _read(*parts: str) -> dict[str, Any]:
    path = resources.files(__package__).joinpath(*parts)
    if not path.is_file():
        raise RailConfigError(f"missing input-rail file {'/'.join(parts)}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_config() -> RailsConfig:
    """The shipped configuration, read once."""
    top = _read("config.yaml")
    semantic = top["semantic"]
    negation = {
        locale: Negation(
            reported=tuple(_compile(p, locale, f"negation.{locale}") for p in spec["reported"]),
            immediate=_compile(spec["immediate"], locale, f"negation.{locale}.immediate"),
            window=int(spec["window"]),
        )
        for locale, spec in _locales(top["negation"], "negation").items()
    }
    background = _read("background.yaml")
    return RailsConfig(
        rails=tuple(_rail(kind, semantic) for kind in top["rails"]),
        negation=negation,
        background={locale: tuple(items) for locale, items in _locales(background, "background").items()},
        semantic_enabled=bool(semantic["enabled"]),
    )
