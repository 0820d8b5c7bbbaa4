"""QA runs from the console: started in the background, recorded, reports served to qa and admin only."""
from __future__ import annotations

import datetime as dt
import json
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from settle.console.auth import ConsoleAuth
from settle.console.qa import QARunner
from settle.console.web import Console
from settle.store.models import Conversation, EvalRun
from tests.console.staff import post_form

RUN_WAIT_S = 300


@dataclass
class FakeRun:
    passed: bool
    summary: dict
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))


class FakeScenarios:
    """Stands in for settle.eval.scenarios: two suites, a chosen result, reports written like the real one."""

    def __init__(self, folder: Path, result: str = "pass", gate: threading.Event | None = None) -> None:
        self.suites = [folder / "alpha.yaml", folder / "beta.yaml"]
        for path in self.suites:
            path.write_text("scenarios: []\n")
        self.result, self.gate = result, gate
        self.calls: list[tuple[list[Path], object]] = []

    def list_suites(self) -> list[Path]:
        return self.suites

    def run_suites(self, paths, *, base_url=None, services=None, progress=False):
        self.calls.append((list(paths), services))
        if self.gate is not None:
            self.gate.wait(RUN_WAIT_S)
        if self.result == "crash":
            raise RuntimeError("suite file exploded")
        by_suite = {p.stem: {"runs": 1, "ok": int(self.result == "pass")} for p in paths}
        return FakeRun(self.result == "pass", {"passed": self.result == "pass", "runs": len(paths), "scenarios": len(paths), "by_suite": by_suite})

    def write_report(self, run, out_dir: Path) -> tuple[Path, Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        json_path, html_path = out_dir / "eval.json", out_dir / "eval.html"
        json_path.write_text(json.dumps({"summary": run.summary}))
        html_path.write_text("<!doctype html><title>QA report</title><h1>Scenario report</h1>")
        return json_path, html_path


def use_runner(client, reports: Path, scenarios=None) -> QARunner:
    """Puts a QA runner with these scenarios (None: the real settle.eval.scenarios) into the app's console."""
    services = client.app.state.services
    runner = QARunner(services, reports, scenarios)
    client.app.state.console = Console(auth=ConsoleAuth.for_store(services.store, services.settings.session_secret), qa=runner)
    return runner


def start(client, suites: list[str]):
    return post_form(client, "/console/qa/runs", {"suite": suites}, page="/console/qa")


def test_qa_starts_a_run_and_reads_its_reports(console_app, store, qa, tmp_path):
    fake = FakeScenarios(tmp_path)
    runner = use_runner(console_app, tmp_path / "reports", fake)

    started = start(qa, ["alpha", "beta"])
    assert started.status_code == 303
    run_id = re.fullmatch(r"/console/qa/runs/([0-9a-f-]{36})", started.headers["location"]).group(1)
    runner.wait(RUN_WAIT_S)

    run = store.eval_run(run_id)
    assert (run.status, run.started_by, run.suites) == ("passed", "quinn", ["alpha", "beta"])
    assert run.summary["runs"] == 2 and run.finished_at is not None
    assert Path(run.report_html).is_relative_to((tmp_path / "reports").resolve())
    # the run used an engine of its own: not the app's database
    (paths, engine), = fake.calls
    assert paths == fake.suites and engine.store is not store and engine.store.url != store.url

    page = qa.get(f"/console/qa/runs/{run_id}").text
    assert 'id="run-tally">2<' in page and 'class="badge run run-passed"' in page
    html = qa.get(f"/console/qa/runs/{run_id}/report.html")
    assert html.status_code == 200 and "Scenario report" in html.text
    assert html.headers["content-security-policy"].startswith("sandbox")
    assert qa.get(f"/console/qa/runs/{run_id}/report.json").json()["summary"]["runs"] == 2
    assert f'data-run="{run_id}"' in qa.get("/console/qa").text
    assert [e.action for e in store.audit_entries(run_id)] == ["eval.start", "eval.finish"]


@pytest.mark.parametrize("result,status", [("fail", "failed"), ("crash", "error")])
def test_failed_and_crashed_runs_are_recorded_as_such(console_app, store, admin, tmp_path, result, status):
    runner = use_runner(console_app, tmp_path / "reports", FakeScenarios(tmp_path, result))
    run_id = start(admin, ["beta"]).headers["location"].rsplit("/", 1)[1]
    runner.wait(RUN_WAIT_S)
    run = store.eval_run(run_id)
    assert run.status == status
    page = admin.get(f"/console/qa/runs/{run_id}").text
    assert f"run-{status}" in page
    if status == "error":
        assert "suite file exploded" in page and run.report_html is None
        assert admin.get(f"/console/qa/runs/{run_id}/report.html").status_code == 404


def test_one_run_at_a_time_and_only_listed_suites(console_app, store, qa, tmp_path):
    gate = threading.Event()
    runner = use_runner(console_app, tmp_path / "reports", FakeScenarios(tmp_path, gate=gate))
    try:
        assert start(qa, ["alpha"]).status_code == 303
        assert start(qa, ["beta"]).status_code == 409
    finally:
        gate.set()
        runner.wait(RUN_WAIT_S)
    assert start(qa, ["../../etc/passwd"]).status_code == 400
    assert start(qa, []).status_code == 400
    assert len(store.eval_runs()) == 1


def test_collectors_cannot_start_runs(console_app, store, collector, tmp_path):
    use_runner(console_app, tmp_path / "reports", FakeScenarios(tmp_path))
    response = collector.post("/console/qa/runs", data={"suite": "alpha", "csrf_token": "whatever"})
    assert response.status_code == 403
    assert store.eval_runs() == []


def test_reports_outside_the_reports_folder_are_never_served(console_app, store, qa, tmp_path):
    use_runner(console_app, tmp_path / "reports", FakeScenarios(tmp_path))
    outside = tmp_path / "secret.html"
    outside.write_text("not a report")
    store.create_eval_run("run-outside", ["alpha"], "quinn")
    store.finish_eval_run("run-outside", "passed", {}, report_json=str(outside), report_html=str(outside))
    assert qa.get("/console/qa/runs/run-outside/report.html").status_code == 404
    assert qa.get("/console/qa/runs/run-outside/report.json").status_code == 404
    assert qa.get("/console/qa/runs/no-such-run").status_code == 404


def test_a_run_that_outlived_its_deadline_shows_as_interrupted(console_app, tmp_path):
    runner = use_runner(console_app, tmp_path / "reports", FakeScenarios(tmp_path))
    stale = EvalRun(id="x", started_by="quinn", suites=[], status="running", summary={}, started_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=3))
    fresh = EvalRun(id="y", started_by="quinn", suites=[], status="running", summary={}, started_at=dt.datetime.now(dt.timezone.utc))
    assert runner.view(stale).status == "interrupted"
    assert runner.view(fresh).status == "running"


def test_without_the_scenario_runner_the_page_says_so(console_app, qa, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "settle.eval.scenarios", None)  # importing it now fails
    use_runner(console_app, tmp_path / "reports")
    assert 'id="runner-unavailable"' in qa.get("/console/qa").text
    # a page loaded before the runner went missing may still post
    assert post_form(qa, "/console/qa/runs", {"suite": "alpha"}, page="/console/conversations").status_code == 503


def test_a_real_suite_runs_from_the_console_on_its_own_database(console_app, store, qa, tmp_path):
    """The real scenario runner on the shipped verification suite, through the console's button."""
    runner = use_runner(console_app, tmp_path / "reports")
    before = conversation_count(store)
    started = start(qa, ["verification"])
    assert started.status_code == 303, started.text
    runner.wait(RUN_WAIT_S)
    run = store.eval_run(started.headers["location"].rsplit("/", 1)[1])
    assert run.status in ("passed", "failed"), run.error
    assert run.summary["runs"] >= 1 and run.summary["by_suite"]
    report = qa.get(f"/console/qa/runs/{run.id}/report.html")
    assert report.status_code == 200 and "<svg" in report.text
    assert conversation_count(store) == before, "scripted borrowers stay out of the live database"


def conversation_count(store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Conversation))
