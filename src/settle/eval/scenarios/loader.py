"""Reads scenario suites: YAML files under `eval/suites/`, plus `_shared.yaml`.

`_shared.yaml` holds what every suite may use: a default case per locale (so a
scenario names only what differs), personas (what a borrower says at each point
of the script), phrase sets for expectations and the warm-up lines. Everything a
scenario refers to is checked here, against today's date, so a broken suite fails
at load time with its file and scenario named, not halfway through a run.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from settle.agent.types import Stage
from settle.api.schemas import CaseIn
from settle.eval.scenarios.expressions import RunContext, build_case, deep_merge
from settle.eval.scenarios.models import Defaults, Scenario, SharedFile, SuiteFile
from settle.prompts import load_script

SUITES_DIR = Path(__file__).resolve().parent.parent / "suites"
SHARED_NAME = "_shared.yaml"
STAGE_NAMES = frozenset(s.value for s in Stage)


class SuiteError(ValueError):
    """A suite that cannot be read or refers to something that does not exist."""


@dataclass(frozen=True)
class Suite:
    name: str
    title: str
    path: Path
    defaults: Defaults
    scenarios: tuple[Scenario, ...]


def list_suites() -> list[Path]:
    """The shipped suites, by file name."""
    return sorted(p for p in SUITES_DIR.glob("*.yaml") if not p.name.startswith("_"))


def find_suites(names: Iterable[str]) -> list[Path]:
    """Suite files from paths, folders, shipped suite names (file stems) or `all`."""
    shipped = {p.stem: p for p in list_suites()}
    found: list[Path] = []
    for name in names:
        path = Path(name)
        if name == "all":
            found.extend(shipped.values())
        elif path.is_dir():
            found.extend(sorted(p for p in path.glob("*.yaml") if not p.name.startswith("_")))
        elif path.is_file():
            found.append(path)
        elif name in shipped:
            found.append(shipped[name])
        else:
            raise SuiteError(f"no suite {name!r}: give a YAML file, a folder, `all` or one of {', '.join(shipped)}")
    return list(dict.fromkeys(found))


@cache
def load_shared(path: Path = SUITES_DIR / SHARED_NAME) -> SharedFile:
    try:
        return SharedFile.model_validate(_read(path))
    except ValidationError as exc:
        raise SuiteError(f"{path.name}: {exc}") from None


def load_suite(path: Path, shared: SharedFile | None = None) -> Suite:
    shared = shared or load_shared()
    try:
        suite = SuiteFile.model_validate(_read(path))
        defaults = Defaults.model_validate({**shared.defaults.model_dump(), **suite.defaults})
    except ValidationError as exc:
        raise SuiteError(f"{path.name}: {exc}") from None
    personas = {**shared.personas, **suite.personas}
    scenarios: list[Scenario] = []
    for index, raw in enumerate(suite.scenarios):
        label = f"{path.name}: scenario {raw.get('id', f'#{index + 1}')}"
        try:
            scenario = Scenario.model_validate({"locale": suite.locale, **raw} if suite.locale else raw)
        except ValidationError as exc:
            raise SuiteError(f"{label}: {exc}") from None
        if scenario.persona is not None and scenario.persona not in personas:
            raise SuiteError(f"{label}: unknown persona {scenario.persona!r}")
        persona_lines = personas[scenario.persona].borrower if scenario.persona else {}
        scenario = scenario.model_copy(
            update={
                "borrower": {**persona_lines, **scenario.borrower},
                "case": deep_merge(shared.cases[scenario.locale], scenario.case),
            }
        )
        try:
            _check_references(scenario, shared)
        except (KeyError, ValueError) as exc:  # ValueError covers pydantic's and ours
            raise SuiteError(f"{label}: {exc}") from None
        scenarios.append(scenario)
    ids = [s.id for s in scenarios]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SuiteError(f"{path.name}: scenario ids used twice: {', '.join(duplicates)}")
    return Suite(name=path.stem, title=suite.title, path=path, defaults=defaults, scenarios=tuple(scenarios))


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise SuiteError(f"{path}: {exc}") from None


def _check_references(scenario: Scenario, shared: SharedFile) -> None:
    """Keys, steps, the case, date expressions and placeholders, resolved for today."""
    steps = set(load_script(scenario.locale)["lines"])
    for key in scenario.borrower:
        if key not in STAGE_NAMES and key not in steps:
            raise SuiteError(f"borrower key {key!r} is neither a stage nor a script step")
    expect = scenario.expect
    replies = [a.reply for answers in scenario.borrower.values() for a in answers if a.reply]
    for step in [*expect.steps, *(s for r in replies for s in r.steps)]:
        if step not in steps:
            raise SuiteError(f"no script step {step!r}")
    today = dt.date.today()
    case = build_case(scenario.case, today, "EVAL-CHECK")
    CaseIn.model_validate(case)
    if case["debtor"]["locale"] != scenario.locale:
        raise SuiteError(f"the case's debtor locale {case['debtor']['locale']} is not the scenario's {scenario.locale}")
    context = RunContext(scenario.locale, today, case, shared.phrase_sets)
    for answers in scenario.borrower.values():
        for answer in answers:
            for line in answer.say:
                context.fill(line)
    context.phrases([*expect.required, *expect.forbidden, *(p for r in replies for p in (*r.contains, *r.forbidden))])
    if expect.commitment is not None and expect.commitment.date is not None:
        context.date(expect.commitment.date)
