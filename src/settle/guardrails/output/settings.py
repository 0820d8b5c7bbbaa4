"""The output guard's configuration: which rails run, negation, per-category data.

Everything here is package data (YAML next to the code), read once per process.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from settle.guardrails.output.text import Negation

OUTPUT_DIR = Path(__file__).parent


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass(frozen=True)
class OutputSettings:
    rails: tuple[str, ...]
    negation: dict[str, Negation]
    min_sentence_chars: dict[str, int]
    default_policy: dict[str, str]


@lru_cache(maxsize=1)
def output_settings() -> OutputSettings:
    raw = read_yaml(OUTPUT_DIR / "config.yaml")
    return OutputSettings(
        rails=tuple(raw["rails"]),
        negation={locale: Negation.from_config(cfg) for locale, cfg in raw["negation"].items()},
        min_sentence_chars=dict(raw["semantic"]["min_sentence_chars"]),
        default_policy=dict(raw["default_policy"]),
    )


def category_file(category: str, name: str) -> Path:
    return OUTPUT_DIR / category / name
