"""Console fixtures: the real app and engine with staff accounts, and signed-in browsers for each role."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.console.staff import add_staff, staff_client


@pytest.fixture
def console_app(client: TestClient) -> TestClient:
    """The app (SQLite) with a collector, a QA analyst and an admin; the client itself is signed out."""
    add_staff(client.app.state.services.store)
    return client


@pytest.fixture
def store(console_app):
    return console_app.app.state.services.store


@pytest.fixture
def collector(console_app) -> TestClient:
    return staff_client(console_app, "alice")


@pytest.fixture
def qa(console_app) -> TestClient:
    return staff_client(console_app, "quinn")


@pytest.fixture
def admin(console_app) -> TestClient:
    return staff_client(console_app, "ada")
