"""Where a US consumer may be: the area-code and state tables, and how a request's zones are found."""

from __future__ import annotations

from importlib import resources
from zoneinfo import ZoneInfo

import pytest
import yaml

from settle.guardrails.contact import implied_zones
from settle.guardrails.contact.zones import us_area_code, zones_for_area_code, zones_for_state

STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP"
).split()


@pytest.fixture(scope="module")
def table() -> dict:
    path = resources.files("settle.guardrails.contact") / "geo" / "us_time_zones.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_state_and_territory_is_mapped(table):
    assert set(table["states"]) == set(STATES)


def test_every_zone_named_is_a_real_iana_zone(table):
    for zones in (*table["states"].values(), *table["area_codes"].values()):
        assert zones
        for name in zones:
            ZoneInfo(name)


def test_area_code_table_is_broad(table):
    codes = table["area_codes"]
    assert len(codes) >= 330
    assert all(len(code) == 3 and code[0] in "23456789" for code in codes)
    assert "800" not in codes  # toll-free says nothing about location


@pytest.mark.parametrize(
    ("phone", "zone"),
    [
        ("+1 212 555 0100", "America/New_York"),
        ("(213) 555-0100", "America/Los_Angeles"),
        ("312-555-0100", "America/Chicago"),
        ("303.555.0100", "America/Denver"),
        ("602 555 0100", "America/Phoenix"),
        ("808-555-0100", "Pacific/Honolulu"),
        ("907-555-0100", "America/Anchorage"),
        ("787-555-0100", "America/Puerto_Rico"),
        ("671-555-0100", "Pacific/Guam"),
    ],
)
def test_known_area_codes(phone, zone):
    assert zone in zones_for_area_code(phone)


@pytest.mark.parametrize(
    ("phone", "zones"),
    [
        ("850-555-0100", {"America/Chicago", "America/New_York"}),
        ("208-555-0100", {"America/Boise", "America/Los_Angeles"}),
    ],
)
def test_area_codes_spanning_two_zones_list_both(phone, zones):
    assert zones <= set(zones_for_area_code(phone))


@pytest.mark.parametrize(
    ("state", "zones"),
    [
        ("FL", {"America/New_York", "America/Chicago"}),
        ("TX", {"America/Chicago", "America/Denver"}),
        ("ID", {"America/Boise", "America/Los_Angeles"}),
        ("AZ", {"America/Phoenix", "America/Denver"}),
        ("ca", {"America/Los_Angeles"}),
    ],
)
def test_states(state, zones):
    assert set(zones_for_state(state)) == zones


@pytest.mark.parametrize(
    ("phone", "code"),
    [
        ("+1 (212) 555-0100", "212"),
        ("1-212-555-0100", "212"),
        ("2125550100", "212"),
        ("+44 20 7946 0958", None),
        ("+86 138 0013 8000", None),
        ("13800138000", None),
        ("", None),
    ],
)
def test_area_code_is_read_only_from_nanp_numbers(phone, code):
    assert us_area_code(phone) == code


def test_implied_zones_join_the_case_zone_area_code_and_state_without_duplicates():
    zones = implied_zones(case_timezone="America/Los_Angeles", phone="+1 212 555 0100", address_state="CA")
    assert zones == ("America/Los_Angeles", "America/New_York")


def test_nothing_known_but_the_case_zone():
    assert implied_zones(case_timezone="America/Chicago", phone="+44 20 7946 0958", address_state="ZZ") == (
        "America/Chicago",
    )
