"""Fixtures for console tests: the app on the test database, the demo world, signed-in browsers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from childguard.api.app import create_app
from childguard.config import Settings
from childguard.people import users
from tests.web_world import PASSWORD, WebWorld, build

CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


@dataclass
class Browser:
    """A client with its own cookies, signed in as one person."""

    client: TestClient
    csrf: str

    def post(self, url: str, data: dict[str, object] | None = None, **kw: object):  # type: ignore[no-untyped-def]
        """POST a form with the session's CSRF token."""
        return self.client.post(
            url, data={"csrf": self.csrf, **(data or {})}, follow_redirects=False, **kw
        )

    def get(self, url: str, **kw: object):  # type: ignore[no-untyped-def]
        """GET a page (redirects not followed)."""
        return self.client.get(url, follow_redirects=False, **kw)


@dataclass
class Web:
    """The app, its demo world and a way to sign people in."""

    app: FastAPI
    world: WebWorld
    settings: Settings

    def client(self) -> TestClient:
        """A fresh cookie jar on the app."""
        return TestClient(self.app, raise_server_exceptions=False)

    def login(self, client: TestClient, email: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
        """Post the sign-in form (with its CSRF cookie and field)."""
        form = client.get("/login")
        return client.post(
            "/login",
            data={"email": email, "password": password, "csrf": csrf_of(form.text), **extra},
            follow_redirects=False,
        )

    def sign_in(self, who: str) -> Browser:
        """A browser signed in as ``who`` of the demo world (admin, alice, bob, ...)."""
        client = self.client()
        r = self.login(client, self.world.emails[who])
        assert r.status_code == 303, r.text
        page = client.get("/account")
        return Browser(client, csrf_of(page.text))


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with parameters small enough for tests on a busy machine."""
    monkeypatch.setattr(
        users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def make_web(settings: Settings) -> Iterator[Callable[..., Web]]:
    """Build the app (with setting overrides) and the demo world."""
    entered: list[TestClient] = []

    def build_web(**overrides: object) -> Web:
        s = settings.model_copy(update=overrides) if overrides else settings
        app = create_app(s, start_poller=False)
        first = TestClient(app, raise_server_exceptions=False)
        first.__enter__()
        entered.append(first)
        world = build(app.state.cg.db, s)
        return Web(app, world, s)

    yield build_web
    for c in entered:
        c.__exit__(None, None, None)


@pytest.fixture
def web(make_web: Callable[..., Web]) -> Web:
    """The console with default settings and the demo world."""
    return make_web()
