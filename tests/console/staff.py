"""Helpers for console tests: staff accounts, signing in through the form, posting with the CSRF token."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response

from settle.console.users import create_user
from settle.store.repository import Store

PASSWORD = "correct horse battery"
# username → role; every test app gets these accounts
STAFF = {"alice": "collector", "quinn": "qa", "ada": "admin"}

_SIGNIN_TOKEN = re.compile(r'name="signin_token" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ROWS = re.compile(r'<tr[^>]*data-conversation="([^"]+)"')


def add_staff(store: Store) -> None:
    for username, role in STAFF.items():
        create_user(store, username, role, PASSWORD, actor="test")


def sign_in(client: TestClient, username: str, password: str = PASSWORD, next_path: str = "/console/conversations") -> Response:
    """Fills and posts the sign-in form as a browser would; returns the POST's response (not followed)."""
    form = client.get("/console/sign-in")
    token = _SIGNIN_TOKEN.search(form.text).group(1)
    return client.post(
        "/console/sign-in",
        data={"username": username, "password": password, "signin_token": token, "next": next_path},
        follow_redirects=False,
    )


def staff_client(client: TestClient, username: str) -> TestClient:
    """Another browser on the same app, signed in as `username`."""
    other = TestClient(client.app)
    response = sign_in(other, username)
    assert response.status_code == 303, response.text
    return other


def csrf_token(client: TestClient, page: str = "/console/conversations") -> str:
    return _CSRF.search(client.get(page).text).group(1)


def post_form(client: TestClient, url: str, data: dict, page: str = "/console/conversations") -> Response:
    """Posts a console form with the session's CSRF token, as the page would."""
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data}, follow_redirects=False)


def listed(html: str) -> list[str]:
    """Conversation ids in a console table, in page order."""
    return _ROWS.findall(html)
