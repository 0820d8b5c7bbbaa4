"""Script lines, notices and flow data, shipped as package data.

Everything the agent may say verbatim lives here, per locale; code only picks
which line to say.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROMPTS_DIR = Path(__file__).parent
LOCALES = ("zh-CN", "en-US")


class UnknownLocale(ValueError):
    pass


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=None)
def load_script(locale: str) -> dict[str, Any]:
    """The locale's `notices` (verbatim disclosures) and `lines` (step id → text)."""
    if locale not in LOCALES:
        raise UnknownLocale(f"unsupported locale {locale!r}; expected one of {LOCALES}")
    return _read_yaml(PROMPTS_DIR / locale / "script.yaml")


@lru_cache(maxsize=1)
def load_flow() -> dict[str, Any]:
    """Locale-independent script data: stage order, limits, notices per policy pack."""
    return _read_yaml(PROMPTS_DIR / "flow.yaml")
