"""What the NLU tests, the calibration script and the benchmark share: a fixed `today`
and the held-out labelled borrower messages (heldout.yaml)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from settle.agent.types import Intent

TODAY = dt.date(2026, 11, 24)  # a Tuesday; every relative date in these tests counts from it
PAYDAY = 15
HELDOUT_PATH = Path(__file__).with_name("heldout.yaml")


def load_heldout() -> dict[str, list[tuple[str, Intent]]]:
    """locale → [(message, expected intent)], in file order."""
    data = yaml.safe_load(HELDOUT_PATH.read_text(encoding="utf-8"))
    return {
        locale: [(text, Intent(name)) for name, texts in by_intent.items() for text in texts]
        for locale, by_intent in data.items()
    }
