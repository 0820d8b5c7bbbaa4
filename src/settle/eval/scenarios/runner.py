"""Runs scenario suites through the public API, in-process or against a live server.

Both ways speak the same HTTP API (in-process through httpx's ASGI transport, as
`settle bench chat` does), so a suite that passes here passes against a
deployment running the same code. Staff calls file each scenario's case and read
the transcript after every turn (to know which question the agent asked); the
borrower talks with the conversation token, and each of its turns is timed.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx

from settle.config import Settings
from settle.eval.scenarios.expectations import check_reply, check_run
from settle.eval.scenarios.expressions import RunContext, build_case
from settle.eval.scenarios.loader import Suite, load_shared, load_suite
from settle.eval.scenarios.metrics import EvalRun
from settle.eval.scenarios.models import Answer, Failure, Scenario, ScenarioRun, SharedFile, Turn

if TYPE_CHECKING:
    from settle.services import Services

REQUEST_TIMEOUT_S = 60
IN_PROCESS = "in-process"


class ApiError(RuntimeError):
    """The API refused or failed a request the scenario needed."""


class Api:
    """The public API as the runner uses it: staff files cases and reads transcripts, the borrower talks."""

    def __init__(self, client: httpx.AsyncClient, staff_token: str) -> None:
        self.client = client
        self.staff = {"Authorization": f"Bearer {staff_token}"}

    async def _call(self, method: str, url: str, headers: dict[str, str], body: dict | None = None) -> dict[str, Any]:
        try:
            response = await self.client.request(method, url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ApiError(f"{method} {url}: {exc!r}") from None
        if response.status_code >= 400:
            raise ApiError(f"{method} {url} answered {response.status_code}: {response.text[:500]}")
        return response.json()

    async def open_conversation(self, case: dict[str, Any]) -> dict[str, Any]:
        created = await self._call("POST", "/v1/cases", self.staff, case)
        body = {"case_id": created["id"], "channel": "chat", "direction": "inbound"}
        return await self._call("POST", "/v1/conversations", self.staff, body)

    async def send(self, conversation: dict[str, Any], text: str) -> dict[str, Any]:
        borrower = {"Authorization": f"Bearer {conversation['token']}"}
        return await self._call("POST", f"/v1/conversations/{conversation['id']}/messages", borrower, {"text": text})

    async def transcript(self, conversation_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/v1/conversations/{conversation_id}", self.staff)


class Borrower:
    """Answers the agent from a scenario's lines.

    The most specific key wins: the agent's latest step (its question), then the
    stage. Successive visits to a key take its answers in turn; the last repeats.
    """

    def __init__(self, lines: dict[str, list[Answer]]) -> None:
        self.lines = lines
        self.visits: dict[str, int] = {}

    def answer(self, steps: Sequence[str], stage: str) -> tuple[str, int, Answer] | None:
        for key in [*reversed(steps), stage]:
            answers = self.lines.get(key)
            if answers:
                visit = self.visits.get(key, 0)
                self.visits[key] = visit + 1
                return key, visit, answers[min(visit, len(answers) - 1)]
        return None


def variant_count(scenario: Scenario) -> int:
    """Runs needed for every variant of every answer to be said at least once."""
    return max((len(a.say) for answers in scenario.borrower.values() for a in answers), default=1)


@dataclasses.dataclass(frozen=True)
class VariantChoice:
    """Which variant of an answer a run says: by a seeded hash, or the run's index."""

    seed: int
    index: int | None = None  # set when each variant gets its own run

    def pick(self, scenario_id: str, key: str, visit: int, options: Sequence[str]) -> str:
        if self.index is not None:
            return options[self.index % len(options)]
        digest = hashlib.sha256(f"{self.seed}:{scenario_id}:{key}:{visit}".encode()).digest()
        return options[int.from_bytes(digest[:8], "big") % len(options)]


def case_today(case: dict[str, Any]) -> dt.date:
    """The engine's today for this case: the date where the debtor lives."""
    return dt.datetime.now(ZoneInfo(case["debtor"]["timezone"])).date()


