"""The dashboard: rates defined as documented, events counted every way, charts drawn from them."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from settle.console import charts
from settle.console.dashboard import dashboard_figures, kept_script
from settle.store.repository import ConversationSummary
from tests.console.conversations import hold_sample_conversations
from tests.console.staff import add_staff, staff_client

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.timezone.utc)


def summary(stages: str, blocked: int = 0) -> ConversationSummary:
    return ConversationSummary("c", NOW, "zh-CN", "cn", None, True, tuple(stages.split()), blocked)


@pytest.mark.parametrize(
    "stages,blocked,kept",
    [
        ("greeting verification disclosure negotiation commitment confirmation closing", 0, True),
        ("greeting closing", 0, True),  # a wrong number ends early: skipping is fine
        ("greeting verification disclosure commitment negotiation confirmation closing", 0, True),  # objection after an offer
        ("greeting verification disclosure confirmation commitment closing", 0, True),  # a correction after the read-back
        ("greeting verification disclosure confirmation negotiation closing", 0, True),  # straight to the read-back, then an objection
        ("greeting disclosure verification", 0, False),  # the debt before the identity check
        ("greeting verification disclosure closing negotiation", 0, False),  # collecting after the close
        ("greeting verification negotiation disclosure", 0, False),
        ("greeting verification disclosure negotiation", 1, False),  # a blocked draft
    ],
)
def test_kept_script(stages, blocked, kept):
    assert kept_script(summary(stages, blocked)) is kept


@pytest.fixture
def sample(make_client, db_url):
    client = make_client(db_url)
    add_staff(client.app.state.services.store)
    return client, hold_sample_conversations(client)


def test_figures_over_the_sample(sample):
    client, _ = sample
    store = client.app.state.services.store
    today = dt.datetime.now(dt.timezone.utc).date()
    figures = dashboard_figures(store, today - dt.timedelta(days=6), today)

    assert figures.conversations == 4
    # verified: the promise, the ongoing and the blocked one; the cease came at the greeting
    assert (figures.right_party.part, figures.right_party.whole) == (3, 4)
    assert (figures.promise_to_pay.part, figures.promise_to_pay.whole) == (1, 3)
    # the blocked draft breaks the script; the others kept it
    assert (figures.kept_script.part, figures.kept_script.whole) == (3, 4)
    assert len(figures.per_day) == 7 and figures.per_day[-1] == (today, 3, 1)
    assert dict(figures.outcomes) == {"ongoing": 2, "promise_to_pay": 1, "cease": 1}

    categories = {category: (blocked, flagged) for category, blocked, flagged in figures.events_by_category}
    assert categories["impersonation"][0] >= 1 and categories["cease"][1] == 1
    total = figures.guardrail_events
    assert total == sum(b + f for _, b, f in figures.events_by_day) == sum(b + f for _, b, f in figures.events_by_locale)
    by_locale = {locale: blocked for locale, blocked, _ in figures.events_by_locale}
    assert by_locale["zh-CN"] == 0 and by_locale["en-US"] >= 1

    only_zh = dashboard_figures(store, today, today, locale="zh-CN")
    assert only_zh.conversations == 2 and only_zh.guardrail_events == sum(f for _, _, f in only_zh.events_by_category)
    earlier = dashboard_figures(store, today - dt.timedelta(days=30), today - dt.timedelta(days=1))
    assert earlier.conversations == 0 and earlier.right_party.value is None


def test_the_page_draws_the_figures(sample):
    client, _ = sample
    page = staff_client(client, "alice").get("/console/dashboard")
    assert page.status_code == 200
    assert re.search(r'id="kpi-right_party".*?data-part="3" data-whole="4"', page.text, re.DOTALL)
    assert re.search(r'id="kpi-promise_to_pay".*?data-part="1" data-whole="3"', page.text, re.DOTALL)
    assert page.text.count('<svg class="chart') >= 8
    assert "Impersonation" in page.text and ">75%<" in page.text


@pytest.mark.parametrize("params", [{"from": "2026-01-01", "to": "2027-06-01"}, {"to": "yesterday"}, {"locale": "de-DE"}])
def test_bad_ranges_are_refused_readably(sample, params):
    client, _ = sample
    response = staff_client(client, "alice").get("/console/dashboard", params=params)
    assert response.status_code == 400 and 'id="error-message"' in response.text


def test_axis_steps_are_round():
    assert [charts.nice_ceiling(v) for v in (0, 0.3, 1, 1.2, 3, 7, 12, 51)] == [1.0, 0.5, 1, 2, 5, 10, 20, 100]


def test_bars_are_proportional_and_labels_are_escaped():
    svg = charts.horizontal_bars([("<b>a</b>", (30, 10)), ("b", (20, 0))], (charts.Series("x", "series-0"), charts.Series("y", "series-1")), "t")
    widths = [float(w) for w in re.findall(r'<rect class="series-\d" x="[\d.]+" y="\d+" width="([\d.]+)"', str(svg))]
    assert len(widths) == 3 and widths[0] == pytest.approx(3 * widths[1]) and widths[2] == pytest.approx(2 * widths[1])
    assert "<b>a</b>" not in svg and "&lt;b&gt;a&lt;/b&gt;" in svg


def test_columns_stack_and_an_empty_gauge_says_so():
    svg = str(charts.columns([("11-23", (1, 2)), ("11-24", (0, 0))], (charts.Series("x", "series-0"), charts.Series("y", "series-1")), "t"))
    heights = [float(h) for h in re.findall(r'height="([\d.]+)" rx', svg)]
    assert len(heights) == 2 and heights[1] == pytest.approx(2 * heights[0])
    assert ">–<" in str(charts.gauge(None, "rate")) and ">50%<" in str(charts.gauge(0.5, "rate"))
