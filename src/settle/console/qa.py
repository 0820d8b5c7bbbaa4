"""QA evaluation runs started from the console: scenario suites run in a background thread,
the run and its reports are recorded, and reports are served back to QA.

The scenario runner itself lives in `settle.eval.scenarios`; this module only
schedules it, one run at a time per process, and keeps the record. A run uses
the live engine's models, guard and rails, but a throwaway database of its own,
so scripted borrowers never show up among real conversations or in the dashboard.
"""
from __future__ import annotations

import copy
import datetime as dt
import importlib
import json
import logging
import tempfile
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from settle.console.formatting import as_utc
from settle.services import Services
from settle.store.models import EvalRun
from settle.store.repository import Store

log = logging.getLogger(__name__)

# a run still "running" after this long died with its process; it is shown as interrupted
RUN_DEADLINE = dt.timedelta(hours=2)


class ScenarioAPI(Protocol):
    """What the console needs of `settle.eval.scenarios`."""

    def list_suites(self) -> list[Path]: ...

    def run_suites(self, paths: Sequence[Path], *, base_url: str | None = None, services: Any = None, progress: bool = False) -> Any: ...

    def write_report(self, run: Any, out_dir: Path) -> tuple[Path, Path]: ...


class RunnerUnavailable(RuntimeError):
    """The scenario runner is not installed in this build."""


class RunInProgress(RuntimeError):
    pass


class UnknownSuite(ValueError):
    pass


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path


@dataclass(frozen=True)
class RunView:
    run: EvalRun
    status: str  # the stored status, or "interrupted" for a run that outlived its deadline

    @property
    def tally(self) -> tuple[int, int] | None:
        """(scenario runs that went as expected, scenario runs), when the runner's summary says."""
        summary = self.run.summary or {}
        by_suite = summary.get("by_suite")
        if not isinstance(by_suite, dict) or not isinstance(summary.get("runs"), int):
            return None
        return sum(int(counts.get("ok", 0)) for counts in by_suite.values()), summary["runs"]


class QARunner:
    def __init__(self, services: Services, reports_dir: Path, scenarios: ScenarioAPI | None = None) -> None:
        self.services = services
        self.store: Store = services.store
        self.reports_dir = reports_dir
        self._scenarios = scenarios
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def suites(self) -> list[Suite]:
        return [Suite(path.stem, path) for path in sorted(self._api().list_suites(), key=lambda p: p.stem)]

    def start(self, names: Sequence[str], actor: str) -> str:
        """Starts the named suites in the background; returns the run id at once."""
        by_name = {suite.name: suite for suite in self.suites()}
        unknown = [name for name in names if name not in by_name]
        if not names or unknown:
            raise UnknownSuite(", ".join(unknown) or "no suite chosen")
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise RunInProgress("a QA run is already in progress")
            run_id = str(uuid.uuid4())
            self.store.create_eval_run(run_id, list(names), actor)
            self._thread = threading.Thread(
                target=self._run, args=(run_id, [by_name[name].path for name in names]), name=f"settle-qa-{run_id[:8]}", daemon=True
            )
            self._thread.start()
        return run_id

    def wait(self, timeout: float | None = None) -> None:
        """Blocks until the current run (if any) is done; for the CLI and tests."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def runs(self, limit: int = 50) -> list[RunView]:
        return [self.view(run) for run in self.store.eval_runs(limit)]

    def view(self, run: EvalRun) -> RunView:
        overdue = run.status == "running" and dt.datetime.now(dt.timezone.utc) - as_utc(run.started_at) > RUN_DEADLINE
        return RunView(run, "interrupted" if overdue else run.status)

    def report_file(self, run: EvalRun, kind: str) -> Path | None:
        """The run's HTML or JSON report, only if it lies inside the reports directory."""
        stored = run.report_html if kind == "html" else run.report_json
        if not stored:
            return None
        path = Path(stored).resolve()
        if not path.is_file() or not path.is_relative_to(self.reports_dir.resolve()):
            return None
        return path

    def _run(self, run_id: str, paths: list[Path]) -> None:
        try:
            api = self._api()
            with tempfile.TemporaryDirectory(prefix="settle-qa-") as scratch:
                engine = self._engine_on(f"sqlite:///{Path(scratch) / 'qa.db'}")
                try:
                    result = api.run_suites(paths, services=engine, progress=False)
                finally:
                    engine.close()
            json_path, html_path = api.write_report(result, self.reports_dir / run_id)
            self.store.finish_eval_run(
                run_id,
                "passed" if result.passed else "failed",
                json.loads(json.dumps(result.summary, default=str)),
                report_json=str(Path(json_path).resolve()),
                report_html=str(Path(html_path).resolve()),
            )
        except Exception as exc:  # the run is over either way; the page says why it failed
            log.exception("QA run %s failed", run_id)
            self.store.finish_eval_run(run_id, "error", {}, error=f"{type(exc).__name__}: {exc}")

    def _engine_on(self, database_url: str) -> Services:
        """The live engine (models, guard, rails, phrasing) over a fresh database of the run's own."""
        store = Store(database_url)
        pipeline = copy.copy(self.services.pipeline)
        pipeline.store = store
        settings = self.services.settings.model_copy(update={"database_url": database_url})
        return Services(settings=settings, store=store, pipeline=pipeline, now=self.services.now)

    def _api(self) -> ScenarioAPI:
        if self._scenarios is None:
            try:
                self._scenarios = importlib.import_module("settle.eval.scenarios")
            except ImportError as exc:
                raise RunnerUnavailable("the scenario runner (settle.eval.scenarios) is not available") from exc
        return self._scenarios
