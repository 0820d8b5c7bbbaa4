"""The runner against the real engine: a deliberately wrong suite fails, check by check,
in-process and against a live server through `settle eval run --base-url`."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from settle.cli import app
from settle.eval.scenarios import run_suites

# each scenario expects something the engine (rightly) does not do
WRONG = """
title: deliberately wrong expectations
scenarios:
  - id: third-party-expected-to-promise
    title: a third party cannot promise anything
    locale: zh-CN
    borrower:
      greeting: 我是他老婆，他现在不在
    expect:
      stages: [greeting, verification, disclosure]
      outcome: promise_to_pay
      commitment: {amount: "1500.00", date: next friday}
      required: ["{notice:recording}"]
      forbidden: ["{debtor_name}"]
      steps: [disclosure.full]
  - id: wrong-commitment
    title: the engine records 1000 tomorrow, not 2000 the day after
    locale: en-US
    persona: cooperative-en
    borrower:
      disclosure:
        say: "I can pay $1000 tomorrow"
        reply: {stage: negotiation, contains: [Goodbye]}
    expect:
      outcome: promise_to_pay
      commitment: {amount: "2000.00", date: +2d}
      never_stages: [confirmation]
  - id: too-few-turns-and-no-lines
    title: the borrower runs out of things to say
    locale: en-US
    borrower:
      greeting: "Yes, speaking."
    expect:
      max_turns: 1
      latency_ms: 0.001
  - id: a-known-issue-that-shows
    title: marked as a known engine issue, still failing
    locale: zh-CN
    known_issue: a deliberately wrong expectation standing in for an engine defect
    borrower:
      greeting: 我是他老婆，他现在不在
    expect: {outcome: cease}
  - id: a-known-issue-that-is-fixed
    title: marked as a known engine issue, but passing
    locale: zh-CN
    known_issue: an expectation the engine meets, standing in for a fixed defect
    borrower:
      greeting: 我是他老婆，他现在不在
    expect: {outcome: third_party}
"""

PASSING = """
title: two short scenarios that pass
scenarios:
  - id: zh-wrong-number
    title: 打错了
    locale: zh-CN
    borrower: {greeting: 你打错了，这里没有叫张伟的}
    expect: {outcome: wrong_number, forbidden: ["@debt_details"], max_turns: 2}
  - id: en-promise
    title: a promise
    locale: en-US
    persona: cooperative-en
    borrower: {disclosure: "I can pay $300 tomorrow"}
    expect: {outcome: promise_to_pay, commitment: {amount: "300.00", date: tomorrow}, required: ["{policy_notices}"]}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def wrong_run(eval_services, tmp_path_factory):
    return run_suites([write(tmp_path_factory.mktemp("suites"), "wrong.yaml", WRONG)], services=eval_services)


def failed_checks(run, scenario: str) -> set[str]:
    [result] = [r for r in run.results if r.scenario == scenario]
    return {f.expectation for f in result.failures}


def test_a_wrong_scenario_fails_on_every_wrong_expectation(wrong_run):
    assert not wrong_run.passed
    assert failed_checks(wrong_run, "third-party-expected-to-promise") == {"stages", "outcome", "commitment", "required", "forbidden", "steps"}
    assert failed_checks(wrong_run, "wrong-commitment") == {"commitment", "never_stages", "reply"}
    assert failed_checks(wrong_run, "too-few-turns-and-no-lines") == {"max_turns", "latency"}


def test_the_borrower_without_a_line_is_reported(eval_services, tmp_path):
    suite = PASSING.replace('borrower: {disclosure: "I can pay $300 tomorrow"}', "borrower: {}")
    run = run_suites([write(tmp_path, "unscripted.yaml", suite)], services=eval_services)
    [result] = [r for r in run.results if r.scenario == "en-promise"]
    assert "unscripted" in {f.expectation for f in result.failures}
    assert "step 'disclosure.full' or stage 'disclosure'" in result.failures[-1].message


def test_known_issues_are_reported_and_still_fail_the_run(wrong_run):
    statuses = {r.scenario: r.status for r in wrong_run.results}
    assert statuses["a-known-issue-that-shows"] == "known_issue"
    assert not next(r for r in wrong_run.results if r.scenario == "a-known-issue-that-shows").ok
    assert statuses["a-known-issue-that-is-fixed"] == "fixed"
    assert statuses["wrong-commitment"] == "failed"
    summary = wrong_run.summary
    assert summary["statuses"] == {"passed": 0, "failed": 3, "known_issue": 1, "fixed": 1}
    assert summary["failures_by_expectation"]["outcome"] == {"unexpected": 1, "known": 1}


def test_cli_against_a_live_server(live_base_url, eval_services, tmp_path, monkeypatch):
    """`settle eval run --base-url`: the public API over real HTTP; exit 0 on pass, 1 on a failure."""
    monkeypatch.setenv("SETTLE_ADMIN_TOKEN", eval_services.settings.admin_token)
    runner = CliRunner()
    out = tmp_path / "out"

    passing = runner.invoke(app, ["eval", "run", str(write(tmp_path, "passing.yaml", PASSING)), "--base-url", live_base_url, "--out", str(out)])
    assert passing.exit_code == 0, passing.output
    [result_file] = out.glob("eval-*.json")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert result["target"] == live_base_url and result["summary"]["passed"] is True
    assert [r["status"] for r in result["results"]] == ["passed", "passed"]
    assert all(r["conversation_id"] and r["turns"] for r in result["results"])
    assert len(list(out.glob("eval-*.html"))) == 1

    failing = runner.invoke(app, ["eval", "run", str(write(tmp_path, "wrong.yaml", WRONG)), "--base-url", live_base_url, "--out", str(tmp_path / "out2")])
    assert failing.exit_code == 1, failing.output
    assert "FAILED" in failing.output and "third-party-expected-to-promise" in failing.output


def test_cli_refuses_a_wrong_staff_token_or_suite(live_base_url, tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("SETTLE_ADMIN_TOKEN", "not-the-token")
    refused = runner.invoke(app, ["eval", "run", str(write(tmp_path, "passing.yaml", PASSING)), "--base-url", live_base_url, "--out", str(tmp_path)])
    assert refused.exit_code == 2 and "401" in refused.output
    unknown = runner.invoke(app, ["eval", "run", "no-such-suite", "--out", str(tmp_path)])
    assert unknown.exit_code == 2 and "no suite 'no-such-suite'" in unknown.output
