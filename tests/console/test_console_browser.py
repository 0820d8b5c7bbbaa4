"""The review console in a real headless Chromium against the live app: sign in, filter, open a
transcript with a blocked draft, set a review status. Screenshots go to artifacts/screenshots/console-*.png."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, Response, expect, sync_playwright

from settle.api.app import create_app
from settle.eval.live_server import served
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_WAIT_MS,
    SCREENSHOTS,
    PageWatch,
)
from tests.console.conversations import BAD_DRAFT_EN, Sample, hold_sample_conversations
from tests.console.staff import PASSWORD, add_staff
from tests.support import make_services

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent; make test installs it")]

DESKTOP = {"viewport": {"width": 1440, "height": 900}, "device_scale_factor": 1}
QA_RUN_WAIT_MS = 300_000  # the shipped verification suite, in-process on a 2-core machine


@dataclass(frozen=True)
class Console:
    base_url: str
    sample: Sample


@pytest.fixture(scope="module")
def live_console(nlu, guard, rails, tmp_path_factory) -> Iterator[Console]:
    """The app under uvicorn on a free port, with staff accounts and the sample conversations held through the API."""
    database = tmp_path_factory.mktemp("console-db") / "settle.db"
    services = make_services(f"sqlite:///{database}", nlu, guard, rails)
    app = create_app(services.settings, services)
    with served(app) as base_url:
        add_staff(services.store)
        sample = hold_sample_conversations(TestClient(app))
        yield Console(base_url, sample)
    services.close()


class ConsoleWatch(PageWatch):
    """As for the chat page, except that a refused sign-in is meant to answer 401."""

    def _on_response(self, response: Response) -> None:
        if not (response.status == 401 and response.url.endswith("/console/sign-in")):
            super()._on_response(response)


OpenPage = Callable[..., Page]


@pytest.fixture
def chromium(live_console: Console) -> Callable[[Callable[[OpenPage], None]], None]:
    """Runs a test's browser steps, `steps(open_page)`, in a thread with a Playwright and Chromium of their own.

    The sync Playwright API allows one Playwright per thread, and tests/browser keeps its
    own open for the whole session; a thread of our own keeps the two apart. Pages must
    not throw, log errors or reach beyond the app (PageWatch).
    """

    def run(steps: Callable[[OpenPage], None]) -> None:
        failures: list[BaseException] = []

        def in_thread() -> None:
            try:
                expect.set_options(timeout=PAGE_WAIT_MS)
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                    watches: list[ConsoleWatch] = []

                    def open_page(path: str, locale: str = "en-US") -> Page:
                        page = browser.new_context(**DESKTOP, locale=locale).new_page()
                        page.set_default_timeout(PAGE_WAIT_MS)
                        watches.append(ConsoleWatch(page, live_console.base_url))
                        page.goto(live_console.base_url + path)
                        return page

                    try:
                        steps(open_page)
                    finally:
                        browser.close()
                    problems = [problem for watch in watches for problem in watch.problems]
                    assert not problems, problems
            except BaseException as exc:  # handed to the test's own thread below
                failures.append(exc)

        thread = threading.Thread(target=in_thread, name="settle-console-chromium")
        thread.start()
        thread.join()
        if failures:
            raise failures[0]

    return run


def shoot(page: Page, name: str, full_page: bool = True) -> None:
    """Saves the page from its top (a form's #review anchor may have scrolled it) for a human to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"), full_page=full_page)


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_collector_signs_in_filters_and_reviews_a_blocked_draft(live_console, chromium):
    def steps(open_page: OpenPage) -> None:
        sample = live_console.sample
        page = open_page("/console")
        expect(page).to_have_url(f"{live_console.base_url}/console/sign-in?next=%2Fconsole%2Fconversations")
        shoot(page, "sign-in", full_page=False)

        sign_in(page, "alice", "not my password")
        expect(page.locator("#sign-in-error")).to_have_text("Wrong username or password.")
        expect(page.get_by_label("Username")).to_have_value("alice")
        sign_in(page, "alice")
        expect(page).to_have_url(f"{live_console.base_url}/console/conversations")
        expect(page.locator("#signed-in-user")).to_have_text("alice")
        expect(page.locator("#conversation-table tbody tr")).to_have_count(4)
        shoot(page, "conversations")

        page.locator("#filter-locale").select_option("en-US")
        page.locator("#filter-guardrail").select_option("output")
        page.locator("#apply-filters").click()
        rows = page.locator("#conversation-table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-conversation", sample.blocked_en.id)
        expect(page.locator("#filter-guardrail")).to_have_value("output")
        shoot(page, "conversations-filtered")

        rows.first.locator("a.case-link").click()
        expect(page).to_have_url(f"{live_console.base_url}/console/conversations/{sample.blocked_en.id}")
        blocked = page.locator("article.turn.blocked")
        expect(blocked).to_have_count(1)
        expect(blocked.locator(".blocked-text")).to_have_text(BAD_DRAFT_EN)
        expect(blocked.locator(".blocked-text mark").first).to_be_visible()
        expect(blocked.locator(".chip-output").first).to_contain_text("Impersonation")
        sent = blocked.locator(".sent-text")
        expect(sent).to_be_visible()
        assert "sheriff" not in sent.inner_text().lower()
        expect(page.locator(".stage-marker[data-stage=negotiation]")).to_be_visible()
        expect(page.locator("#redaction-notice")).to_be_visible()
        shoot(page, "transcript")

        page.locator("#review-status").select_option("escalated")
        page.locator("#save-status").click()
        expect(page.locator("#flash")).to_have_text("Review status saved.")
        expect(page.locator("#review-status")).to_have_value("escalated")
        expect(page.locator(".head-badges .review-escalated")).to_be_visible()
        expect(page.locator('#history li[data-action="review.status"]')).to_contain_text("Escalated")
        page.locator("#tag-input").fill("guard_false_positive")
        page.locator("#tag-form button").click()
        expect(page.locator('#tags li[data-tag="guard_false_positive"]')).to_be_visible()
        page.locator("#note-body").fill("The sheriff line came from the phraser; the guard caught it. Check the prompt.")
        page.locator("#add-note").click()
        expect(page.locator("#notes li")).to_have_count(1)
        shoot(page, "transcript-reviewed")

        page.locator('a[data-nav="conversations"]').click()
        page.locator("#filter-review").select_option("escalated")
        page.locator("#apply-filters").click()
        expect(page.locator("#conversation-table tbody tr")).to_have_count(1)

    chromium(steps)


def test_queue_dashboard_and_qa_pages(live_console, chromium):
    def steps(open_page: OpenPage) -> None:
        page = open_page("/console/queue")
        sign_in(page, "ada")
        expect(page).to_have_url(f"{live_console.base_url}/console/queue")
        queued = page.locator("#queue-table tbody tr")
        expect(queued).to_have_count(1)
        expect(queued.first).to_have_attribute("data-conversation", live_console.sample.cease_en.id)
        shoot(page, "queue")
        queued.first.locator("button.take").click()
        expect(page.locator("#flash")).to_have_text("You took this conversation.")

        page.locator('a[data-nav="dashboard"]').click()
        expect(page.locator("#kpi-conversations .kpi-number")).to_have_text("4")
        expect(page.locator("#kpi-right_party .kpi-fraction")).to_have_text("3 of 4")
        expect(page.locator("#chart-by-category svg rect").first).to_be_visible()
        shoot(page, "dashboard")

        page.locator('a[data-nav="qa"]').click()
        expect(page.locator("h1")).to_have_text("QA runs")
        page.locator('input[name="suite"][value="verification"]').check()
        page.locator("#start-run-button").click()
        expect(page.locator("#flash")).to_have_text("QA run started.")
        expect(page.locator("#run-status .badge")).not_to_have_text("Running", timeout=QA_RUN_WAIT_MS)  # the page refreshes itself
        expect(page.locator("#run-tally")).to_be_visible()
        shoot(page, "qa-run")
        with page.context.expect_page() as opened:
            page.locator("#html-report").click()
        report = opened.value
        report.wait_for_load_state()
        assert "verification" in report.content()
        page.locator("nav.crumbs a").first.click()
        expect(page.locator("#runs-table tbody tr")).to_have_count(1)
        shoot(page, "qa", full_page=False)

    chromium(steps)


def test_the_console_in_chinese(live_console, chromium):
    def steps(open_page: OpenPage) -> None:
        page = open_page(f"/console/conversations/{live_console.sample.ongoing_zh.id}", locale="zh-CN")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        page.get_by_label("用户名").fill("alice")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.locator("h1")).to_contain_text("ZH-ONGOING-1")
        expect(page.locator("#redaction-notice")).to_contain_text("脱敏")
        expect(page.locator("#case-phone")).not_to_contain_text("13800138000")
        shoot(page, "transcript-zh")
        page.get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en-US")
        expect(page.locator('a[data-nav="queue"]')).to_have_text("Hand-off queue")

    chromium(steps)
