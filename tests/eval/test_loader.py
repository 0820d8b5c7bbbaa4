"""Suites are QA's data: a mistake in one is an error naming the file and the scenario."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from settle.eval.scenarios import SuiteError, find_suites, list_suites, load_suite
from settle.eval.scenarios.loader import SUITES_DIR

VALID = """
title: a suite
locale: zh-CN
defaults: {max_turns: 7}
personas:
  quick:
    description: answers at once
    borrower:
      greeting: 是我
      verification: "{id_last4}"
scenarios:
  - id: promise
    title: a promise
    persona: quick
    case: {amount_due: "900.00", min_payment: "100.00"}
    borrower:
      verification: {say: ["{id_last4}", "后四位{id_last4}"]}
      negotiation: ["太忙了", {say: 明天还一百, reply: {stage: confirmation}}]
    expect: {outcome: promise_to_pay, commitment: {amount: "100.00", date: tomorrow}}
"""


def write(tmp_path: Path, text: str, name: str = "suite.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_valid_suite_merges_persona_case_and_defaults(tmp_path):
    suite = load_suite(write(tmp_path, VALID))
    assert suite.name == "suite" and suite.defaults.max_turns == 7
    [scenario] = suite.scenarios
    assert scenario.locale == "zh-CN"  # from the suite
    assert set(scenario.borrower) == {"greeting", "verification", "negotiation"}
    assert scenario.borrower["greeting"][0].say == ["是我"]  # from the persona
    assert scenario.borrower["verification"][0].say == ["{id_last4}", "后四位{id_last4}"]  # the scenario's own
    first, second = scenario.borrower["negotiation"]
    assert first.say == ["太忙了"] and second.reply.stage == "confirmation"
    assert scenario.case["amount_due"] == "900.00" and scenario.case["creditor"]  # the rest from the locale default
    assert scenario.expect.checks("outcome") and not scenario.expect.checks("steps")


@pytest.mark.parametrize(
    "change,message",
    [
        (("expect: {outcome: promise_to_pay,", "expect: {outcom: promise_to_pay,"), "outcom"),
        (("persona: quick", "persona: slow"), "unknown persona 'slow'"),
        (("negotiation: [", "negotiaton: ["), "neither a stage nor a script step"),
        (("reply: {stage: confirmation}", "reply: {steps: [confirmation.readback]}"), "no script step 'confirmation.readback'"),
        (("date: tomorrow", "date: someday"), "unknown date expression 'someday'"),
        (('min_payment: "100.00"', 'min_payment: "1000.00"'), "min_payment cannot exceed amount_due"),
        (("太忙了", "太忙了{amount}"), "{amount}"),
        (("{say: 明天还一百, reply", "{hang_up: false, reply"), "either `say`"),
        (("outcome: promise_to_pay", "outcome: paid"), "outcome"),
    ],
)
def test_mistakes_name_the_scenario(tmp_path, change, message):
    old, new = change
    assert old in VALID
    with pytest.raises(SuiteError) as error:
        load_suite(write(tmp_path, VALID.replace(old, new)))
    assert "suite.yaml" in str(error.value) and message in str(error.value)


def test_unknown_phrase_sets_and_notices_are_errors(tmp_path):
    for phrase in ("@no_such_set", "{notice:no_such_notice}"):
        broken = VALID.replace("expect: {", f'expect: {{forbidden: ["{phrase}"], ')
        with pytest.raises(SuiteError, match="scenario promise"):
            load_suite(write(tmp_path, broken))


def test_duplicate_ids_are_errors(tmp_path):
    scenario = VALID[VALID.index("  - id: promise"):]
    with pytest.raises(SuiteError, match="used twice: promise"):
        load_suite(write(tmp_path, VALID + scenario))


def test_unreadable_yaml_is_an_error(tmp_path):
    with pytest.raises(SuiteError):
        load_suite(write(tmp_path, "title: [unclosed"))


def test_find_suites_by_name_path_folder_or_all(tmp_path):
    shipped = list_suites()
    assert shipped and all(p.parent == SUITES_DIR and not p.name.startswith("_") for p in shipped)
    assert find_suites(["all"]) == shipped
    assert find_suites(["branches"]) == [SUITES_DIR / "branches.yaml"]
    mine = write(tmp_path, VALID)
    write(tmp_path, "not a suite", name="_shared.yaml")
    assert find_suites([str(mine), str(tmp_path), "branches"]) == [mine, SUITES_DIR / "branches.yaml"]
    with pytest.raises(SuiteError, match="no suite 'nope'"):
        find_suites(["nope"])
