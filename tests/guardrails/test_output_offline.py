"""guardrails-ai runs here without touching the network, and is really what runs."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from settle.agent.types import GuardContext, Party

REPO = Path(__file__).resolve().parents[2]

NO_NETWORK = r"""
import atexit, socket
attempts = []
def refuse(self, address, *args, **kwargs):
    attempts.append(repr(address))
    raise OSError("network disabled by the test")
def no_dns(host, *args, **kwargs):
    attempts.append("dns " + str(host))
    raise socket.gaierror("dns disabled by the test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.getaddrinfo = no_dns
atexit.register(lambda: print("ATTEMPTS", attempts, flush=True))  # first registered, runs last

from settle.agent.types import GuardContext, Party
from settle.guardrails.output import ComplianceGuard

guard = ComplianceGuard()
verdict = guard.check("We know where you live.", GuardContext(locale="en-US", party=Party.DEBTOR))
print("BLOCKED", not verdict.allowed, flush=True)
"""


@pytest.mark.parametrize("rc_file", [False, True], ids=["no-guardrailsrc", "repo-guardrailsrc"])
def test_import_build_and_check_make_no_network_attempt(tmp_path, rc_file):
    """With no ~/.guardrailsrc at all (guardrails' telemetry default is on) and with
    the repository's one; the interpreter also exits, where exporters would flush."""
    if rc_file:
        shutil.copy(REPO / ".guardrailsrc", tmp_path / ".guardrailsrc")
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)
    completed = subprocess.run(
        [sys.executable, "-c", NO_NETWORK], check=False, capture_output=True, text=True, env=env, timeout=600
    )
    assert completed.returncode == 0, completed.stderr
    assert "BLOCKED True" in completed.stdout
    assert "ATTEMPTS []" in completed.stdout, completed.stdout


def test_the_repository_guardrailsrc_turns_metrics_off(tmp_path, monkeypatch):
    from guardrails.classes.rc import RC

    shutil.copy(REPO / ".guardrailsrc", tmp_path / ".guardrailsrc")
    monkeypatch.setenv("HOME", str(tmp_path))
    rc = RC.load()
    assert rc.enable_metrics is False
    assert rc.use_remote_inferencing is False


def test_the_guard_is_a_guardrails_guard_with_one_registered_validator_per_category(guard):
    from guardrails import Guard
    from guardrails.validator_base import Validator, validators_registry

    assert isinstance(guard._guard, Guard)
    categories = [v.category for v in guard.validators]
    assert categories == [
        "threat",
        "impersonation",
        "third_party_disclosure",
        "abuse",
        "misrepresentation",
        "missing_disclosure",
    ]
    for validator in guard.validators:
        assert isinstance(validator, Validator)
        assert validators_registry[f"settle/{validator.category}"] is type(validator)
    assert guard._guard._allow_metrics_collection is False


def test_a_category_validator_works_on_its_own_in_a_plain_guard():
    from settle.guardrails.output.category import CONTEXT_KEY
    from settle.guardrails.output.offline import offline_guard
    from settle.guardrails.output.threat.validator import ThreatValidator

    plain = offline_guard([ThreatValidator()])
    ctx = GuardContext(locale="zh-CN", party=Party.DEBTOR)
    outcome = plain.validate("我们知道你住在哪。", metadata={CONTEXT_KEY: ctx})
    assert outcome.validation_passed is False
    summary = outcome.validation_summaries[0]
    assert summary.error_spans[0].reason.startswith("threat.whereabouts")
    assert plain.validate("谢谢您的配合。", metadata={CONTEXT_KEY: ctx}).validation_passed is True


def test_rails_are_switched_by_configuration():
    from settle.guardrails.output import ComplianceGuard

    abuse_only = ComplianceGuard(rails=["abuse"])
    verdict = abuse_only.check("We know where you live, you deadbeat.", GuardContext(locale="en-US", party=Party.DEBTOR))
    assert {v.category for v in verdict.violations} == {"abuse"}


def test_concurrent_checks_give_the_same_verdicts_as_sequential_ones(guard):
    from concurrent.futures import ThreadPoolExecutor

    from settle.eval.guard_eval import load_utterances

    utterances = load_utterances("test")[:60]

    def judge(u):
        return tuple((v.category, v.rule, v.span) for v in guard.check(u.text, u.context()).violations)

    sequential = [judge(u) for u in utterances]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(judge, utterances))
    assert concurrent == sequential
