"""`settle user add` and the demo admin `make run` prints."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from settle.cli import app
from settle.console.passwords import verify_password
from settle.console.users import DEMO_ADMIN, ensure_demo_admin
from settle.store.repository import Store


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    (tmp_path / "var").mkdir()
    url = f"sqlite:///{tmp_path / 'var' / 'settle.db'}"
    monkeypatch.setenv("SETTLE_DATABASE_URL", url)
    return url


def stored_user(url: str, username: str):
    store = Store(url)
    try:
        return store.staff_user(username)
    finally:
        store.close()


def test_user_add_with_a_password(database):
    result = CliRunner().invoke(app, ["user", "add", "Bob", "--role", "qa", "--password", "a long enough secret"])
    assert result.exit_code == 0, result.output
    assert "created qa bob" in result.output
    user = stored_user(database, "bob")
    assert user.role == "qa" and verify_password("a long enough secret", user.password_hash)
    listing = CliRunner().invoke(app, ["user", "list"])
    assert "bob\tqa\tactive" in listing.output


def test_user_add_asks_for_the_password_twice(database):
    result = CliRunner().invoke(app, ["user", "add", "carol", "--role", "collector"], input="typed in secret\ntyped in secret\n")
    assert result.exit_code == 0, result.output
    assert "typed in secret" not in result.output  # hidden while typed
    assert verify_password("typed in secret", stored_user(database, "carol").password_hash)


@pytest.mark.parametrize(
    "args,reason",
    [
        (["dave", "--role", "boss", "--password", "a long enough secret"], "--role must be one of"),
        (["dave", "--role", "qa", "--password", "short"], "at least 10 characters"),
        (["no spaces", "--role", "qa", "--password", "a long enough secret"], "a username is"),
    ],
)
def test_user_add_refuses_bad_input_with_a_reason(database, args, reason):
    result = CliRunner().invoke(app, ["user", "add", *args])
    assert result.exit_code == 2 and reason in result.output
    assert stored_user(database, "dave") is None


def test_user_add_refuses_a_taken_name(database):
    CliRunner().invoke(app, ["user", "add", "erin", "--role", "qa", "--password", "a long enough secret"])
    again = CliRunner().invoke(app, ["user", "add", "ERIN", "--role", "admin", "--password", "another secret!"])
    assert again.exit_code == 2 and "already exists" in again.output
    assert stored_user(database, "erin").role == "qa"


def test_the_demo_admin_gets_a_fresh_password_each_start(sqlite_url):
    store = Store(sqlite_url)
    try:
        name, first = ensure_demo_admin(store)
        again, second = ensure_demo_admin(store)
        user = store.staff_user(DEMO_ADMIN)
        assert name == again == DEMO_ADMIN and user.role == "admin" and first != second
        assert verify_password(second, user.password_hash) and not verify_password(first, user.password_hash)
    finally:
        store.close()
