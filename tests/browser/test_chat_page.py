"""The borrower's chat page, driven in a real headless Chromium against the live app."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

MAX_LENGTH = 2000


def agent_texts(page: Page) -> list[str]:
    return page.locator(".message.agent .bubble").all_inner_texts()


def say(page: Page, text: str) -> list[str]:
    """Types a line and presses Enter, as a borrower would; returns the agent's new replies."""
    before = len(agent_texts(page))
    page.locator("#message-input").fill(text)
    page.locator("#message-input").press("Enter")
    expect(page.locator(".message.borrower .bubble").last).to_have_text(text)
    page.wait_for_function(
        "n => document.querySelectorAll('.message.agent').length > n", arg=before
    )
    expect(page.locator("#typing-indicator")).to_be_hidden()
    expect(page.locator(".message.borrower.pending")).to_have_count(0)
    return agent_texts(page)[before:]


def without_grouping(text: str) -> str:
    """Amounts without thousands separators, however the locale groups them."""
    return text.replace(",", "")


def stage(page: Page) -> str:
    return page.locator("#chat").get_attribute("data-stage")


def test_zh_cn_conversation_on_a_phone(live_server, open_chat, screenshot):
    conversation = live_server.start_conversation("zh-CN")
    page = open_chat(conversation)

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#message-input")).to_have_attribute("placeholder", "输入消息…")
    expect(page.get_by_label("输入消息")).to_be_visible()
    expect(page.get_by_role("button", name="发送")).to_be_visible()
    greeting = agent_texts(page)
    assert len(greeting) >= 1 and conversation.case["debtor"]["name"] in greeting[0]
    assert stage(page) == "greeting"
    screenshot(page, "zh-phone-greeting")

    say(page, "是我")
    assert stage(page) == "verification"

    disclosed = say(page, "1234")
    assert stage(page) == "disclosure"
    assert any("3200.00" in without_grouping(line) for line in disclosed), disclosed
    screenshot(page, "zh-phone-disclosure")

    read_back = say(page, "我下周五还1500")
    assert stage(page) == "confirmation"
    assert any("1500.00" in without_grouping(line) for line in read_back), read_back
    say(page, "对")
    expect(page.locator("#ended-banner")).to_be_visible()
    expect(page.locator("#message-input")).to_be_disabled()
    expect(page.locator("#send-button")).to_be_disabled()
    assert stage(page) == "ended"
    assert "promise_to_pay" not in page.locator("body").inner_text(), "outcome codes are not for the borrower"
    screenshot(page, "zh-phone-ended")


def test_an_over_long_message_is_refused_readably_and_kept(live_server, open_chat, screenshot):
    conversation = live_server.start_conversation("zh-CN")
    page = open_chat(conversation)
    box = page.locator("#message-input")
    expect(box).to_have_attribute("maxlength", str(MAX_LENGTH))

    # Browsers cap typing at maxlength; a script (or an old browser) can still put more in.
    too_long = "还" * (MAX_LENGTH + 1)
    box.evaluate(
        "(el, text) => { el.value = text; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        too_long,
    )
    expect(page.locator("#char-count")).to_have_text(f"{MAX_LENGTH + 1} / {MAX_LENGTH}")
    page.locator("#send-button").click()

    error = page.locator("#error-banner")
    expect(error).to_be_visible()
    expect(error).to_contain_text("消息过长")
    expect(error).to_contain_text(str(MAX_LENGTH))
    expect(box).to_have_value(too_long)
    expect(page.locator(".message.borrower")).to_have_count(0)
    assert stage(page) == "greeting"
    screenshot(page, "zh-phone-too-long")

    # Fixing the message clears the way: the conversation carries on.
    page.locator("#error-dismiss").click()
    expect(error).to_be_hidden()
    say(page, "是我")
    assert stage(page) == "verification"


