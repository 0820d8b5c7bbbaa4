"""The FastAPI application: one router per area, models loaded once in the lifespan."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from settle.api.routers import cases, chat_page, conversations, guardrails, policy, voice
from settle.config import Settings
from settle.console.routers import ALL as console_routers
from settle.services import Services, build_services

HERE = Path(__file__).parent
log = logging.getLogger(__name__)
PURGE_EVERY_S = 3600.0


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """`services` may be handed in (tests, the benchmark) to share one engine."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        owned = services is None
        app.state.services = services or build_services(settings)
        if owned:
            app.state.services.load_speech()
        purging = asyncio.create_task(_purge_recordings(app.state.services))
        try:
            yield
        finally:
            purging.cancel()
            with suppress(asyncio.CancelledError):
                await purging
            if owned:
                app.state.services.close()

    app = FastAPI(
        title="Settle",
        description="A conversational debt-collection agent that stays inside the law.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(RequestValidationError, _validation_error)
    for module in (cases, conversations, policy, guardrails, voice, chat_page):
        app.include_router(module.router)
    for router in console_routers:
        app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    return app


async def _purge_recordings(services: Services) -> None:
    """Call recordings older than the retention setting are deleted, at start and every hour."""
    from settle.voice.recording import purge_recordings

    retention = dt.timedelta(days=services.settings.recording_retention_days)
    while True:
        folder = services.settings.recordings_path()
        if folder.is_dir():
            removed = await asyncio.to_thread(purge_recordings, folder, retention, dt.datetime.now(dt.timezone.utc))
            if removed:
                log.info("deleted %d call recordings older than %s", len(removed), retention)
        await asyncio.sleep(PURGE_EVERY_S)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with a readable reason first, then FastAPI's field-by-field list."""
    errors = exc.errors()
    reasons = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        reasons.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    fields = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg")), "type": e.get("type")} for e in errors]
    return JSONResponse(status_code=422, content={"detail": "; ".join(reasons) or "invalid request", "errors": fields})
