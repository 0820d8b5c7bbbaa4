"""Staff accounts: who may sign in to the console, with which role."""
from __future__ import annotations

import re
import secrets

from settle.console.passwords import hash_password
from settle.store.models import StaffUser
from settle.store.repository import NotFound, Store

ROLES = ("collector", "qa", "admin")
# roles that see phone and ID numbers unmasked; collectors see them redacted
UNREDACTED_ROLES = frozenset({"qa", "admin"})
# roles that may start QA evaluation runs and read their reports
QA_ROLES = frozenset({"qa", "admin"})

MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
DEMO_ADMIN = "demo-admin"


class InvalidUser(ValueError):
    """A username, role or password the console will not accept; the message says why."""


def create_user(store: Store, username: str, role: str, password: str, actor: str) -> StaffUser:
    """Conflict (from the store) when the name is taken."""
    username = normalise_username(username)
    if role not in ROLES:
        raise InvalidUser(f"role must be one of {', '.join(ROLES)}")
    check_password(password)
    return store.add_staff_user(username, role, hash_password(password), actor)


def normalise_username(username: str) -> str:
    """Lower-case, so `Alice` and `alice` are one person at sign-in."""
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise InvalidUser("a username is 2–64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit")
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUser(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def ensure_demo_admin(store: Store) -> tuple[str, str]:
    """The demo admin for `make run`, with a fresh password each start (only its hash is kept,
    so an old one cannot be shown again). Returns (username, password)."""
    password = secrets.token_urlsafe(12)
    try:
        store.set_staff_password(DEMO_ADMIN, hash_password(password), actor="make-run")
    except NotFound:
        create_user(store, DEMO_ADMIN, "admin", password, actor="make-run")
    return DEMO_ADMIN, password
