"""Fixtures for API tests: an app on the test database and keys for every role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from childguard.api.app import create_app
from childguard.auth import create_key, ensure_org
from childguard.config import Settings
from childguard.store.db import Database


@dataclass
class Api:
    """A running test app and a way to mint keys."""

    client: TestClient
    settings: Settings
    db: Database
    app: FastAPI

    def key(self, org: str, role: str) -> dict[str, str]:
        """Authorization headers for a new key of ``role`` in ``org`` (created if missing)."""
        with self.db.session() as s:
            secret = create_key(s, ensure_org(s, org), role).secret
        return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def make_api(settings: Settings) -> Iterator[Callable[..., Api]]:
    """Build an app with optional setting overrides; closed at teardown."""
    clients: list[TestClient] = []

    def build(**overrides: object) -> Api:
        s = settings.model_copy(update=overrides) if overrides else settings
        app = create_app(s, start_poller=False)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return Api(client, s, app.state.cg.db, app)

    yield build
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    """An app with default settings."""
    return make_api()
