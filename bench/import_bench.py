"""Benchmark ``childguard bank import`` against a plain parse + bulk insert of the same rows.

    .venv/bin/python bench/import_bench.py --rows 1000000
    CHILDGUARD_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/import_bench.py

It writes a file of ``--rows`` random PDQ hashes (``signal_type signal`` per line) and runs, each
in its own fresh subprocess so that peak resident memory is that process's own:

- ``plain``: read the file, split each line, compute the same rows (value digest included) and
  insert them with one ``executemany`` into a bare table of the same columns (SQLite), or ``COPY``
  (PostgreSQL), then build the unique index once at the end and commit;
- ``childguard``: ``childguard bank import BENCH file --create`` into a fresh database, which also
  validates every line, merges duplicates, audits and records the change for every server.

Printed: seconds, hashes/s, peak RSS (MB) of each, and the ratio childguard / plain. Targets
(issue 13): ratio <= 2.0, and peak RSS <= 500 MB whatever the number of rows.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SEED = 20261204
TARGET_RATIO = 2.0
TARGET_RSS_MB = 500.0


def write_hashes(path: Path, rows: int) -> None:
    """``rows`` random, distinct-with-high-probability PDQ hashes in te-lines form."""
    rng = __import__("random").Random(SEED)
    with path.open("w", encoding="utf-8") as fh:
        for start in range(0, rows, 10_000):
            n = min(10_000, rows - start)
            fh.write("".join(f"pdq {rng.getrandbits(256):064x}\n" for _ in range(n)))


def plain_import(path: Path, url: str) -> None:
    """The baseline: parse and bulk-insert the same rows with the index built at the end."""
    import datetime as dt

    import sqlalchemy as sa

    now = dt.datetime.now(dt.UTC)
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    columns = "bank_id, signal_type, value, value_digest, source, external_id, "
    columns += "classification, note, enabled, added_at"
    ddl = (
        "CREATE TABLE plain_entries (id INTEGER PRIMARY KEY, bank_id INTEGER, signal_type TEXT, "
        "value TEXT, value_digest TEXT, source TEXT, external_id TEXT, classification TEXT, "
        "note TEXT, enabled BOOLEAN, added_at TIMESTAMP)"
    )
    if engine.dialect.name == "postgresql":
        ddl = ddl.replace("id INTEGER PRIMARY KEY", "id SERIAL PRIMARY KEY")

    def rows() -> list[tuple[object, ...]]:
        out: list[tuple[object, ...]] = []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                stype, _, value = line.strip().partition(" ")
                digest = hashlib.sha256(f"{stype}:{value}".encode()).hexdigest()
                out.append((1, stype, value, digest, "", "", "", "", True, now))
        return out

    with engine.begin() as conn:
        conn.exec_driver_sql(ddl)
        if engine.dialect.name == "postgresql":
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            copy_sql = f"COPY plain_entries ({columns}) FROM STDIN"
            with cursor.copy(copy_sql) as copy, path.open(encoding="utf-8") as fh:
                for line in fh:
                    stype, _, value = line.strip().partition(" ")
                    digest = hashlib.sha256(f"{stype}:{value}".encode()).hexdigest()
                    copy.write_row((1, stype, value, digest, "", "", "", "", True, now))
        else:  # the same journal settings as childguard's SQLite connections
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
            marks = ", ".join("?" * 10)
            conn.exec_driver_sql(f"INSERT INTO plain_entries ({columns}) VALUES ({marks})", rows())
        conn.exec_driver_sql(
            "CREATE UNIQUE INDEX plain_entries_digest ON plain_entries (bank_id, value_digest)"
        )
    engine.dispose()


def run_timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS MB) of a subprocess."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{argv[2:5]} failed: {err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def fresh_pg_database(admin_url: str) -> str:
    """A new empty database on the server of ``admin_url`` (dropped by the caller)."""
    import sqlalchemy as sa

    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(admin_url: str, url: str) -> None:
    """Drop a database made by ``fresh_pg_database``."""
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    admin.dispose()


def main(argv: list[str] | None = None) -> int:
    """Run both imports and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="PDQ hashes in the file")
    parser.add_argument("--plain", nargs=2, metavar=("FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plain:
        plain_import(Path(args.plain[0]), args.plain[1])
        return 0
    pg_admin = os.environ.get("CHILDGUARD_DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        hashes = folder / "hashes.txt"
        write_hashes(hashes, args.rows)
        size_mb = hashes.stat().st_size / 1e6
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHILDGUARD_")}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parents[1] / "src"), env.get("PYTHONPATH", "")]
        )
        results: dict[str, tuple[float, float]] = {}
        for name in ("plain", "childguard"):
            url = fresh_pg_database(pg_admin) if pg_admin else ""
            data = folder / f"data-{name}"
            run_env = {**env, "CHILDGUARD_DATA_DIR": str(data)}
            if url:
                run_env["CHILDGUARD_DATABASE_URL"] = url
            try:
                if name == "plain":
                    data.mkdir()
                    target = url or f"sqlite:///{data / 'plain.db'}"
                    argv_ = [sys.executable, __file__, "--plain", str(hashes), target]
                else:
                    subprocess.run(  # migrate first: the import alone is timed
                        [sys.executable, "-m", "childguard.cli.main", "db", "upgrade"],
                        env=run_env,
                        check=True,
                        capture_output=True,
                    )
                    argv_ = [sys.executable, "-m", "childguard.cli.main", "bank", "import"]
                    argv_ += ["BENCH", str(hashes), "--create"]
                results[name] = run_timed(argv_, run_env)
            finally:
                if url:
                    drop_pg_database(pg_admin, url)
    engine = "PostgreSQL" if pg_admin else "SQLite"
    print(f"{args.rows:,} PDQ hashes ({size_mb:.0f} MB file) into {engine}")
    print(f"{'method':12} {'seconds':>8} {'hashes/s':>10} {'peak RSS MB':>12}")
    for name, (secs, rss) in results.items():
        print(f"{name:12} {secs:8.2f} {args.rows / secs:10,.0f} {rss:12.0f}")
    ratio = results["childguard"][0] / results["plain"][0]
    rss = results["childguard"][1]
    print(f"ratio childguard/plain: {ratio:.2f} (target <= {TARGET_RATIO})")
    print(f"childguard peak RSS: {rss:.0f} MB (target <= {TARGET_RSS_MB:.0f} MB)")
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
