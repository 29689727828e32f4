"""Benchmark ``childguard bank import`` against a plain parse + bulk insert of the same rows.

    .venv/bin/python bench/import_bench.py --rows 1000000
    .venv/bin/python bench/import_bench.py --rows 1000000 --pg postgresql+psycopg://.../postgres
    .venv/bin/python bench/import_bench.py --only postgresql --runs 3 --pg ...

It writes a file of ``--rows`` random PDQ hashes (``signal_type signal`` per line) and runs on
SQLite and, with ``--pg`` (or ``CHILDGUARD_BENCH_PG_URL``), on PostgreSQL (a fresh database for
each run), each in its own fresh subprocess so that peak resident memory is that process's own:

- ``plain``: read the file, split each line, compute the same rows (value digest included) and
  insert them with one ``executemany`` into a bare table of the same columns (SQLite), or ``COPY``
  (PostgreSQL), then build the unique index once at the end and commit;
- ``childguard``: ``childguard bank import BENCH file --create`` into a fresh database, which also
  validates every line, merges duplicates, audits and records the change for every server.

Printed, side by side for each database: seconds, hashes/s, CPU seconds of the client process
and its worker processes (a busy machine inflates it less than wall time; PostgreSQL's own work
is not in it), peak RSS (MB, of the process and its worker processes together), and the ratios
childguard / plain; with ``--runs`` above 1, also the wall ratio of each run's pair (run back
to back), which shows how much a shared machine moves it. Targets (issue 13): wall ratio <= 2.0,
and peak RSS <= 500 MB whatever the number of rows. The load average is
printed: a shared machine's figures are only indicative.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
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


def run_timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds (user + system, its worker processes included), peak RSS MB)
    of a subprocess. The peak is that of the whole process tree: the resident memory of the
    process and its worker processes, summed, sampled every 0.1 s (and at least the process's
    own peak)."""
    import psutil  # type: ignore[import-untyped]

    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tree_peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            root = psutil.Process(proc.pid)
            members = [root, *root.children(recursive=True)]
            tree = sum(m.memory_info().rss for m in members if m.is_running())
        except psutil.Error:  # a worker ended while sampled
            tree = 0
        tree_peak = max(tree_peak, tree)
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{argv[2:5]} failed: {err[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, max(usage.ru_maxrss / 1024, tree_peak / 2**20)


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


def run_once(
    method: str, hashes: Path, folder: Path, env: dict[str, str], pg_admin: str
) -> tuple[float, float, float]:
    """One import by ``method`` (``plain`` or ``childguard``) into a fresh database."""
    url = fresh_pg_database(pg_admin) if pg_admin else ""
    data = Path(tempfile.mkdtemp(prefix=f"data-{method}-", dir=folder))
    run_env = {**env, "CHILDGUARD_DATA_DIR": str(data)}
    if url:
        run_env["CHILDGUARD_DATABASE_URL"] = url
    try:
        if method == "plain":
            target = url or f"sqlite:///{data / 'plain.db'}"
            return run_timed([sys.executable, __file__, "--plain", str(hashes), target], run_env)
        subprocess.run(  # migrate first: the import alone is timed
            [sys.executable, "-m", "childguard.cli.main", "db", "upgrade"],
            env=run_env,
            check=True,
            capture_output=True,
        )
        argv_ = [sys.executable, "-m", "childguard.cli.main", "bank", "import"]
        return run_timed([*argv_, "BENCH", str(hashes), "--create"], run_env)
    finally:
        if url:
            drop_pg_database(pg_admin, url)
        shutil.rmtree(data, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run both imports on each database and print the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="PDQ hashes in the file")
    parser.add_argument("--runs", type=int, default=1, help="runs of each (the median is shown)")
    parser.add_argument(
        "--pg",
        default=os.environ.get("CHILDGUARD_BENCH_PG_URL", ""),
        help="PostgreSQL URL of a database from which fresh ones can be created "
        "(default: $CHILDGUARD_BENCH_PG_URL); SQLite alone when empty",
    )
    parser.add_argument(
        "--only",
        choices=("sqlite", "postgresql"),
        help="run on this database alone (PostgreSQL needs --pg)",
    )
    parser.add_argument("--plain", nargs=2, metavar=("FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plain:
        plain_import(Path(args.plain[0]), args.plain[1])
        return 0
    engines = {"SQLite": ""} | ({"PostgreSQL": args.pg} if args.pg else {})
    if args.only:
        engines = {k: v for k, v in engines.items() if k.lower() == args.only}
        if not engines:
            parser.error("--only postgresql needs --pg (or CHILDGUARD_BENCH_PG_URL)")
    figures: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        hashes = folder / "hashes.txt"
        write_hashes(hashes, args.rows)
        size_mb = hashes.stat().st_size / 1e6
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHILDGUARD_")}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parents[1] / "src"), env.get("PYTHONPATH", "")]
        )
        for _ in range(args.runs):  # interleaved, so that a shared machine's drift hits all
            for engine, pg_admin in engines.items():
                for method in ("plain", "childguard"):
                    figure = run_once(method, hashes, folder, env, pg_admin)
                    figures.setdefault((engine, method), []).append(figure)
    print(f"{args.rows:,} PDQ hashes ({size_mb:.0f} MB file), median of {args.runs} run(s)")
    print(
        f"{'database':11} {'method':11} {'seconds':>8} {'hashes/s':>10} {'CPU s':>7} "
        f"{'peak RSS MB':>12}"
    )
    medians = {
        key: tuple(statistics.median(run[i] for run in runs) for i in range(3))
        for key, runs in figures.items()
    }
    for (engine, method), (secs, cpu, rss) in medians.items():
        print(
            f"{engine:11} {method:11} {secs:8.2f} {args.rows / secs:10,.0f} {cpu:7.2f} {rss:12.0f}"
        )
    for engine in engines:
        plain, ours = medians[(engine, "plain")], medians[(engine, "childguard")]
        baseline = "executemany" if engine == "SQLite" else "COPY"
        print(
            f"{engine}: childguard / plain {baseline}: {ours[0] / plain[0]:.2f} wall, "
            f"{ours[1] / plain[1]:.2f} client CPU (target <= {TARGET_RATIO} wall); "
            f"peak RSS {ours[2]:.0f} MB (target <= {TARGET_RSS_MB:.0f} MB)"
        )
        if args.runs > 1:  # each run's pair ran back to back: its ratio shows the spread
            pairs = zip(figures[(engine, "plain")], figures[(engine, "childguard")], strict=True)
            print(f"  wall ratio of each run: {' '.join(f'{c[0] / p[0]:.2f}' for p, c in pairs)}")
    if "PostgreSQL" in engines:
        print("(PostgreSQL's own CPU time is in the server, not in the client CPU column)")
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
