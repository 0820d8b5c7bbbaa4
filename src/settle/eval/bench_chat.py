"""`settle bench chat`: full scripted conversations through the HTTP API, in-process.

Each turn is timed from request to response, so the figure includes NLU, the
guard and the database commit. Targets (2-core machine): p95 ≤ 50 ms per
turn, ≥ 100 turns/s.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import random
import resource
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from settle.config import Settings
from settle.demo import demo_cases

# what the borrower says, turn by turn, in a conversation that ends in a promise;
# phrasings and amounts vary so that most messages are new to the embedding cache,
# as real borrower messages are
SCRIPTS = {
    "zh-CN": [
        ["是我", "对,我就是", "嗯,是我本人", "是的,请说"],
        ["身份证后四位1234", "后四位是1234", "1234", "我的身份证尾号1234"],
        ["这个月工资还没发,等发了再还", "最近手头紧,工资还没到账", "钱还没到,过段时间吧", "我在等报销下来"],
        ["下周五先还{amount}", "下周五能还{amount}块", "我下周五还{amount}元", "下周五先还{amount}吧"],
        ["对的", "没问题", "是的,对", "好的,就这样"],
    ],
    "en-US": [
        ["Yes, speaking", "yes this is Jordan", "Speaking.", "Yeah, that's me"],
        ["my date of birth is April 12, 1988", "April 12, 1988", "DOB is 04/12/1988", "I was born April 12, 1988"],
        ["I'm waiting for my paycheck", "money is tight until I get paid", "I get paid soon, can't right now", "my check hasn't come in yet"],
        ["I can pay {amount} next Friday", "I'll pay ${amount} next Friday", "next Friday I can do {amount}", "{amount} dollars next Friday"],
        ["yes, that's right", "correct", "yes", "that's right"],
    ],
}


def borrower_lines(locale: str, rng: random.Random) -> list[str]:
    amount = rng.randrange(500, 1250, 10)
    return [rng.choice(variants).format(amount=amount) for variants in SCRIPTS[locale]]


@dataclass
class BenchReport:
    conversations: int
    concurrency: int
    turns: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    promises: int
    peak_rss_mb: float

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    def format(self) -> str:
        return "\n".join(
            [
                f"conversations      {self.conversations} (concurrency {self.concurrency}), {self.promises} reached promise_to_pay",
                f"turns              {self.turns} in {self.seconds:.2f} s",
                f"throughput         {self.turns / self.seconds:.1f} turns/s",
                f"turn latency p50   {self.percentile(0.50):.1f} ms",
                f"turn latency p95   {self.percentile(0.95):.1f} ms",
                f"turn latency mean  {statistics.fmean(self.latencies_ms):.1f} ms",
                f"peak RSS           {self.peak_rss_mb:.0f} MB",
            ]
        )


def case_body(locale: str) -> dict:
    fields = next(c for c in demo_cases(dt.date.today()) if c["locale"] == locale)
    return {
        "external_ref": f"BENCH-{uuid.uuid4().hex[:12]}",
        "policy": fields["policy"],
        "creditor": fields["creditor"],
        "agent_name": fields["agent_name"],
        "debtor": {
            "name": fields["debtor_name"],
            "phone": fields["phone"],
            "locale": locale,
            "timezone": fields["timezone"],
            "verification": fields["verification"],
        },
        "amount_due": str(fields["amount_due"]),
        "currency": fields["currency"],
        "due_date": fields["due_date"].isoformat(),
        "min_payment": str(fields["min_payment"]),
        "payday": fields["payday"],
        "payment_channels": fields["payment_channels"],
    }


async def _conversation(client: httpx.AsyncClient, staff: dict, locale: str, rng: random.Random, latencies: list[float]) -> bool:
    created = await client.post("/v1/cases", json=case_body(locale), headers=staff)
    created.raise_for_status()
    started = await client.post("/v1/conversations", json={"case_id": created.json()["id"], "channel": "chat", "direction": "inbound"}, headers=staff)
    started.raise_for_status()
    conversation = started.json()
    auth = {"Authorization": f"Bearer {conversation['token']}"}
    outcome = None
    for text in borrower_lines(locale, rng):
        began = time.perf_counter()
        reply = await client.post(f"/v1/conversations/{conversation['id']}/messages", json={"text": text}, headers=auth)
        latencies.append((time.perf_counter() - began) * 1000)
        reply.raise_for_status()
        outcome = reply.json()["outcome"]
        if reply.json()["ended"]:
            break
    return outcome == "promise_to_pay"


async def _run(app, admin_token: str, conversations: int, concurrency: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    staff = {"Authorization": f"Bearer {admin_token}"}
    rng = random.Random(7)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def one(index: int) -> bool:
            async with gate:
                return await _conversation(client, staff, "zh-CN" if index % 2 == 0 else "en-US", rng, latencies)

        await one(0)  # warm-up: first-use costs (model caches, SQL compilation) are not the steady state
        latencies.clear()
        began = time.perf_counter()
        results = await asyncio.gather(*(one(i) for i in range(conversations)))
        return latencies, sum(results), time.perf_counter() - began


def run_chat_benchmark(conversations: int, concurrency: int, database_url: str | None) -> BenchReport:
    from settle.api.app import create_app
    from settle.services import build_services

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=database_url or f"sqlite:///{Path(tmp) / 'bench.db'}", admin_token="bench")
        services = build_services(settings)
        try:
            app = create_app(settings, services)
            app.state.services = services  # no lifespan over ASGITransport: hand the engine in
            latencies, promises, seconds = asyncio.run(_run(app, "bench", conversations, concurrency))
        finally:
            services.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return BenchReport(
        conversations=conversations,
        concurrency=concurrency,
        turns=len(latencies),
        seconds=seconds,
        latencies_ms=latencies,
        promises=promises,
        peak_rss_mb=peak_kb / 1024,
    )
