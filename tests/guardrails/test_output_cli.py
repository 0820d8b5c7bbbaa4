"""`settle guard check` and the request contract it shares with the staff API."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from settle.guardrails.cli import build_guard_app
from settle.guardrails.output import GuardRequestError, check_request
from tests.guardrails.conftest import US_CASE


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def run(stdin: str, *args: str, case_lookup=None):
    return CliRunner().invoke(build_guard_app(case_lookup=case_lookup), ["check", *args], input=stdin)


def test_one_json_verdict_per_input_line():
    stdin = "\n".join(
        json.dumps(req, ensure_ascii=False)
        for req in [
            {"text": "你这个老赖。", "locale": "zh-CN", "party": "debtor"},
            {"text": "Could you ask Jordan to call us back?", "locale": "en-US", "party": "third_party"},
            {"text": "He owes us $1,250.", "locale": "en-US", "party": "third_party"},
        ]
    )
    result = run(stdin)
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    assert [o["allowed"] for o in out] == [False, True, False]
    assert set(out[0]) == {"allowed", "violations", "safe_text"}
    violation = out[0]["violations"][0]
    assert set(violation) == {"category", "rule", "span", "message"}
    assert violation["category"] == "abuse" and isinstance(violation["span"], list)
    assert "你这个老赖。"[violation["span"][0]:violation["span"][1]] == "老赖"
    assert out[1]["safe_text"] == "Could you ask Jordan to call us back?"
    assert out[2]["safe_text"] != "He owes us $1,250."
    assert {v["category"] for v in out[2]["violations"]} == {"third_party_disclosure"}


def test_options_give_defaults_and_lines_override_them():
    stdin = "\n".join(
        [
            json.dumps({"text": "Your balance is past due."}),
            json.dumps({"text": "Your balance is past due.", "party": "debtor"}),
        ]
    )
    result = run(stdin, "--locale", "en-US", "--party", "unverified")
    assert result.exit_code == 0, result.output
    assert [o["allowed"] for o in lines(result.output)] == [False, True]


def test_malformed_lines_get_an_error_line_and_the_run_goes_on():
    stdin = "\n".join(
        [
            "this is not json",
            json.dumps(["a", "list"]),
            json.dumps({"locale": "en-US", "party": "debtor"}),
            json.dumps({"text": "hi", "locale": "fr-FR", "party": "debtor"}),
            json.dumps({"text": "hi", "locale": "en-US", "party": "boss"}),
            json.dumps({"text": "hi", "locale": "en-US", "party": "debtor", "case_id": "C-1"}),
            "",
            json.dumps({"text": "Thanks for your time.", "locale": "en-US", "party": "debtor"}),
        ]
    )
    result = run(stdin)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    out = lines(result.output)
    assert len(out) == 7  # the blank line is skipped
    assert all("error" in o for o in out[:6])
    assert [o["line"] for o in out[:6]] == [1, 2, 3, 4, 5, 6]
    assert "locale" in out[3]["error"] and "party" in out[4]["error"] and "case" in out[5]["error"]
    assert out[6] == {"allowed": True, "violations": [], "safe_text": "Thanks for your time."}


def test_case_id_is_resolved_through_the_lookup_hook():
    cases = {"C-1": US_CASE}
    stdin = "\n".join(
        [
            json.dumps({"text": "Your balance is $1,520.00.", "locale": "en-US", "party": "debtor", "case_id": "C-1"}),
            json.dumps({"text": "Your balance is $1,250.00.", "locale": "en-US", "party": "debtor", "case_id": "C-1"}),
            json.dumps({"text": "Hi.", "locale": "en-US", "party": "debtor", "case_id": "C-404"}),
        ]
    )
    result = run(stdin, case_lookup=cases.get)
    out = lines(result.output)
    assert out[0]["allowed"] is False
    assert out[0]["violations"][0]["rule"] == "misrepresentation.amount_mismatch"
    assert out[1]["allowed"] is True
    assert "unknown case_id" in out[2]["error"]
    assert result.exit_code == 1


def test_check_request_is_the_pure_contract(guard):
    response = check_request({"text": "我是法院的。", "locale": "zh-CN", "party": "debtor"}, guard)
    assert response["allowed"] is False
    assert response["violations"][0]["category"] == "impersonation"
    assert response["violations"][0]["span"] == [0, 4]  # 我是法院
    json.dumps(response)  # serialisable as is
    with pytest.raises(GuardRequestError, match="text"):
        check_request({"text": 42, "locale": "zh-CN", "party": "debtor"}, guard)
    with pytest.raises(GuardRequestError, match="case store"):
        check_request({"text": "hi", "locale": "zh-CN", "party": "debtor", "case_id": "X"}, guard)


def test_a_real_process_reads_stdin_and_writes_stdout():
    requests = [
        {"text": "We know where you live.", "locale": "en-US", "party": "debtor"},
        {"text": "请问您是张伟本人吗?", "locale": "zh-CN", "party": "unverified"},
    ]
    completed = subprocess.run(
        [sys.executable, "-c", "from settle.guardrails.cli import guard_app; guard_app()", "check"],
        input="\n".join(json.dumps(r, ensure_ascii=False) for r in requests) + "\n{oops\n",
        check=False,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )
    out = lines(completed.stdout)
    assert [o.get("allowed") for o in out[:2]] == [False, True]
    assert "error" in out[2]
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
