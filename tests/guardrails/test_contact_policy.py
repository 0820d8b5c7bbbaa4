"""Contact policy packs: every rule at its edges, for both packs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from settle.guardrails.contact import (
    REASON_CODES,
    Attempt,
    CaseFlags,
    ContactHistory,
    ContactRequest,
    available_policies,
    check_contact,
    implied_zones,
    load_pack,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
PACIFIC = ZoneInfo("America/Los_Angeles")
CN_PHONE = "+86 138 0013 8000"
NY_PHONE = "+1 212 555 0100"
NO_FLAGS = CaseFlags()
CONSENT = CaseFlags(ai_voice_consent=True)


def cn(at: dt.datetime, channel: str = "voice", flags: CaseFlags = NO_FLAGS, phone: str = CN_PHONE) -> ContactRequest:
    return ContactRequest(
        policy="cn", channel=channel, at=at, debtor_timezone="Asia/Shanghai", phone=phone, flags=flags
    )


def us(
    at: dt.datetime,
    channel: str = "voice",
    flags: CaseFlags = CONSENT,
    phone: str = NY_PHONE,
    state: str | None = "NY",
    timezone: str = "America/New_York",
) -> ContactRequest:
    return ContactRequest(
        policy="us-regf",
        channel=channel,
        at=at,
        debtor_timezone=timezone,
        phone=phone,
        address_state=state,
        flags=flags,
    )


def shanghai(hour: int, minute: int = 0, second: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, second, tzinfo=SHANGHAI)


def eastern(day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK)


class TestPacks:
    def test_both_packs_ship_and_load(self):
        assert available_policies() == ["cn", "us-regf"]
        assert load_pack("cn").hours.end == dt.time(20)
        assert load_pack("us-regf").hours.end == dt.time(21)

    def test_unknown_policy_is_a_clear_error(self):
        with pytest.raises(ValueError, match="unknown contact policy 'uk'"):
            check_contact(
                ContactRequest(policy="uk", channel="voice", at=shanghai(10), debtor_timezone="Asia/Shanghai")
            )

    def test_every_code_a_pack_can_return_is_documented(self):
        for policy in available_policies():
            pack = load_pack(policy)
            codes = {rule.code for rule in (*pack.stops, *pack.consents, *pack.limits, *pack.cooldowns)}
            assert codes <= set(REASON_CODES), codes - set(REASON_CODES)

    def test_naive_time_is_refused_with_a_clear_message(self):
        with pytest.raises(ValueError, match="no time zone"):
            cn(dt.datetime(2026, 3, 2, 10, 0))

    def test_naive_attempt_time_is_refused(self):
        with pytest.raises(ValueError, match="no time zone"):
            ContactHistory(attempts=[(dt.datetime(2026, 3, 2, 9), True, "voice")])

    def test_unknown_channel_and_zone_are_refused(self):
        with pytest.raises(ValueError, match="unknown channel 'fax'"):
            cn(shanghai(10), channel="fax")
        with pytest.raises(ValueError, match="unknown IANA time zone"):
            ContactRequest(policy="cn", channel="voice", at=shanghai(10), debtor_timezone="Mars/Olympus")

    def test_decision_serialises_for_the_api(self):
        decision = check_contact(cn(shanghai(20, 1), flags=CaseFlags(dispute=True)))
        payload = decision.to_json()
        assert payload["allowed"] is False
        assert [reason.split(":")[0] for reason in payload["reasons"]] == ["outside_hours", "dispute"]
        assert payload["zones"] == ["Asia/Shanghai"]

    def test_an_allowed_contact_has_no_reasons(self):
        decision = check_contact(cn(shanghai(10)))
        assert decision.allowed and decision.reasons == []


class TestCnHours:
    """08:00–20:00 Asia/Shanghai: from 08:00:00 up to but not including 20:00:00."""

    @pytest.mark.parametrize(
        ("when", "allowed"),
        [
            (shanghai(7, 59, 59), False),
            (shanghai(8, 0, 0), True),
            (shanghai(19, 59), True),
            (shanghai(19, 59, 59), True),
            (shanghai(20, 0, 0), False),
            (shanghai(20, 1), False),
        ],
    )
    def test_window_edges(self, when, allowed):
        decision = check_contact(cn(when))
        assert decision.allowed is allowed
        assert ("outside_hours" in decision.codes) is not allowed

    def test_reason_names_the_local_time_and_zone(self):
        decision = check_contact(cn(shanghai(20, 1)))
        assert decision.reasons[0].startswith("outside_hours: 20:01 Asia/Shanghai is outside 08:00–20:00")

    def test_the_debtors_zone_decides_not_the_callers(self):
        # 13:01 in London is 20:01 in Shanghai (London on GMT in early March)
        london = dt.datetime(2026, 3, 2, 12, 1, tzinfo=ZoneInfo("Europe/London"))
        assert check_contact(cn(london)).codes == ["outside_hours"]
        utc = dt.datetime(2026, 3, 2, 11, 59, tzinfo=dt.UTC)  # 19:59 Shanghai
        assert check_contact(cn(utc)).allowed

    @pytest.mark.parametrize("channel", ["voice", "chat", "sms", "email"])
    def test_window_applies_to_every_channel(self, channel):
        assert not check_contact(cn(shanghai(21), channel=channel)).allowed


class TestCnFrequency:
    def test_three_connected_conversations_a_day_then_refused(self):
        two = ContactHistory(attempts=[(shanghai(9), True, "voice"), (shanghai(11), True, "chat")])
        assert check_contact(cn(shanghai(15)), two).allowed
        three = ContactHistory(attempts=[*two.attempts, (shanghai(13), True, "voice")])
        decision = check_contact(cn(shanghai(15)), three)
        assert decision.codes == ["daily_conversation_limit"]
        assert "3 connected conversations" in decision.reasons[0]

    def test_conversations_count_per_local_day(self):
        # three conversations on the 1st (Shanghai time), the last at 23:30 local = 15:30 UTC
        yesterday = [
            (shanghai(9, day=1), True, "voice"),
            (shanghai(12, day=1), True, "voice"),
            (dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.UTC), True, "voice"),
        ]
        assert check_contact(cn(shanghai(8, 30)), ContactHistory(attempts=yesterday)).allowed

    def test_six_unanswered_calls_to_the_number_then_refused(self):
        five = [(shanghai(8 + i), False, "voice") for i in range(5)]
        assert check_contact(cn(shanghai(15)), ContactHistory(attempts=five)).allowed
        six = [*five, (shanghai(14), False, "voice")]
        assert check_contact(cn(shanghai(15)), ContactHistory(attempts=six)).codes == ["daily_unanswered_limit"]

    def test_unanswered_calls_count_per_number(self):
        other = "+86 139 0000 0000"
        six_elsewhere = [Attempt(shanghai(8 + i), False, "voice", other) for i in range(6)]
        history = ContactHistory(attempts=six_elsewhere)
        assert check_contact(cn(shanghai(15)), history).allowed
        assert check_contact(cn(shanghai(15), phone="13900000000"), history).codes == ["daily_unanswered_limit"]

    def test_unanswered_calls_do_not_use_up_conversations(self):
        history = ContactHistory(attempts=[(shanghai(8 + i), False, "voice") for i in range(5)])
        assert check_contact(cn(shanghai(15)), history).allowed

    def test_only_earlier_attempts_count(self):
        later = ContactHistory(attempts=[(shanghai(16 + i), True, "voice") for i in range(3)])
        assert check_contact(cn(shanghai(15)), later).allowed


class TestCnFlags:
    @pytest.mark.parametrize("flag", ["cease_written", "cease_spoken", "dispute", "attorney", "bankruptcy"])
    @pytest.mark.parametrize("channel", ["voice", "chat", "sms", "email"])
    def test_flag_stops_every_channel(self, flag, channel):
        decision = check_contact(cn(shanghai(10), channel=channel, flags=CaseFlags(**{flag: True})))
        assert decision.codes == [flag]

    def test_all_broken_rules_are_reported_together(self):
        decision = check_contact(cn(shanghai(21), flags=CaseFlags(attorney=True, dispute=True)))
        assert set(decision.codes) == {"outside_hours", "attorney", "dispute"}

    def test_cn_needs_no_ai_voice_consent(self):
        assert check_contact(cn(shanghai(10), flags=CaseFlags(ai_voice_consent=False))).allowed


class TestUsHours:
    def test_859_pm_pacific_for_a_new_york_number_with_a_california_address_is_refused(self):
        at = dt.datetime(2026, 3, 2, 20, 59, tzinfo=PACIFIC)  # 11:59 pm in New York
        decision = check_contact(us(at, state="CA", timezone="America/Los_Angeles"))
        assert decision.codes == ["outside_hours"]
        assert "23:59 America/New_York" in decision.reasons[0]
        assert set(decision.zones) == {"America/Los_Angeles", "America/New_York"}

    def test_8am_eastern_is_too_early_for_the_california_address(self):
        at = eastern(2, 8, 0)  # 5:00 am Pacific
        decision = check_contact(us(at, state="CA"))
        assert decision.codes == ["outside_hours"]
        assert "05:00 America/Los_Angeles" in decision.reasons[0]

    def test_window_open_in_both_zones_is_allowed(self):
        at = eastern(2, 12, 0)  # 9:00 am Pacific
        assert check_contact(us(at, state="CA")).allowed

    @pytest.mark.parametrize(
        ("hour", "minute", "allowed"), [(7, 59, False), (8, 0, True), (20, 59, True), (21, 0, False), (21, 1, False)]
    )
    def test_window_edges_for_a_single_zone(self, hour, minute, allowed):
        assert check_contact(us(eastern(2, hour, minute))).allowed is allowed

    def test_multi_zone_area_code_needs_every_zone(self):
        # 850 is the Florida panhandle: Central and Eastern. 8:30 pm Central = 9:30 pm Eastern.
        at = dt.datetime(2026, 3, 2, 20, 30, tzinfo=ZoneInfo("America/Chicago"))
        decision = check_contact(us(at, phone="(850) 555-0100", state=None, timezone="America/Chicago"))
        assert decision.codes == ["outside_hours"]
        assert "America/New_York" in decision.zones

    def test_multi_zone_state_needs_every_zone(self):
        # an Idaho address: Mountain (Boise) and Pacific (panhandle). 8:30 am Mountain = 7:30 am Pacific.
        at = dt.datetime(2026, 3, 2, 8, 30, tzinfo=ZoneInfo("America/Boise"))
        decision = check_contact(us(at, phone="", state="ID", timezone="America/Boise"))
        assert decision.codes == ["outside_hours"]
        assert "07:30 America/Los_Angeles" in decision.reasons[0]

    def test_unknown_location_falls_back_to_the_case_timezone(self):
        toll_free = "+1 800 555 0100"
        assert implied_zones(case_timezone="America/Denver", phone=toll_free) == ("America/Denver",)
        at = dt.datetime(2026, 3, 2, 20, 30, tzinfo=ZoneInfo("America/Denver"))
        assert check_contact(us(at, phone=toll_free, state=None, timezone="America/Denver")).allowed

    def test_arizona_keeps_standard_time_in_summer(self):
        # July: 8:30 pm Phoenix (MST) is 9:30 pm in Denver (MDT): Arizona addresses include the Navajo Nation.
        at = dt.datetime(2026, 7, 1, 20, 30, tzinfo=ZoneInfo("America/Phoenix"))
        decision = check_contact(us(at, phone="+1 602 555 0100", state="AZ", timezone="America/Phoenix"))
        assert decision.codes == ["outside_hours"]


class TestUsFrequency:
    def test_seven_calls_in_seven_days_then_the_eighth_is_refused(self):
        calls = [(eastern(day), False, "voice") for day in range(1, 8)]  # 1st..7th, unanswered
        decision = check_contact(us(eastern(7, 15)), ContactHistory(attempts=calls))
        assert decision.codes == ["weekly_call_limit"]
        assert "7 calls" in decision.reasons[0]

    def test_six_calls_in_seven_days_allow_a_seventh(self):
        calls = [(eastern(day), False, "voice") for day in range(1, 7)]
        assert check_contact(us(eastern(7, 15)), ContactHistory(attempts=calls)).allowed

    def test_calls_older_than_seven_calendar_days_drop_out(self):
        calls = [(eastern(day), False, "voice") for day in range(1, 8)]
        # on the 8th the window is the 2nd..8th: six calls
        assert check_contact(us(eastern(8)), ContactHistory(attempts=calls)).allowed

    def test_texts_and_emails_are_not_calls(self):
        messages = [(eastern(day), False, "sms") for day in range(1, 8)]
        messages += [(eastern(day, 11), False, "email") for day in range(1, 8)]
        history = ContactHistory(attempts=messages)
        assert check_contact(us(eastern(7, 15)), history).allowed
        assert check_contact(us(eastern(7, 15), channel="sms"), history).allowed

    def test_no_call_six_days_after_a_conversation(self):
        history = ContactHistory(attempts=[(eastern(1), True, "voice")])
        decision = check_contact(us(eastern(7)), history)
        assert decision.codes == ["conversation_cooldown"]
        assert "2026-03-01" in decision.reasons[0] and "2026-03-08" in decision.reasons[0]

    def test_call_seven_days_after_a_conversation_is_allowed(self):
        history = ContactHistory(attempts=[(eastern(1, 20), True, "voice")])
        assert check_contact(us(eastern(8, 8)), history).allowed

    def test_cooldown_blocks_calls_only(self):
        history = ContactHistory(attempts=[(eastern(1), True, "voice")])
        assert check_contact(us(eastern(3), channel="chat"), history).allowed
        assert check_contact(us(eastern(3), channel="email"), history).allowed

    def test_a_chat_conversation_starts_no_call_cooldown(self):
        history = ContactHistory(attempts=[(eastern(1), True, "chat")])
        assert check_contact(us(eastern(3)), history).allowed


class TestUsFlags:
    def test_attorney_stops_every_channel(self):
        for channel in ("voice", "chat", "sms", "email"):
            assert check_contact(
                us(eastern(2), channel=channel, flags=CaseFlags(attorney=True, ai_voice_consent=True))
            ).codes == ["attorney"]

    def test_spoken_cease_stops_calls_but_not_chat(self):
        flags = CaseFlags(cease_spoken=True, ai_voice_consent=True)
        assert check_contact(us(eastern(2), flags=flags)).codes == ["cease_spoken"]
        assert check_contact(us(eastern(2), channel="chat", flags=flags)).allowed
        assert check_contact(us(eastern(2), channel="email", flags=flags)).allowed

    @pytest.mark.parametrize("channel", ["voice", "chat", "sms", "email"])
    def test_written_cease_stops_every_channel(self, channel):
        decision = check_contact(
            us(eastern(2), channel=channel, flags=CaseFlags(cease_written=True, ai_voice_consent=True))
        )
        assert decision.codes == ["cease_written"]

    def test_ai_voice_call_without_consent_is_refused(self):
        decision = check_contact(us(eastern(2), flags=CaseFlags()))
        assert decision.codes == ["no_ai_voice_consent"]

    def test_consent_is_only_needed_for_voice(self):
        assert check_contact(us(eastern(2), channel="chat", flags=CaseFlags())).allowed

    def test_time_barred_allows_contact_but_forbids_suit_talk(self):
        decision = check_contact(us(eastern(2), flags=CaseFlags(time_barred=True, ai_voice_consent=True)))
        assert decision.allowed
        assert decision.restriction_codes == ["no_suit_talk"]
        assert "1006.26(b)" in decision.restrictions[0]

    def test_no_restrictions_when_not_time_barred(self):
        assert check_contact(us(eastern(2))).restrictions == []


class TestVoicemail:
    @pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
    def test_limited_content_message_names_agent_and_number_only(self, locale):
        text = load_pack("us-regf").voicemail_message(locale, agent_name="Alex", callback_number="(800) 555-0199")
        assert "Alex" in text and "(800) 555-0199" in text
        for word in ("debt", "collect", "owe", "payment", "欠", "债", "催收", "还款"):
            assert word not in text.lower()

    def test_pack_without_a_template_says_so(self):
        with pytest.raises(LookupError, match="no voicemail template"):
            load_pack("cn").voicemail_message("zh-CN", agent_name="小李", callback_number="400-000-0000")