def test_en_us_conversation_on_a_phone_and_desktop(live_server, open_chat, screenshot):
    conversation = live_server.start_conversation("en-US")
    page = open_chat(conversation)

    expect(page.locator("html")).to_have_attribute("lang", "en-US")
    expect(page.get_by_label("Type your message")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    assert conversation.case["debtor"]["name"] in agent_texts(page)[0]

    say(page, "Yes, this is Jordan")
    assert stage(page) == "verification"
    disclosed = say(page, "March 4, 1985")
    assert any("attempt to collect a debt" in line for line in disclosed), disclosed
    screenshot(page, "en-phone-disclosure")

    desktop = open_chat(conversation, device="desktop")
    history = agent_texts(desktop)
    assert history == agent_texts(page), "the server renders the same history on reload"
    expect(desktop.locator(".message.borrower .bubble")).to_have_text(
        ["Yes, this is Jordan", "March 4, 1985"]
    )
    screenshot(desktop, "en-desktop-disclosure")


def test_message_text_is_shown_as_text_never_markup(live_server, open_chat):
    conversation = live_server.start_conversation("en-US")
    page = open_chat(conversation)
    hostile = '<img src=x onerror="window.injected=1"><b>bold</b>'

    say(page, hostile)

    expect(page.locator(".message.borrower .bubble").last).to_have_text(hostile)
    expect(page.locator("#message-log img, #message-log b")).to_have_count(0)
    assert page.evaluate("window.injected") is None

    reloaded = open_chat(conversation)
    expect(reloaded.locator(".message.borrower .bubble").last).to_have_text(hostile)
    expect(reloaded.locator("#message-log img, #message-log b")).to_have_count(0)


def test_shift_enter_breaks_the_line_and_enter_sends(live_server, open_chat):
    conversation = live_server.start_conversation("en-US")
    page = open_chat(conversation)
    box = page.locator("#message-input")

    box.type("Yes")
    box.press("Shift+Enter")
    box.type("it's me")
    expect(box).to_have_value("Yes\nit's me")
    expect(page.locator(".message.borrower")).to_have_count(0)

    box.press("Enter")
    expect(page.locator(".message.borrower .bubble")).to_have_text(["Yes\nit's me"])
    expect(box).to_have_value("")


def test_a_conversation_ended_elsewhere_closes_the_page_politely(live_server, open_chat, screenshot):
    conversation = live_server.start_conversation("en-US")
    page = open_chat(conversation)
    ended = live_server.send_as_borrower(conversation, "Stop contacting me.")
    assert ended.status_code == 200 and ended.json()["ended"], ended.text

    page.locator("#message-input").fill("Hello?")
    page.locator("#message-input").press("Enter")

    expect(page.locator("#ended-banner")).to_be_visible()
    expect(page.locator("#error-banner")).to_be_hidden()
    expect(page.locator(".message.borrower")).to_have_count(0)
    expect(page.locator("#message-input")).to_be_disabled()
    assert ended.json()["outcome"] not in page.locator("body").inner_text(), "outcome codes are not for the borrower"
    screenshot(page, "en-phone-ended-elsewhere")

    reloaded = open_chat(conversation)
    expect(reloaded.locator("#ended-banner")).to_be_visible()
    expect(reloaded.locator("#message-input")).to_be_disabled()
    expect(reloaded.locator("#send-button")).to_be_disabled()


def test_the_page_shows_it_is_sending_until_the_reply_arrives(live_server, open_chat, screenshot):
    conversation = live_server.start_conversation("zh-CN")
    page = open_chat(conversation)
    held = []
    page.route("**/v1/conversations/*/messages", lambda route: held.append(route))

    page.locator("#message-input").fill("是我")
    page.locator("#message-input").press("Enter")

    expect(page.locator("#typing-indicator")).to_be_visible()
    expect(page.locator(".message.borrower.pending .message-status")).to_have_text("正在发送…")
    expect(page.locator("#send-button")).to_be_disabled()
    screenshot(page, "zh-phone-sending")
    assert len(held) == 1
    held[0].continue_()

    expect(page.locator("#typing-indicator")).to_be_hidden()
    expect(page.locator(".message.borrower.pending")).to_have_count(0)
    expect(page.locator(".message.agent")).to_have_count(2)


def test_a_network_failure_keeps_the_message_for_another_try(live_server, open_chat):
    conversation = live_server.start_conversation("en-US")
    page = open_chat(conversation)
    page.route("**/v1/conversations/*/messages", lambda route: route.abort("internetdisconnected"))

    page.locator("#message-input").fill("Yes, this is Jordan")
    page.locator("#message-input").press("Enter")

    expect(page.locator("#error-banner")).to_contain_text("your message was not sent")
    expect(page.locator("#message-input")).to_have_value("Yes, this is Jordan")
    expect(page.locator(".message.borrower")).to_have_count(0)

    page.unroute("**/v1/conversations/*/messages")
    say(page, "Yes, this is Jordan")
    expect(page.locator("#error-banner")).to_be_hidden()
    assert stage(page) == "verification"
