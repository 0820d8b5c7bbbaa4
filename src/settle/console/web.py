"""FastAPI glue shared by the console's routers: who is signed in, role and CSRF checks,
page rendering in the staff member's language, and refusals shown as pages.

Console pages answer only to the session cookie. A bearer token — a borrower's
conversation token or the staff API token — opens none of them.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlencode

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from settle.console.auth import SESSION_COOKIE, ConsoleAuth, Staff, tokens_match
from settle.console.formatting import millis, waited, when
from settle.console.i18n import LANG_COOKIE, Translator, choose_locale
from settle.console.qa import QARunner
from settle.services import Services

FLASH_COOKIE = "settle_console_flash"
PREFIX = "/console"

# console pages may load only their own assets, run only their own script, and never be framed
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

# what a flash cookie may say after a redirect: a fixed key, never free text from the request
FLASH_MESSAGES = {
    "signed_out": "You are signed out.",
    "status_saved": "Review status saved.",
    "tag_added": "Tag added.",
    "tag_exists": "That tag is already there.",
    "tag_removed": "Tag removed.",
    "note_added": "Note added.",
    "taken": "You took this conversation.",
    "taken_by_other": "Someone else took this conversation first.",
    "released": "Conversation put back in the queue.",
    "run_started": "QA run started.",
}


class SignInRequired(Exception):
    pass


class PageError(Exception):
    """A refusal shown as a console page with this status and (translatable) message."""

    def __init__(self, status: int, message: str, **params: object) -> None:
        super().__init__(message)
        self.status, self.message, self.params = status, message, params


@dataclass
class Console:
    """The console's long-lived parts, made once per app on first use."""

    auth: ConsoleAuth
    qa: QARunner


_making = threading.Lock()


def console(request: Request) -> Console:
    state = request.app.state
    if not hasattr(state, "console"):
        with _making:
            if not hasattr(state, "console"):
                services: Services = state.services
                state.console = Console(
                    auth=ConsoleAuth.for_store(services.store, services.settings.session_secret),
                    qa=QARunner(services, services.settings.reports_dir),
                )
    return state.console


def services(request: Request) -> Services:
    return request.app.state.services


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def signed_in(request: Request) -> Staff | None:
    return console(request).auth.staff_for_cookie(request.cookies.get(SESSION_COOKIE), now())


def current_staff(request: Request) -> Staff:
    staff = signed_in(request)
    if staff is None:
        raise SignInRequired()
    return staff


def require_role(*roles: str) -> Callable[..., Staff]:
    def check(staff: Staff = Depends(current_staff)) -> Staff:
        if staff.role not in roles:
            raise PageError(403, "Your role ({role}) may not open this page.", role=staff.role)
        return staff

    return check


async def checked_form(request: Request, staff: Staff = Depends(current_staff)) -> FormData:
    """The posted form, once its CSRF token matches the session's."""
    form = await request.form()
    if not tokens_match(form.get("csrf_token"), staff.csrf_token):
        raise PageError(403, "This form has expired or did not come from the console. Go back, reload the page and try again.")
    return form


def translator(request: Request) -> Translator:
    return Translator(choose_locale(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")))


def render(request: Request, template: str, context: dict[str, Any], staff: Staff | None = None, status: int = 200) -> HTMLResponse:
    _ = translator(request)
    flash_key = unquote(request.cookies.get(FLASH_COOKIE, ""))
    page = {
        "_": _,
        "label": _.label,
        "lang": _.locale,
        "locale": _.locale,
        "staff": staff,
        "path": request.url.path,
        "here": _here(request),
        "flash": _(FLASH_MESSAGES[flash_key]) if flash_key in FLASH_MESSAGES else None,
        "static_url": "/static",
        "when": when,
        "waited": lambda moment: waited(moment, now(), _),
        "millis": millis,
        **context,
    }
    response = request.app.state.templates.TemplateResponse(request, f"console/{template}", page, status_code=status)
    if flash_key:
        response.delete_cookie(FLASH_COOKIE, path=PREFIX)
    return response


def redirect(url: str, flash: str | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash), path=PREFIX, httponly=True, samesite="lax", max_age=60)
    return response


def safe_next(target: str | None) -> str:
    """Only console paths on this site: never an open redirect to somewhere else."""
    if target and target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return f"{PREFIX}/conversations"


def query_string(params: dict[str, Any]) -> str:
    return urlencode({key: value for key, value in params.items() if value not in (None, "")})


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


class ConsoleRoute(APIRoute):
    """Every console answer is a page: sign-in redirects, 403/404/400 pages, and the security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequired:
                response = RedirectResponse(f"{PREFIX}/sign-in?{urlencode({'next': _here(request)})}", status_code=303)
            except PageError as refused:
                response = _error_page(request, refused.status, translator(request)(refused.message, **refused.params))
            except RequestValidationError as exc:
                reasons = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}" for e in exc.errors())
                response = _error_page(request, 400, reasons or "invalid request")
            for name, value in PAGE_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return route


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message}, staff=signed_in(request), status=status)
