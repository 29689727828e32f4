"""Two childguard servers on this machine (uvicorn subprocesses), each with its own data
directory and database, for the feed tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import sqlalchemy as sa
from typer.testing import CliRunner

from childguard.auth import create_key, ensure_org
from childguard.cli.main import app as cli_app
from childguard.config import Settings
from childguard.store.db import Database
from tests.conftest import PG_ADMIN_URL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_database_url() -> str | None:
    """None for SQLite, or a fresh PostgreSQL database when the suite runs on PG."""
    if not PG_ADMIN_URL:
        return None
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str | None) -> None:
    if not url:
        return
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Server:
    """One deployment: its settings, database, org and (once started) its URL."""

    name: str
    data_dir: Path
    org: str
    poll_seconds: float = 0.0
    database_url: str | None = None
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    db: Database = field(init=False)

    def __post_init__(self) -> None:
        self.db = Database.open(self.settings)
        with self.db.session() as s:
            ensure_org(s, self.org)

    @property
    def settings(self) -> Settings:
        return Settings(
            data_dir=self.data_dir,
            database_url=self.database_url,
            org=self.org,
            feed_poll_seconds=self.poll_seconds,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "CHILDGUARD_DATA_DIR": str(self.data_dir),
            "CHILDGUARD_ORG": self.org,
            "CHILDGUARD_FEED_POLL_SECONDS": str(self.poll_seconds),
            "CHILDGUARD_INDEX_POLL_SECONDS": "0.2",
            "CHILDGUARD_LOG_LEVEL": "WARNING",
        }
        env.pop("CHILDGUARD_DATABASE_URL", None)
        if self.database_url:
            env["CHILDGUARD_DATABASE_URL"] = self.database_url
        return env

    def key(self, org: str, role: str) -> str:
        with self.db.session() as s:
            return create_key(s, ensure_org(s, org), role).secret

    def start(self) -> None:
        self.port = self.port or free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "childguard.cli.main", "serve", "--port", str(self.port)],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            assert self.proc.poll() is None, f"server {self.name} exited"
            assert time.monotonic() < deadline, f"server {self.name} did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.proc = None

    def cli(self, *args: str, stdin: str | None = None) -> tuple[int, str]:
        """Run a CLI command in process with this deployment's environment."""
        env = {k: v for k, v in self.env().items() if k.startswith("CHILDGUARD_")}
        if not self.database_url:
            env["CHILDGUARD_DATABASE_URL"] = ""
        result = CliRunner().invoke(cli_app, list(args), env=env, input=stdin)
        return result.exit_code, result.output

    def close(self) -> None:
        self.stop()
        self.db.dispose()
        drop_database(self.database_url)
