"""The dashboard: headline rates and what the guard caught, as charts."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from settle.console import charts
from settle.console.auth import Staff
from settle.console.dashboard import DEFAULT_DAYS, MAX_DAYS, dashboard_figures
from settle.console.filters import choice, date_range, policies
from settle.console.web import (
    PREFIX,
    ConsoleRoute,
    PageError,
    current_staff,
    now,
    render,
    services,
    translator,
)
from settle.prompts import LOCALES

router = APIRouter(prefix=f"{PREFIX}/dashboard", route_class=ConsoleRoute, include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, staff: Staff = Depends(current_staff)) -> Response:
    params = request.query_params
    form = {name: params.get(name, "").strip() for name in ("from", "to", "locale", "policy")}
    first, last = date_range(form["from"], form["to"])
    last = last or now().date()
    first = first or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if (last - first).days + 1 > MAX_DAYS:
        raise PageError(400, "Choose at most {most} days.", most=MAX_DAYS)
    locale, policy = choice(form["locale"], LOCALES, "locale"), choice(form["policy"], policies(), "policy")
    figures = dashboard_figures(services(request).store, first, last, locale, policy)
    _ = translator(request)
    guard_series = (charts.Series(_("Blocked drafts"), "series-0"), charts.Series(_("Input-rail findings"), "series-1"))
    contact_series = (charts.Series(_("Right-party contacts"), "series-2"), charts.Series(_("Other conversations"), "series-3"))
    day = _day_label
    return render(
        request,
        "dashboard.html",
        {
            "figures": figures,
            "form": {**form, "from": first.isoformat(), "to": last.isoformat()},
            "choices": {"locale": LOCALES, "policy": policies()},
            "guard_series": guard_series,
            "contact_series": contact_series,
            "charts": {
                "right_party": charts.gauge(figures.right_party.value, _("Right-party contact rate")),
                "promise_to_pay": charts.gauge(figures.promise_to_pay.value, _("Promise-to-pay rate")),
                "kept_script": charts.gauge(figures.kept_script.value, _("Kept-script rate")),
                "volume_trend": charts.sparkline([a + b for _d, a, b in figures.per_day], _("Conversations per day")),
                "per_day": charts.columns([(day(d), (a, b)) for d, a, b in figures.per_day], contact_series, _("Conversations per day")),
                "outcomes": charts.horizontal_bars(
                    [(_.label("outcome", code), (count,)) for code, count in figures.outcomes],
                    (charts.Series(_("Conversations"), "series-2"),),
                    _("Outcomes"),
                ),
                "by_category": charts.horizontal_bars(
                    [(_.label("category", code), (blocked, flagged)) for code, blocked, flagged in figures.events_by_category],
                    guard_series,
                    _("Guardrail events by category"),
                ),
                "by_day": charts.columns(
                    [(day(d), (blocked, flagged)) for d, blocked, flagged in figures.events_by_day], guard_series, _("Guardrail events by day")
                ),
                "by_locale": charts.horizontal_bars(
                    [(_.label("locale", code), (blocked, flagged)) for code, blocked, flagged in figures.events_by_locale],
                    guard_series,
                    _("Guardrail events by locale"),
                ),
            },
        },
        staff,
    )


def _day_label(day: dt.date) -> str:
    return f"{day.month:02d}-{day.day:02d}"
