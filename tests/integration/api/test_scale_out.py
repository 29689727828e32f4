"""Two servers on one database stay consistent: what one adds, the other matches."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from childguard.auth import create_key, ensure_org
from childguard.config import Settings
from childguard.store.db import Database

PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_servers(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    db = Database.open(settings)
    with db.session() as s:
        key = create_key(s, ensure_org(s, "acme"), "platform").secret
    db.dispose()
    procs, urls = [], []
    env = {
        **os.environ,
        "CHILDGUARD_DATA_DIR": str(settings.data_dir),
        "CHILDGUARD_INDEX_POLL_SECONDS": "0.5",
        "CHILDGUARD_LOG_LEVEL": "WARNING",
    }
    if settings.database_url:
        env["CHILDGUARD_DATABASE_URL"] = settings.database_url
    exe = [sys.executable, "-m", "childguard.cli.main"]
    for _ in range(2):
        port = _free_port()
        procs.append(
            subprocess.Popen(
                [*exe, "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        for url in urls:
            while True:
                try:
                    if httpx2.get(f"{url}/readyz", timeout=1).status_code == 200:
                        break
                except httpx2.HTTPError:
                    pass
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        yield urls[0], urls[1], key
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=20)


def test_entry_added_on_one_server_matches_on_the_other(two_servers: tuple[str, str, str]) -> None:
    first, second, key = two_servers
    h = {"Authorization": f"Bearer {key}"}
    look = {"signal_type": "pdq", "hashes": [PDQ]}
    assert httpx2.post(f"{first}/v1/banks", headers=h, json={"name": "SHARED"}).status_code == 201
    assert (
        httpx2.post(f"{second}/v1/lookup", headers=h, json=look).json()["results"][0]["matches"]
        == []
    )
    r = httpx2.post(
        f"{first}/v1/banks/SHARED/entries", headers=h, json={"signal_type": "pdq", "signal": PDQ}
    )
    assert r.status_code == 201
    # matchable at once on the server that took it
    assert httpx2.post(f"{first}/v1/lookup", headers=h, json=look).json()["results"][0]["matches"]
    added = time.monotonic()
    while not httpx2.post(f"{second}/v1/lookup", headers=h, json=look).json()["results"][0][
        "matches"
    ]:
        assert time.monotonic() - added < 5, "the second server did not see the entry within 5 s"
        time.sleep(0.05)
    # removals propagate the same way
    entry_id = httpx2.get(f"{first}/v1/banks/SHARED/entries", headers=h).json()[0]["id"]
    httpx2.delete(f"{first}/v1/banks/SHARED/entries/{entry_id}", headers=h)
    removed = time.monotonic()
    while httpx2.post(f"{second}/v1/lookup", headers=h, json=look).json()["results"][0]["matches"]:
        assert time.monotonic() - removed < 5
        time.sleep(0.05)
