"""Input rails: borrower messages screened before NLU.

Each rail (`cease`, `attorney`, `dispute`, `bankruptcy`, `hardship`,
`illness`, `bereavement`, `self_harm`, `cant_talk`, `third_party`,
`wrong_number`, `robot_question`) lives in its own folder with its patterns
and exemplars per locale; `config.yaml` switches them on. `screen()` uses one
shared `InputRailScreen`.
"""

from __future__ import annotations

from functools import lru_cache

from settle.agent.types import RailSignal
from settle.guardrails.input_rails.config import RailConfigError, RailsConfig, load_config
from settle.guardrails.input_rails.screen import InputRailScreen, normalise_locale

__all__ = [
    "InputRailScreen",
    "RailConfigError",
    "RailsConfig",
    "default_screen",
    "load_config",
    "normalise_locale",
    "screen",
]


@lru_cache(maxsize=1)
def default_screen() -> InputRailScreen:
    """The screen configured by the shipped `config.yaml`, built once per process."""
    return InputRailScreen()


def screen(text: str, locale: str) -> list[RailSignal]:
    return default_screen().screen(text, locale)
