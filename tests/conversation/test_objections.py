"""Each objection of the catalogue gets its own reply and keeps the negotiation going."""
import pytest
from tests.support import verified_cn, verified_us

ZH_OBJECTIONS = {
    "objection_busy": "我最近太忙了,没时间弄这个",
    "objection_card_failure": "我的银行卡被ATM吞了,还不了",
    "objection_third_party_pays": "这笔钱我朋友说他帮我还",
    "objection_waiting_salary": "等我发了工资再还",
    "objection_next_month": "这个月资金紧张,下个月一起还吧",
    "objection_emergency": "家里有人生病住院,急用钱",
    "objection_lent_to_friend": "这钱是帮朋友借的,他不还我也没办法",
    "objection_travelling": "我在外地出差,回去再说",
    "objection_unemployed": "我失业了,现在一分钱都没有",
    "objection_multiple_debts": "我欠了好几个平台的钱,实在还不过来",
}

EN_OBJECTIONS = {
    "objection_busy": "I'm really busy at the moment, I don't have time for this",
    "objection_card_failure": "my card got declined when I tried to pay",
    "objection_third_party_pays": "my brother said he would pay it for me",
    "objection_waiting_salary": "I'm waiting for my paycheck",
    "objection_next_month": "money is tight this month, I'll pay it all next month",
    "objection_emergency": "my mom is in the hospital and I had to pay her bills",
    "objection_lent_to_friend": "I lent that money to a friend and he never paid me back",
    "objection_travelling": "I'm travelling for work right now",
    "objection_unemployed": "I lost my job and I have no income",
    "objection_multiple_debts": "I have several other debts I'm behind on too",
}


@pytest.mark.parametrize("intent,text", ZH_OBJECTIONS.items(), ids=ZH_OBJECTIONS.keys())
def test_zh_objection_gets_its_reply(client, intent, text):
    chat = verified_cn(client)
    chat.say(text)
    assert chat.stage == "negotiation"
    turns = chat.transcript()["turns"]
    assert turns[-2]["intent"] == intent
    assert turns[-1]["step"] == f"objection.{intent}"
    assert not chat.last["ended"]


@pytest.mark.parametrize("intent,text", EN_OBJECTIONS.items(), ids=EN_OBJECTIONS.keys())
def test_en_objection_gets_its_reply(client, intent, text):
    chat = verified_us(client)
    chat.say(text)
    assert chat.stage == "negotiation"
    turns = chat.transcript()["turns"]
    assert turns[-2]["intent"] == intent
    assert turns[-1]["step"] == f"objection.{intent}"


def test_refusing_twice_closes_as_refused(client):
    chat = verified_cn(client)
    chat.say("我就是不还,你们爱怎么样怎么样")
    assert chat.stage == "negotiation" and not chat.last["ended"]
    final = chat.say("说了不还就是不还")
    assert final["ended"] and final["outcome"] == "refused"


def test_vague_promise_is_pressed_for_a_date(client):
    chat = verified_cn(client)
    chat.say("过几天就还")
    assert chat.stage == "commitment"
    assert chat.agent_steps()[-1] == "commitment.press_date"
    chat.say("11月30号还两千")
    assert chat.stage == "confirmation"
    assert "2026年11月30日" in chat.reply()


def test_en_vague_promise_is_pressed_for_a_date(client):
    chat = verified_us(client)
    chat.say("I'll pay soon")
    assert chat.agent_steps()[-1] == "commitment.press_date"
    chat.say("I'll pay 300 on December 1")
    assert chat.stage == "confirmation"


def test_amount_below_minimum_is_refused(client):
    chat = verified_cn(client)
    chat.say("明天先还一百")
    assert chat.agent_steps()[-1] == "commitment.below_minimum"
    assert "500.00元" in chat.reply()
    chat.say("那就还五百")
    assert chat.stage == "confirmation"


def test_date_beyond_the_horizon_gets_a_no(client):
    chat = verified_us(client)
    chat.say("I can pay 400 on January 20")
    assert chat.agent_steps()[-1] == "commitment.date_too_late"
    assert chat.stage == "commitment"


def test_negotiation_is_bounded(client):
    chat = verified_cn(client)
    for _ in range(10):
        if chat.last.get("ended"):
            break
        chat.say("我最近太忙了")
    assert chat.last["ended"] and chat.last["outcome"] == "no_commitment"


def test_payday_salary_promise_uses_the_case_payday(client):
    chat = verified_cn(client, payday=28)
    chat.say("发工资那天还一千")
    assert chat.stage == "confirmation"
    assert "2026年11月28日" in chat.reply()