async def run_scenario(api: Api, suite: Suite, scenario: Scenario, shared: SharedFile, choice: VariantChoice, variant: str, check_latency: bool) -> ScenarioRun:
    today = case_today(scenario.case)
    case = build_case(scenario.case, today, f"EVAL-{scenario.id}-{secrets.token_hex(4)}")
    context = RunContext(scenario.locale, today, case, shared.phrase_sets)
    run = ScenarioRun(suite=suite.name, scenario=scenario.id, title=scenario.title, locale=scenario.locale, variant=variant, today=today, known_issue=scenario.known_issue)
    max_turns = scenario.expect.max_turns or suite.defaults.max_turns
    borrower = Borrower(scenario.borrower)
    latencies: list[float] = []
    failures: list[Failure] = []
    try:
        conversation = await api.open_conversation(case)
        run.conversation_id = conversation["id"]
        transcript = await api.transcript(conversation["id"])
        stage = conversation["stage"]
        while len(latencies) < max_turns and not transcript["ended"]:
            steps = _latest_agent_steps(transcript)
            picked = borrower.answer(steps, stage)
            if picked is None:
                failures.append(Failure("unscripted", f"the borrower has no line for step {steps[-1] if steps else None!r} or stage {stage!r}"))
                break
            key, visit, answer = picked
            if answer.hang_up:
                run.hung_up = True
                break
            text = context.fill(choice.pick(scenario.id, key, visit, answer.say))
            began = time.perf_counter()
            reply = await api.send(conversation, text)
            latencies.append((time.perf_counter() - began) * 1000)
            transcript = await api.transcript(conversation["id"])
            stage = reply["stage"]
            if answer.reply is not None:
                texts = [m["text"] for m in reply["messages"]]
                failures.extend(check_reply(answer.reply, len(latencies), texts, _latest_agent_steps(transcript), stage, context))
        _record(run, transcript, latencies)
    except ApiError as exc:
        run.failures = [Failure("error", str(exc))]
        return run
    budget = (scenario.expect.latency_ms or suite.defaults.latency_ms) if check_latency else None
    run.failures = [*check_run(scenario.expect, run, context, max_turns=max_turns, latency_ms=budget), *failures]
    return run


def _latest_agent_steps(transcript: dict[str, Any]) -> list[str]:
    """The steps of what the agent said since the borrower last spoke."""
    steps: list[str] = []
    for turn in transcript["turns"]:
        if turn["speaker"] == "borrower":
            steps = []
        elif turn.get("step"):
            steps.append(turn["step"])
    return steps


def _record(run: ScenarioRun, transcript: dict[str, Any], latencies: list[float]) -> None:
    borrower_latencies = iter(latencies)
    for turn in transcript["turns"]:
        borrower = turn["speaker"] == "borrower"
        run.turns.append(
            Turn(
                speaker=turn["speaker"],
                text=turn["text"],
                stage=turn["stage"],
                step=turn.get("step"),
                intent=turn.get("intent"),
                slots=turn.get("slots") or {},
                latency_ms=round(next(borrower_latencies), 2) if borrower else None,
                blocked_draft=turn.get("draft"),
                events=turn.get("guardrail_events") or [],
            )
        )
    stages = [t["stage"] for t in transcript["turns"]] + [transcript["stage"]]
    run.stages = [s for i, s in enumerate(stages) if i == 0 or s != stages[i - 1]]
    run.outcome = transcript["outcome"]
    run.commitment = transcript["commitment"]


async def warm_up(api: Api, shared: SharedFile, locales: Sequence[str]) -> None:
    """One untimed conversation per locale, so first-use costs (model caches, lazy indexes) are not a scenario's."""
    for locale in locales:
        case = build_case(shared.cases[locale], case_today(shared.cases[locale]), f"EVAL-WARMUP-{secrets.token_hex(4)}")
        context = RunContext(locale, case_today(case), case, shared.phrase_sets)
        conversation = await api.open_conversation(case)
        for line in shared.warm_up.get(locale, []):
            if (await api.send(conversation, context.fill(line)))["ended"]:
                break


