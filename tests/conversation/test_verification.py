"""Right-party verification: failures and refusals never reveal the debt."""
from tests.support import DEBT_WORDS_EN, DEBT_WORDS_ZH, Chat, assert_no_debt_details, cn_case, us_case


def test_wrong_id_digits_three_times_ends_without_debt_details(client):
    chat = Chat(client, cn_case())
    chat.say("是我")
    chat.say("0000")
    assert chat.stage == "verification"
    chat.say("后四位是5678")
    final = chat.say("9999")
    assert final["ended"] and final["outcome"] == "verification_failed"
    assert_no_debt_details(chat.agent_texts, DEBT_WORDS_ZH)


def test_wrong_dob_then_right_zip_verifies(client):
    chat = Chat(client, us_case())
    chat.say("yes")
    chat.say("January 1, 1990")
    assert chat.stage == "verification"
    chat.say("my zip code is 10001")
    assert chat.stage == "disclosure"


def test_refusing_to_verify_ends_without_debt_details(client):
    chat = Chat(client, us_case())
    chat.say("yes")
    chat.say("No, I'm not giving you that")
    final = chat.say("No.")
    assert final["ended"] and final["outcome"] == "verification_failed"
    assert_no_debt_details(chat.agent_texts, DEBT_WORDS_EN)


def test_asking_what_it_is_about_before_verification_reveals_nothing(client):
    chat = Chat(client, us_case())
    chat.say("yes")
    chat.say("What is this about?")
    assert chat.stage == "verification"
    assert_no_debt_details(chat.agent_texts, DEBT_WORDS_EN)


def test_never_confirming_who_they_are_ends_without_debt_details(client):
    chat = Chat(client, us_case())
    for line in ("The weather is lovely today", "I like turtles", "Blue is my favourite colour"):
        if chat.last.get("ended"):
            break
        chat.say(line)
    assert chat.last["ended"] and chat.last["outcome"] == "verification_failed"
    assert_no_debt_details(chat.agent_texts, DEBT_WORDS_EN)
