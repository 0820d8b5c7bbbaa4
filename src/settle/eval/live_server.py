"""The app under uvicorn on a free loopback port, in a thread: what the benchmarks and the
browser and telephone tests talk to, through the real HTTP and WebSocket stack."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

START_DEADLINE_S = 240  # the lifespan loads models; a loaded 2-core machine needs a minute or more


@contextmanager
def served(app, start_deadline_s: float = START_DEADLINE_S) -> Iterator[str]:
    """Yields the base URL (http://127.0.0.1:PORT) while the block runs."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, name="settle-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_deadline_s
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the Settle app failed to start under uvicorn (see the log)")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Settle app did not start within {start_deadline_s} s")
        time.sleep(0.05)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
