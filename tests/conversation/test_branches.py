"""Branches that end or divert the script, and what they must never say."""
from tests.support import DEBT_WORDS_EN, DEBT_WORDS_ZH, Chat, assert_no_debt_details, cn_case, us_case, verified_cn, verified_us

from settle.prompts import load_script

def test_third_party_gets_only_a_call_back_request(client):
    chat = Chat(client, cn_case())
    final = chat.say("我是他老婆,他现在不在")
    assert final["ended"] and final["outcome"] == "third_party"
    assert_no_debt_details(chat.agent_texts, DEBT_WORDS_ZH)
    assert "回电" in chat.reply()


def test_en_third_party_gets_only_a_call_back_request(client):
    chat = Chat(client, us_case())
    final = chat.say("This is his roommate, he's not home right now")
    assert final["outcome"] == "third_party"
    assert_no_debt_details(chat.agent_texts, DEBT_WORDS_EN)


def test_wrong_number(client):
    chat = Chat(client, us_case())
    final = chat.say("You have the wrong number, there's no Jordan here")
    assert final["outcome"] == "wrong_number"
    assert_no_debt_details(chat.agent_texts, DEBT_WORDS_EN)
    case = client.get(f"/v1/cases/{chat.case_id}", headers={"Authorization": "Bearer test-admin-token"}).json()
    assert case["flags"]["wrong_number"] is True


def test_cant_talk_now_asks_for_a_better_time(client):
    chat = Chat(client, cn_case())
    chat.say("我在开会,现在不方便")
    assert not chat.last["ended"]
    final = chat.say("明天下午三点吧")
    assert final["ended"] and final["outcome"] == "callback"
    assert_no_debt_details(chat.agent_texts, DEBT_WORDS_ZH)


def test_dispute_stops_collection(client):
    chat = verified_cn(client)
    final = chat.say("这笔钱我上个月已经还过了,你们搞错了")
    assert final["ended"] and final["outcome"] == "dispute"
    assert "异议" in chat.reply()


def test_en_dispute_stops_collection(client):
    chat = verified_us(client)
    final = chat.say("That's not my debt, I never opened that account")
    assert final["outcome"] == "dispute"


def test_attorney_details_are_captured_and_contact_stops(client):
    chat = verified_us(client)
    chat.say("I have an attorney handling this, talk to my lawyer")
    assert not chat.last["ended"]
    final = chat.say("Jane Roe at Roe & Partners, 555-0199")
    assert final["outcome"] == "attorney"
    case = client.get(f"/v1/cases/{chat.case_id}", headers={"Authorization": "Bearer test-admin-token"}).json()
    assert case["flags"]["attorney"] is True
    assert "Jane Roe" in case["flags"]["attorney_details"]


def test_stop_contacting_me(client):
    chat = verified_cn(client)
    final = chat.say("以后别再联系我了")
    assert final["ended"] and final["outcome"] == "cease"
    case = client.get(f"/v1/cases/{chat.case_id}", headers={"Authorization": "Bearer test-admin-token"}).json()
    assert case["flags"]["cease_written"] is True  # chat is a written request


def test_en_stop_calling_before_verification_reveals_nothing(client):
    chat = Chat(client, us_case())
    final = chat.say("Stop contacting me.")
    assert final["outcome"] == "cease"
    assert_no_debt_details(chat.agent_texts, DEBT_WORDS_EN)


def test_hardship_hands_off_to_a_person(client):
    chat = verified_us(client)
    final = chat.say("I was just diagnosed with cancer and I'm in the hospital")
    assert final["ended"] and final["outcome"] == "handoff"


def test_self_harm_hands_off_to_a_person(client):
    chat = verified_cn(client)
    final = chat.say("我真的活不下去了")
    assert final["outcome"] == "handoff"
    assert "120" in chat.reply() or "110" in chat.reply()


def test_robot_question_is_answered_truthfully_and_the_script_continues(client):
    chat = Chat(client, cn_case())
    chat.say("是我")
    reply = chat.say("你是机器人吗?")
    assert load_script("zh-CN")["notices"]["ai_disclosure"] in chat.reply()
    assert reply["stage"] == "verification" and not reply["ended"]
    chat.say("1234")
    assert chat.stage == "disclosure"


def test_en_robot_question(client):
    chat = verified_us(client)
    chat.say("Wait, am I talking to a real person or a bot?")
    assert load_script("en-US")["notices"]["ai_disclosure"] in chat.reply()
    assert not chat.last["ended"]


def test_can_not_talk_right_now_still_asks_for_a_better_time(client):
    chat = Chat(client, us_case())
    chat.say("I'm at work, I can't talk right now")
    assert not chat.last["ended"] and chat.agent_steps()[-1] == "callback.ask_time"
    final = chat.say("Tomorrow after 6pm")
    assert final["outcome"] == "callback"