@asynccontextmanager
async def in_process_api(services: Services | None = None) -> AsyncIterator[Api]:
    """The real app over ASGI: on `services` if given, else on a fresh engine and temporary SQLite database."""
    from settle.api.app import create_app
    from settle.services import build_services

    token = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="settle-eval-") as tmp:
        if services is None:
            engine = build_services(Settings(database_url=f"sqlite:///{Path(tmp) / 'eval.db'}", admin_token=token))
        else:  # the caller's engine and store, with a staff token of this run's own
            engine = dataclasses.replace(services, settings=services.settings.model_copy(update={"admin_token": token}))
        try:
            app = create_app(engine.settings, engine)
            app.state.services = engine  # no lifespan over ASGITransport: hand the engine in
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://settle.eval", timeout=REQUEST_TIMEOUT_S) as client:
                yield Api(client, token)
        finally:
            if services is None:
                engine.close()


@asynccontextmanager
async def live_api(base_url: str, admin_token: str | None) -> AsyncIterator[Api]:
    token = admin_token or Settings().admin_token
    if not token:
        raise ValueError("a live-server run needs the staff token: set SETTLE_ADMIN_TOKEN")
    async with httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=REQUEST_TIMEOUT_S) as client:
        yield Api(client, token)


@dataclasses.dataclass(frozen=True)
class PlannedRun:
    suite: Suite
    scenario: Scenario
    choice: VariantChoice
    variant: str


def plan_runs(suites: Sequence[Suite], seed: int, all_variants: bool) -> list[PlannedRun]:
    """One run per scenario, or one per variant index when every variant should be said."""
    plan = []
    for suite in suites:
        for scenario in suite.scenarios:
            count = variant_count(scenario) if all_variants else 1
            for index in range(count):
                choice = VariantChoice(seed, index if all_variants else None)
                plan.append(PlannedRun(suite, scenario, choice, f"v{index + 1}of{count}" if count > 1 else ""))
    return plan


def run_suites(
    paths: Sequence[Path],
    *,
    base_url: str | None = None,
    services: Services | None = None,
    progress: bool = False,
    seed: int = 0,
    all_variants: bool = False,
    check_latency: bool = True,
    admin_token: str | None = None,
) -> EvalRun:
    """Run every scenario of the suites at `paths`; never raises for a failing scenario.

    In-process by default (on `services` if given, else a fresh engine on a
    temporary SQLite database); against a live server when `base_url` is given
    (staff token `admin_token` or SETTLE_ADMIN_TOKEN). Each scenario runs once,
    variants picked by `seed`, or once per variant with `all_variants`.
    Blocking (it runs its own event loop): call it from a thread, not from a coroutine.
    """
    shared = load_shared()
    suites = [load_suite(Path(p), shared) for p in paths]
    evaluation = EvalRun(
        target=base_url or IN_PROCESS,
        seed=seed,
        all_variants=all_variants,
        latency_checked=check_latency,
        started_at=dt.datetime.now(dt.UTC),
        suites=[{"name": s.name, "title": s.title, "path": str(s.path), "scenarios": len(s.scenarios)} for s in suites],
    )
    api = live_api(base_url, admin_token) if base_url else in_process_api(services)
    plan = _run_plan(api, plan_runs(suites, seed, all_variants), shared, evaluation, progress, check_latency)
    # a thread of its own: the caller may already run an event loop (a web handler, a browser driver)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, plan).result()
    evaluation.finished_at = dt.datetime.now(dt.UTC)
    return evaluation


async def _run_plan(api_context, plan: list[PlannedRun], shared: SharedFile, evaluation: EvalRun, progress: bool, check_latency: bool) -> None:
    async with api_context as api:
        await warm_up(api, shared, sorted({run.scenario.locale for run in plan}))
        with _progress(progress, len(plan)) as finished:
            for run in plan:
                result = await run_scenario(api, run.suite, run.scenario, shared, run.choice, run.variant, check_latency)
                evaluation.results.append(result)
                finished(f"{result.key}: {result.status}")


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Callable[[str], None]]:
    """Yields `finished(label)`, called after each run: a rich progress bar when enabled."""
    if not enabled:
        yield lambda _label: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}")) as bar:
        task = bar.add_task("", total=total)
        yield lambda label: bar.update(task, advance=1, description=label)
