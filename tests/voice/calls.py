"""What the telephone tests share: a Settle with its speech engines, Twilio's side of the secret,
and the agent's lines of each turn as the store has them."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from settle.api.app import create_app
from settle.services import Services

TWILIO_TOKEN = "test-twilio-auth-token"


def voice_app(services: Services):
    return create_app(services.settings, services)


def agent_lines_after(turns, index: int) -> list[str]:
    """The agent's texts of turn `index`: 0 is the opening, N the answer to the borrower's Nth turn."""
    seen, lines = 0, []
    for turn in turns:
        if turn.speaker == "borrower":
            seen += 1
        elif seen == index:
            lines.append(turn.text)
    return lines


def run_call(coroutine):
    """Run a simulated call to its end on an event loop of its own thread: an earlier test's
    Playwright (sync API) can leave a loop running in the main thread, where asyncio.run refuses."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulated-twilio") as pool:
        return pool.submit(asyncio.run, coroutine).result()
