"""Reading the console's filter forms (GET query strings) into store queries, refusing nonsense readably."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from settle.agent.types import Outcome, Stage
from settle.console.web import PageError
from settle.prompts import LOCALES, load_flow
from settle.store.repository import (
    GUARDRAIL_FILTERS,
    ONGOING,
    REVIEW_STATUSES,
    ConversationQuery,
)

PER_PAGE = 25
MAX_PAGE = 10_000
FILTER_FIELDS = ("from", "to", "locale", "policy", "channel", "outcome", "stage", "guardrail", "review", "ref")
OUTCOME_CHOICES = (ONGOING, *(outcome.value for outcome in Outcome))
STAGE_CHOICES = tuple(stage.value for stage in Stage)


def policies() -> tuple[str, ...]:
    return tuple(load_flow()["notices_by_policy"])


@dataclass(frozen=True)
class ConversationFilters:
    query: ConversationQuery
    form: dict[str, str]  # what the staff member entered, to fill the form again

    @property
    def active(self) -> int:
        return sum(1 for value in self.form.values() if value)


def conversation_filters(params: Mapping[str, str], channels: tuple[str, ...]) -> ConversationFilters:
    form = {name: params.get(name, "").strip() for name in FILTER_FIELDS}
    first, last = date_range(form["from"], form["to"])
    return ConversationFilters(
        ConversationQuery(
            started_from=_start_of(first),
            started_before=_start_of(last + dt.timedelta(days=1)) if last else None,
            locale=choice(form["locale"], LOCALES, "locale"),
            policy=choice(form["policy"], policies(), "policy"),
            channel=choice(form["channel"], channels, "channel"),
            outcome=choice(form["outcome"], OUTCOME_CHOICES, "outcome"),
            stage_reached=choice(form["stage"], STAGE_CHOICES, "stage"),
            guardrail=choice(form["guardrail"], GUARDRAIL_FILTERS, "guardrail"),
            review_status=choice(form["review"], REVIEW_STATUSES, "review"),
            case_ref=form["ref"][:100] or None,
            page=page_number(params.get("page")),
            per_page=PER_PAGE,
        ),
        form,
    )


def choice(value: str, allowed: tuple[str, ...], field: str) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise PageError(400, "Unknown value for {field}: {value}", field=field, value=value[:40])
    return value


def date_range(first: str, last: str) -> tuple[dt.date | None, dt.date | None]:
    start, end = parse_date(first, "from"), parse_date(last, "to")
    if start and end and end < start:
        raise PageError(400, "The end date is before the start date.")
    return start, end


def parse_date(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PageError(400, "{field} must be a date like 2026-11-24.", field=field) from None


def page_number(value: str | None) -> int:
    if not value:
        return 1
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise PageError(400, "page must be a whole number from 1 to {most}.", most=MAX_PAGE)
    return int(value)


def _start_of(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), dt.timezone.utc) if day else None
