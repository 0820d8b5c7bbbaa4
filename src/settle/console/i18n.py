"""The console speaks English and Chinese: UI strings and the labels of codes, per staff member's choice.

UI strings are written in English in templates and code, wrapped as `_(text)`; `i18n/zh-CN.yaml`
maps each to its Chinese. Codes (outcomes, stages, categories, intents …) get
their words from `i18n/labels.yaml`. The language comes from the staff member's
choice (a cookie), else the browser's Accept-Language.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

UI_LOCALES = ("en-US", "zh-CN")
DEFAULT_LOCALE = "en-US"
LANG_COOKIE = "settle_console_lang"
HERE = Path(__file__).parent / "i18n"


@lru_cache(maxsize=None)
def ui_strings(locale: str) -> dict[str, str]:
    path = HERE / f"{locale}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


@lru_cache(maxsize=None)
def code_labels() -> dict[str, dict[str, dict[str, str]]]:
    return yaml.safe_load((HERE / "labels.yaml").read_text(encoding="utf-8"))


class Translator:
    """`_(text, **params)` for UI strings and `.label(kind, code)` for codes, in one UI language."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in UI_LOCALES else DEFAULT_LOCALE
        self._strings = ui_strings(self.locale)

    def __call__(self, text: str, **params: object) -> str:
        translated = self._strings.get(text, text)
        return translated.format(**params) if params else translated

    def label(self, kind: str, code: str | None) -> str:
        if not code:
            return ""
        words = code_labels().get(kind, {}).get(code)
        if words:
            return words.get(self.locale) or words[DEFAULT_LOCALE]
        return code.replace("_", " ").replace(".", " · ").capitalize()


def choose_locale(cookie: str | None, accept_language: str | None) -> str:
    if cookie in UI_LOCALES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en-US"
    return DEFAULT_LOCALE
