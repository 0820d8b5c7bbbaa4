"""A whole compliant conversation, greeting to promise, in each locale."""
from tests.support import Chat, cn_case, us_case

from settle.prompts import load_script

SCRIPT_ORDER = ["greeting", "verification", "disclosure", "negotiation", "commitment", "confirmation", "closing", "ended"]


def assert_in_script_order(stages: list[str]) -> None:
    positions = [SCRIPT_ORDER.index(s) for s in stages]
    assert positions == sorted(positions), stages


def test_zh_cn_conversation_reaches_a_promise(client):
    chat = Chat(client, cn_case())
    greeting = chat.agent_texts[0]
    assert "小安" in greeting and "安心消费金融" in greeting and "张伟" in greeting
    assert load_script("zh-CN")["notices"]["ai_disclosure"] in greeting
    assert chat.stage == "greeting"

    chat.say("对,我是张伟")
    assert chat.stage == "verification"
    assert "后四位" in chat.reply()
    # nothing about the debt before the right party is verified
    assert not any(word in " ".join(chat.agent_texts) for word in ("3,200", "逾期", "欠"))

    chat.say("1234")
    assert chat.stage == "disclosure"
    disclosure = chat.reply()
    assert "3,200.00元" in disclosure and "逾期12天" in disclosure
    assert load_script("zh-CN")["notices"]["recording"] in disclosure

    chat.say("今天还不了,这个月工资还没发")
    assert chat.stage == "negotiation"

    chat.say("下周五先还1500")
    assert chat.stage == "confirmation"
    read_back = chat.reply()
    assert "1,500.00元" in read_back and "2026年12月4日" in read_back and "安心金融App" in read_back
    assert "个人账户" in read_back  # never a private account

    final = chat.say("对的,没问题")
    assert final["ended"] is True and final["stage"] == "ended"
    assert final["outcome"] == "promise_to_pay"
    assert final["commitment"] == {"amount": "1500.00", "currency": "CNY", "date": "2026-12-04", "channel": "安心金融App"}
    assert_in_script_order(chat.stages)

    transcript = chat.transcript()
    assert transcript["outcome"] == "promise_to_pay"
    assert transcript["commitment"]["amount"] == "1500.00"
    borrower = [t for t in transcript["turns"] if t["speaker"] == "borrower"]
    assert [t["intent"] for t in borrower][:2] == ["affirm", "identity_answer"]
    assert borrower[2]["intent"] == "objection_waiting_salary"
    assert borrower[3]["slots"] == {"amount": "1500.00", "date": "2026-12-04"}
    assert all(t["latency_ms"] is not None for t in transcript["turns"][1:] if t["speaker"] == "agent")


def test_en_us_conversation_reaches_a_promise(client):
    chat = Chat(client, us_case())
    assert "Sam" in chat.agent_texts[0] and "Jordan Miller" in chat.agent_texts[0]
    assert load_script("en-US")["notices"]["ai_disclosure"] in chat.agent_texts[0]

    chat.say("Yes, this is Jordan.")
    assert chat.stage == "verification"
    assert "date of birth" in chat.reply()

    chat.say("April 12, 1988")
    assert chat.stage == "disclosure"
    disclosure = chat.reply()
    assert load_script("en-US")["notices"]["debt_collector"] in disclosure
    assert "$1,250.00" in disclosure and "9 days past due" in disclosure

    chat.say("I can't pay it all today, I'm waiting for my paycheck")
    assert chat.stage == "negotiation"

    chat.say("I can pay $500 next Friday")
    assert chat.stage == "confirmation"
    assert "$500.00" in chat.reply() and "December 4, 2026" in chat.reply()

    final = chat.say("Yes, that's right")
    assert final["outcome"] == "promise_to_pay"
    assert final["commitment"] == {"amount": "500.00", "currency": "USD", "date": "2026-12-04", "channel": "the Harbor online portal"}
    assert_in_script_order(chat.stages)


def test_yes_to_paying_today_is_a_full_payment_today(client):
    chat = Chat(client, us_case())
    chat.say("yes")
    chat.say("my zip is 10001")
    chat.say("Yes, I can pay it today")
    assert chat.stage == "confirmation"
    final = chat.say("correct")
    assert final["commitment"]["amount"] == "1250.00" and final["commitment"]["date"] == "2026-11-24"


def test_correction_at_confirmation_reads_back_again(client):
    chat = Chat(client, cn_case())
    chat.say("是的")
    chat.say("1234")
    chat.say("明天还一千")
    assert chat.stage == "confirmation"
    chat.say("不对,是两千")
    assert chat.stage == "confirmation"
    assert "2,000.00元" in chat.reply()
    final = chat.say("对")
    assert final["commitment"]["amount"] == "2000.00" and final["commitment"]["date"] == "2026-11-25"
