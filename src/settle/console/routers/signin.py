"""Sign-in, sign-out and the UI language."""
from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from settle.console.auth import (
    SESSION_COOKIE,
    SESSION_LIFETIME,
    SIGN_IN_COOKIE,
    SignInRefused,
    Staff,
    tokens_match,
)
from settle.console.i18n import LANG_COOKIE, UI_LOCALES
from settle.console.web import (
    PREFIX,
    ConsoleRoute,
    PageError,
    checked_form,
    console,
    current_staff,
    now,
    redirect,
    render,
    safe_next,
    signed_in,
    translator,
)

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

MAX_USERNAME, MAX_PASSWORD = 200, 1024


@router.get("", response_class=RedirectResponse)
def home() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/conversations", status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str | None = None) -> Response:
    if signed_in(request) is not None:
        return redirect(safe_next(next))
    return _sign_in_form(request, safe_next(next))


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    form = await request.form()
    target = safe_next(form.get("next"))
    if not tokens_match(form.get("signin_token"), request.cookies.get(SIGN_IN_COOKIE)):
        return _sign_in_form(request, target, "The sign-in form expired, or your browser refuses cookies. Please try again.", 400)
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    if not username or not password or len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
        return _sign_in_form(request, target, "Enter your username and password.", 400, username[:MAX_USERNAME])
    address = request.client.host if request.client else "-"
    try:
        _, cookie = console(request).auth.sign_in(username, password, address, now())
    except SignInRefused as refused:
        if refused.retry_after:
            minutes = max(1, round(refused.retry_after / 60))
            response = _sign_in_form(request, target, "Too many failed sign-ins. Try again in {minutes} min.", 429, username, minutes=minutes)
            response.headers["Retry-After"] = str(refused.retry_after)
            return response
        return _sign_in_form(request, target, "Wrong username or password.", 401, username)
    response = redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=PREFIX,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path=PREFIX)
    return response


@router.post("/sign-out")
def sign_out(request: Request, staff: Staff = Depends(current_staff), _form=Depends(checked_form)) -> Response:
    console(request).auth.sign_out(staff)
    response = redirect(f"{PREFIX}/sign-in", flash="signed_out")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@router.get("/language/{locale}")
def choose_language(locale: str, next: str | None = None) -> Response:
    """A preference only (no state on the server changes), so a plain link may set it."""
    if locale not in UI_LOCALES:
        raise PageError(404, "No such language.")
    response = redirect(safe_next(next))
    response.set_cookie(LANG_COOKIE, locale, max_age=365 * 24 * 3600, path=PREFIX, samesite="lax")
    return response


def _sign_in_form(request: Request, target: str, error: str | None = None, status: int = 200, username: str = "", **params) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        {"next": target, "signin_token": token, "error": translator(request)(error, **params) if error else None, "username": username},
        status=status,
    )
    response.set_cookie(SIGN_IN_COOKIE, token, max_age=3600, path=PREFIX, httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response
