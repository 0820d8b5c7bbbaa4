"""Staff sign-in: roles, sessions by signed cookie, CSRF on every form, and nothing opened by a bearer token."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from settle.console.auth import SESSION_COOKIE, ConsoleAuth, SignInThrottle
from settle.console.passwords import hash_password, verify_password
from tests.console.staff import PASSWORD, csrf_token, post_form, sign_in
from tests.support import STAFF, Chat, cn_case

PAGES = ("/console/conversations", "/console/queue", "/console/dashboard", "/console/qa")


def actions(store, name: str) -> list:
    return [entry for entry in store.audit_entries() if entry.action == name]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_sends_a_stranger_to_sign_in(console_app, page):
    response = console_app.get(page, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/sign-in?next=")


def test_bearer_tokens_open_no_console_page(console_app):
    chat = Chat(console_app, cn_case())
    for headers in ({"Authorization": f"Bearer {chat.token}"}, STAFF):
        response = console_app.get("/console/conversations", headers=headers, follow_redirects=False)
        assert response.status_code == 303 and "/console/sign-in" in response.headers["location"]
    # nor does a borrower token dressed up as the session cookie
    console_app.cookies.set(SESSION_COOKIE, chat.token, path="/console")
    assert console_app.get(f"/console/conversations/{chat.id}", follow_redirects=False).status_code == 303


def test_sign_in_opens_a_session_in_a_hardened_cookie_and_sign_out_ends_it(console_app, store):
    response = sign_in(console_app, "Alice")  # names are case-insensitive
    assert response.status_code == 303 and response.headers["location"] == "/console/conversations"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    page = console_app.get("/console/conversations")
    assert page.status_code == 200 and 'id="signed-in-user">alice<' in page.text
    stolen = console_app.cookies.get(SESSION_COOKIE)

    signed_out = post_form(console_app, "/console/sign-out", {})
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/console/sign-in"
    assert console_app.get("/console/conversations", follow_redirects=False).status_code == 303
    # the session ended on the server: the old cookie no longer opens anything
    replay = TestClient(console_app.app)
    replay.cookies.set(SESSION_COOKIE, stolen, path="/console")
    assert replay.get("/console/conversations", follow_redirects=False).status_code == 303
    assert [e.actor for e in actions(store, "staff.sign_in")] == ["alice"]
    assert [e.actor for e in actions(store, "staff.sign_out")] == ["alice"]


def test_the_cookie_is_secure_over_https(console_app):
    secure = TestClient(console_app.app, base_url="https://testserver")
    response = sign_in(secure, "alice")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}="))
    assert "Secure" in cookie


@pytest.mark.parametrize("username,password", [("alice", "wrong password!"), ("nobody", PASSWORD), ("", PASSWORD), ("alice", "")])
def test_a_failed_sign_in_shows_the_form_again_with_one_message(console_app, store, username, password):
    response = sign_in(console_app, username, password)
    assert response.status_code in (400, 401)
    assert 'id="sign-in-error"' in response.text and 'id="sign-in-form"' in response.text
    assert not any(c.startswith(f"{SESSION_COOKIE}=") for c in response.headers.get_list("set-cookie"))
    if username and password:
        assert "Wrong username or password." in response.text  # the same words for an unknown name
        assert actions(store, "staff.sign_in_failed")


def test_the_sign_in_form_needs_its_own_token(console_app):
    console_app.get("/console/sign-in")
    response = console_app.post(
        "/console/sign-in", data={"username": "alice", "password": PASSWORD, "signin_token": "forged"}, follow_redirects=False
    )
    assert response.status_code == 400
    assert console_app.get("/console/conversations", follow_redirects=False).status_code == 303


def test_repeated_failures_lock_the_name_even_for_the_right_password(console_app):
    for _ in range(5):
        assert sign_in(console_app, "alice", "not the password").status_code == 401
    locked = sign_in(console_app, "alice")
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    # another person is not locked out by alice's name being guessed at
    assert sign_in(TestClient(console_app.app), "quinn").status_code == 303


def test_the_throttle_forgets_failures_after_its_window():
    clock = [0.0]
    throttle = SignInThrottle(per_user=2, per_address=100, window_s=60, clock=lambda: clock[0])
    throttle.failed("alice", "10.0.0.1")
    assert throttle.retry_after("alice", "10.0.0.1") is None
    throttle.failed("alice", "10.0.0.1")
    assert throttle.retry_after("alice", "10.0.0.1") == 60
    clock[0] = 61
    assert throttle.retry_after("alice", "10.0.0.1") is None


def test_forms_without_the_session_csrf_token_are_refused(console_app, store, collector):
    chat = Chat(console_app, cn_case())
    for token in (None, "forged", "x" * 43):
        data = {"status": "escalated"} | ({"csrf_token": token} if token else {})
        response = collector.post(f"/console/conversations/{chat.id}/status", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert 'id="error-message"' in response.text
    assert store.review_of(chat.id).status == "unreviewed"
    assert not actions(store, "review.status")


def test_one_session_token_does_not_pass_for_another(console_app, store, collector, admin):
    chat = Chat(console_app, cn_case())
    admins_token = csrf_token(admin)
    response = collector.post(f"/console/conversations/{chat.id}/status", data={"status": "ok", "csrf_token": admins_token}, follow_redirects=False)
    assert response.status_code == 403
    assert store.review_of(chat.id).status == "unreviewed"


@pytest.mark.parametrize("page", ["/console/qa", "/console/qa/runs/any-id", "/console/qa/runs/any-id/report.html"])
def test_collectors_may_not_open_qa_pages(collector, page):
    response = collector.get(page)
    assert response.status_code == 403 and "collector" in response.text


def test_qa_and_admin_open_every_page(qa, admin):
    for client in (qa, admin):
        for page in PAGES:
            assert client.get(page).status_code == 200, page


def test_a_tampered_cookie_is_refused(console_app):
    sign_in(console_app, "alice")
    value = console_app.cookies.get(SESSION_COOKIE)
    session_id, _, mac = value.rpartition(".")
    console_app.cookies.clear()
    console_app.cookies.set(SESSION_COOKIE, value, path="/console")
    assert console_app.get("/console/conversations", follow_redirects=False).status_code == 200
    console_app.cookies.clear()
    console_app.cookies.set(SESSION_COOKIE, f"{session_id}x.{mac}", path="/console")
    assert console_app.get("/console/conversations", follow_redirects=False).status_code == 303


def test_sign_in_never_redirects_off_the_console(console_app):
    for target in ("https://evil.example/", "//evil.example/x", "/v1/cases"):
        response = sign_in(console_app, "alice", next_path=target)
        assert response.headers["location"] == "/console/conversations"
        console_app.cookies.clear()


def test_pages_carry_security_headers(collector):
    headers = collector.get("/console/conversations").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"


def test_the_session_secret_is_made_once_and_shared(store):
    first = ConsoleAuth.for_store(store, None)
    second = ConsoleAuth.for_store(store, None)
    configured = ConsoleAuth.for_store(store, "configured-secret")
    assert first._sign("abc") == second._sign("abc")
    assert configured._sign("abc") != first._sign("abc")


def test_passwords_are_salted_scrypt_hashes():
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$") and "correct" not in stored
    assert hash_password("correct horse battery") != stored
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert not verify_password("correct horse battery", "scrypt$16384$8$1$!!$??")
    assert not verify_password("x", "bcrypt$whatever")
