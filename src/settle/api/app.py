"""The FastAPI application: one router per area, models loaded once in the lifespan."""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from settle.api.routers import cases, chat_page, conversations, guardrails, policy
from settle.config import Settings
from settle.console.routers import ALL as console_routers
from settle.services import Services, build_services

HERE = Path(__file__).parent


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """`services` may be handed in (tests, the benchmark) to share one engine."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        owned = services is None
        app.state.services = services or build_services(settings)
        try:
            yield
        finally:
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
    for module in (cases, conversations, policy, guardrails, chat_page):
        app.include_router(module.router)
    for router in console_routers:
        app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    return app


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with a readable reason first, then FastAPI's field-by-field list."""
    errors = exc.errors()
    reasons = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        reasons.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    fields = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg")), "type": e.get("type")} for e in errors]
    return JSONResponse(status_code=422, content={"detail": "; ".join(reasons) or "invalid request", "errors": fields})
