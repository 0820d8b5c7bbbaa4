"""The LLM's prompts (Jinja, per locale, versioned) and its settings from `prompts/llm.yaml`.

A prompt file `prompts/<locale>/llm/<id>.j2` has a `system` block, which never
varies (the server keeps its tokens cached between calls), and blocks for the
user turns with everything that does: `user` for understanding, `heard` and
`line` for the two steps of phrasing. The stored prompt id is `<locale>/<id>`;
a changed prompt gets a new id, and a retired one stays for the turns that name it.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import jinja2
import yaml
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from settle.agent.types import Intent
from settle.prompts import LOCALES, PROMPTS_DIR, UnknownLocale

WEEKDAYS = {
    "zh-CN": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
    "en-US": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


@dataclass(frozen=True)
class ChatPrompt:
    id: str
    system: str
    user: str

    def messages(self) -> list[BaseMessage]:
        return [SystemMessage(self.system), HumanMessage(self.user)]


@dataclass(frozen=True)
class PhrasingPrompt:
    """Phrasing's two steps in one conversation: the model acknowledges what it `heard`, then
    words the vetted `line` after its own acknowledgement (the server continues the context)."""

    id: str
    system: str
    heard: str
    line: str

    def acknowledge(self) -> list[BaseMessage]:
        return [SystemMessage(self.system), HumanMessage(self.heard)]

    def reword(self, acknowledgement: str) -> list[BaseMessage]:
        return [*self.acknowledge(), AIMessage(acknowledgement), HumanMessage(self.line)]


@dataclass(frozen=True)
class LLMConfig:
    prompt_ids: dict[str, str]  # purpose (understand / phrase) → prompt id
    worded_steps: tuple[str, ...]
    acknowledging_steps: frozenset[str]
    policy_intents: frozenset[Intent]
    confident: float
    consult_below: float
    understanding_history: int
    acknowledgement_max_tokens: int
    phrasing_max_tokens: int
    min_seconds_left: float
    phrasing_history: int

    def may_word(self, step: str) -> bool:
        return any(fnmatch.fnmatchcase(step, pattern) for pattern in self.worded_steps)


@lru_cache(maxsize=1)
def llm_config() -> LLMConfig:
    data = yaml.safe_load((PROMPTS_DIR / "llm.yaml").read_text(encoding="utf-8"))
    understanding, phrasing = data["understanding"], data["phrasing"]
    return LLMConfig(
        prompt_ids=dict(data["prompts"]),
        worded_steps=tuple(data["worded_steps"]),
        acknowledging_steps=frozenset(data["acknowledging_steps"]),
        policy_intents=frozenset(Intent(name) for name in understanding["policy_intents"]),
        confident=float(understanding["confident"]),
        consult_below=float(understanding["consult_below"]),
        understanding_history=int(understanding["history_turns"]),
        acknowledgement_max_tokens=int(phrasing["acknowledgement_max_tokens"]),
        phrasing_max_tokens=int(phrasing["max_tokens"]),
        min_seconds_left=float(phrasing["min_seconds_left"]),
        phrasing_history=int(phrasing["history_turns"]),
    )


class PromptBook:
    """Renders the live prompt for a purpose and locale; templates are compiled once."""

    def __init__(self, config: LLMConfig | None = None) -> None:
        self.config = config or llm_config()
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(PROMPTS_DIR),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
        )

    def prompt_id(self, purpose: str, locale: str) -> str:
        return f"{locale}/{self.config.prompt_ids[purpose]}"

    def blocks(self, purpose: str, locale: str, **values: Any) -> dict[str, str]:
        """Every block of the live prompt for `purpose` in `locale`, rendered with `values`."""
        if locale not in LOCALES:
            raise UnknownLocale(f"unsupported locale {locale!r}; expected one of {LOCALES}")
        template = self._env.get_template(f"{locale}/llm/{self.config.prompt_ids[purpose]}.j2")
        context = template.new_context(values)
        return {name: "".join(block(context)).strip() for name, block in template.blocks.items()}

    def render(self, purpose: str, locale: str, **values: Any) -> ChatPrompt:
        blocks = self.blocks(purpose, locale, **values)
        return ChatPrompt(id=self.prompt_id(purpose, locale), system=blocks["system"], user=blocks["user"])

    def phrasing(self, locale: str, **values: Any) -> PhrasingPrompt:
        blocks = self.blocks("phrase", locale, **values)
        return PhrasingPrompt(id=self.prompt_id("phrase", locale), system=blocks["system"], heard=blocks["heard"], line=blocks["line"])


def weekday_name(day: dt.date, locale: str) -> str:
    return WEEKDAYS[locale][day.weekday()]


@cache
def fact_words(locale: str) -> dict[str, tuple[str, ...]]:
    """Words a draft may use only when its vetted line does (see factcheck.py)."""
    data = yaml.safe_load((PROMPTS_DIR / locale / "llm" / "fact_words.yaml").read_text(encoding="utf-8"))
    return {kind: tuple(str(word).lower() for word in words) for kind, words in data.items()}
