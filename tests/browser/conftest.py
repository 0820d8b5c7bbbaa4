"""A live Settle server and a real headless Chromium for the browser tests.

The app runs in-process under uvicorn on a free loopback port against a fresh SQLite
database, so the page is exercised through the real HTTP stack, engine and store.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from settle.eval.live_server import served
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_TOKEN = "test-admin"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# how long a page waits for an element or a reply; a turn is milliseconds, but CI machines get busy
PAGE_WAIT_MS = 30_000

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}

DUE_DATE = (dt.date.today() - dt.timedelta(days=12)).isoformat()  # 6–20 days past due: firmer tone

# One case per locale, shaped like the demo cases `settle seed-demo` files.
DEMO_CASES = {
    "zh-CN": {
        "external_ref": "BROWSER-ZH-1",
        "policy": "cn",
        "creditor": "星辰消费金融",
        "agent_name": "小安",
        "debtor": {
            "name": "张伟",
            "phone": "+8613800138000",
            "locale": "zh-CN",
            "timezone": "Asia/Shanghai",
            "verification": {"id_last4": "1234"},
        },
        "amount_due": "3200.00",
        "currency": "CNY",
        "due_date": DUE_DATE,
        "min_payment": "500.00",
        "payday": 15,
        "payment_channels": ["星辰金融App“我的借款”页面", "官方对公账户"],
    },
    "en-US": {
        "external_ref": "BROWSER-EN-1",
        "policy": "us-regf",
        "creditor": "Northwind Credit",
        "agent_name": "Sam",
        "debtor": {
            "name": "Jordan Smith",
            "phone": "+15555550123",
            "locale": "en-US",
            "timezone": "America/Chicago",
            "verification": {"dob": "1985-03-04", "zip": "60601"},
        },
        "amount_due": "1850.00",
        "currency": "USD",
        "due_date": DUE_DATE,
        "min_payment": "200.00",
        "payday": 1,
        "payment_channels": ["the Northwind Credit website", "the official payment line"],
    },
}


@dataclass(frozen=True)
class Conversation:
    case: dict
    id: str
    token: str
    chat_url: str


@dataclass(frozen=True)
class LiveServer:
    base_url: str

    def start_conversation(self, locale: str) -> Conversation:
        """Files the locale's demo case as staff and opens an inbound chat conversation for it."""
        template = DEMO_CASES[locale]
        case = dict(template, external_ref=f"{template['external_ref']}-{uuid.uuid4().hex[:8]}")
        staff = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        with httpx.Client(base_url=self.base_url, headers=staff, timeout=30) as client:
            created = client.post("/v1/cases", json=case)
            assert created.status_code == 201, created.text
            opened = client.post(
                "/v1/conversations",
                json={"case_id": created.json()["id"], "channel": "chat", "direction": "inbound"},
            )
            assert opened.status_code == 201, opened.text
        body = opened.json()
        return Conversation(case, body["id"], body["token"], f"{self.base_url}/chat/{body['token']}")

    def send_as_borrower(self, conversation: Conversation, text: str) -> httpx.Response:
        """Sends a message outside the page, as another tab or device would."""
        return httpx.post(
            f"{self.base_url}/v1/conversations/{conversation.id}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {conversation.token}"},
            timeout=30,
        )


@contextmanager
def serving(app) -> Iterator[LiveServer]:
    """`app` under uvicorn on a free loopback port, for as long as the block runs."""
    with served(app) as url:
        yield LiveServer(url)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from settle.api.app import create_app
    from settle.config import Settings

    database = tmp_path_factory.mktemp("browser-db") / "settle.db"
    # the deterministic engine, whatever SETTLE_LLM says in this shell
    with serving(create_app(Settings(database_url=f"sqlite:///{database}", admin_token=ADMIN_TOKEN, llm="none",
                                       voice=False))) as live:
        yield live


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skips before any fixture starts the app, so a machine without Chromium wastes nothing."""
    if item.get_closest_marker("browser") and not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent; install Debian's chromium package (make test does)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=PAGE_WAIT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageWatch:
    """Collects what a page must never do: throw, log errors, or reach beyond the app."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("console", self._on_console)
        page.on("request", lambda request: self._on_request(request.url, base_url))
        page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        # Rejected messages (4xx) are logged by Chromium as failed resources; those are expected.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(f"console: {message.text}")

    def _on_request(self, url: str, base_url: str) -> None:
        if not url.startswith(base_url):
            self.problems.append(f"external request: {url}")

    def _on_response(self, response: Response) -> None:
        # The page itself and its assets must load; API rejections are the tests' business.
        if response.status >= 400 and "/v1/" not in response.url:
            self.problems.append(f"HTTP {response.status}: {response.url}")


DEVICES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def open_chat(browser: Browser):
    """Opens a conversation's chat link in a fresh browser context on a phone or desktop screen."""
    opened = []

    def open_(conversation: Conversation, device: str = "phone") -> Page:
        context = browser.new_context(**DEVICES[device])
        page = context.new_page()
        page.set_default_timeout(PAGE_WAIT_MS)
        origin = conversation.chat_url.split("/chat/", 1)[0]  # the server that opened it
        opened.append((context, PageWatch(page, origin)))
        page.goto(conversation.chat_url)
        return page

    yield open_
    for context, watch in opened:
        context.close()
        assert not watch.problems, watch.problems


@pytest.fixture
def screenshot():
    """Saves what the screen shows under artifacts/screenshots/, for a human to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return take
