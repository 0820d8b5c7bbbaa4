"""The real engine for the scenario runner: embedding NLU, output guard and input rails
(shared with the rest of the session) on a fresh SQLite file, with the real clock —
scenario dates are relative to the case's today, as in production."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from settle.agent.nlg import TemplateNLG
from settle.agent.pipeline import TurnPipeline
from settle.agent.policy import DialoguePolicy
from settle.config import Settings
from settle.services import Services
from settle.store.repository import Store

STAFF_TOKEN = "eval-staff-token"
SERVER_START_DEADLINE_S = 120


@pytest.fixture(scope="session")
def eval_services(nlu, guard, rails, tmp_path_factory) -> Iterator[Services]:
    url = f"sqlite:///{tmp_path_factory.mktemp('eval-db') / 'settle.db'}"
    store = Store(url)
    pipeline = TurnPipeline(store=store, nlu=nlu, policy=DialoguePolicy(), nlg=TemplateNLG(), guard=guard, rails=rails)
    services = Services(settings=Settings(database_url=url, admin_token=STAFF_TOKEN), store=store, pipeline=pipeline)
    yield services
    services.close()


@pytest.fixture(scope="session")
def live_base_url(eval_services) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, on the same engine."""
    from settle.api.app import create_app

    app = create_app(eval_services.settings, eval_services)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, name="settle-eval-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_DEADLINE_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the Settle app did not start under uvicorn")
        time.sleep(0.05)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    yield f"http://{host}:{port}"
    server.should_exit = True
    thread.join(timeout=10)
