"""Staff sign-in and sessions: a signed cookie names a server-side session that holds the CSRF token.

The cookie is `<session id>.<HMAC-SHA256 of it>`: a forged or altered cookie is
refused before the database is asked, and the database keeps only a hash of the
id, so a leaked table opens no session. Sign-out, a password change or a
disabled account end the session on the server, not just in the browser.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from settle.console.passwords import UNKNOWN_USER_HASH, verify_password
from settle.console.users import InvalidUser, normalise_username
from settle.store.repository import Store

SESSION_COOKIE = "settle_console"
SIGN_IN_COOKIE = "settle_console_signin"  # double-submit token for the sign-in form, before any session exists
SESSION_LIFETIME = dt.timedelta(hours=12)
SECRET_NAME = "console_session"


@dataclass(frozen=True)
class Staff:
    """The signed-in user as the pages see them."""

    username: str
    role: str
    csrf_token: str
    session_hash: str


class SignInRefused(Exception):
    """Wrong name or password (one message for both), or too many tries; `retry_after` in seconds when throttled."""

    def __init__(self, retry_after: int | None = None) -> None:
        super().__init__("too many failed sign-ins" if retry_after else "wrong username or password")
        self.retry_after = retry_after


class SignInThrottle:
    """Refuses sign-in for a while after repeated failures for one username or from one address.

    Kept in memory: each process throttles on its own, which still caps guessing
    at a handful of tries per window per process.
    """

    def __init__(self, per_user: int = 5, per_address: int = 20, window_s: float = 900.0, clock=time.monotonic) -> None:
        self.limits = {"user": per_user, "address": per_address}
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds until a try is allowed again, or None when it is allowed now."""
        now = self.clock()
        waits = []
        with self._lock:
            for key in (("user", username), ("address", address)):
                failures = self._recent(key, now)
                if len(failures) >= self.limits[key[0]]:
                    waits.append(failures[0] + self.window_s - now)
        return max(1, int(max(waits) + 0.999)) if waits else None

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (("user", username), ("address", address)):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("user", username), None)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures


class ConsoleAuth:
    """Signs in, opens and ends sessions; one per app, made on first use."""

    def __init__(self, store: Store, secret: str, throttle: SignInThrottle | None = None) -> None:
        self.store = store
        self._key = secret.encode()
        self.throttle = throttle or SignInThrottle()

    @classmethod
    def for_store(cls, store: Store, configured_secret: str | None) -> ConsoleAuth:
        """The configured secret, else the one made once and kept in the database for every worker."""
        return cls(store, configured_secret or store.app_secret(SECRET_NAME, lambda: secrets.token_urlsafe(48)))

    def sign_in(self, username: str, password: str, address: str, now: dt.datetime) -> tuple[Staff, str]:
        """(the staff member, the cookie value) or SignInRefused. Every try costs one scrypt check."""
        try:
            name = normalise_username(username)
        except InvalidUser:
            name = username.strip().lower()[:64]
        wait = self.throttle.retry_after(name, address)
        if wait:
            self.store.audit(name or "-", "staff.sign_in_throttled", "user", name or "-", {"address": address})
            raise SignInRefused(retry_after=wait)
        user = self.store.staff_user(name) if name else None
        matches = verify_password(password, user.password_hash if user else UNKNOWN_USER_HASH)
        if not (user and user.active and matches):
            self.throttle.failed(name, address)
            self.store.audit(name or "-", "staff.sign_in_failed", "user", name or "-", {"address": address})
            raise SignInRefused()
        self.throttle.succeeded(name)
        session_id, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session_hash = _sha256(session_id)
        self.store.open_staff_session(user, session_hash, csrf_token, now + SESSION_LIFETIME, {"address": address})
        return Staff(user.username, user.role, csrf_token, session_hash), self._sign(session_id)

    def staff_for_cookie(self, cookie: str | None, now: dt.datetime) -> Staff | None:
        session_id = self._unsign(cookie) if cookie else None
        if session_id is None:
            return None
        session = self.store.staff_session(_sha256(session_id), now)
        if session is None:
            return None
        return Staff(session.user.username, session.user.role, session.csrf_token, session.id_hash)

    def sign_out(self, staff: Staff) -> None:
        self.store.end_staff_session(staff.session_hash, staff.username)

    def _sign(self, value: str) -> str:
        return f"{value}.{self._mac(value)}"

    def _unsign(self, cookie: str) -> str | None:
        value, _, mac = cookie.rpartition(".")
        if not value or not hmac.compare_digest(mac.encode(), self._mac(value).encode()):
            return None
        return value

    def _mac(self, value: str) -> str:
        digest = hmac.new(self._key, value.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def tokens_match(sent: str | None, expected: str | None) -> bool:
    """CSRF check: both present and equal, compared in constant time."""
    return bool(sent and expected) and hmac.compare_digest(sent.encode(), expected.encode())


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
