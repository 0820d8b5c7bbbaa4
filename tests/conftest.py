"""Shared fixtures: the real engine (embedding NLU, output guard, input rails) on a
real database — a temporary SQLite file, or a fresh PostgreSQL database where the
server at 127.0.0.1:5432 is reachable."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from settle.api.app import create_app
from settle.services import Services
from tests.support import make_services



def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=2):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def nlu():
    from settle.agent.nlu import EmbeddingNLU

    return EmbeddingNLU()


@pytest.fixture(scope="session")
def guard():
    from settle.guardrails.output import ComplianceGuard

    return ComplianceGuard()


@pytest.fixture(scope="session")
def rails():
    from settle.guardrails.input_rails import InputRailScreen

    screen = InputRailScreen()
    screen.warm()
    return screen


def _sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'settle.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL database, dropped afterwards."""
    if not postgres_available():
        pytest.skip("PostgreSQL is not running at 127.0.0.1:5432")
    import psycopg

    name = f"settle_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return _sqlite_url(tmp_path)
    return request.getfixturevalue("pg_url")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return _sqlite_url(tmp_path)


@pytest.fixture
def make_client(nlu, guard, rails):
    """make_client(url) → a TestClient over the real app on that database."""
    opened: list[tuple[TestClient, Services]] = []

    def factory(url: str) -> TestClient:
        services = make_services(url, nlu, guard, rails)
        client = TestClient(create_app(services.settings, services))
        client.__enter__()
        opened.append((client, services))
        return client

    yield factory
    for client, services in opened:
        client.__exit__(None, None, None)
        services.close()


@pytest.fixture
def client(make_client, sqlite_url) -> TestClient:
    return make_client(sqlite_url)
