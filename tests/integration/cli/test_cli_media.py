"""End-to-end through the ``childguard`` CLI: hashing, banks, lookup and scanning (issue 2).

Images come from ``tests/data`` or are made here; nothing is read from a sibling folder, so these
tests need no ``CHILDGUARD_CONFORMANCE_DATA`` (the ``"shared"`` below is a field of
``bank share --json``).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from childguard.cli.main import app
from tests.conftest import PDQ_DATA, dihedral_copies

runner = CliRunner()
BRIDGE = PDQ_DATA / "images" / "bridge-1-original.jpg"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("CHILDGUARD_DATA_DIR", str(d))
    monkeypatch.delenv("CHILDGUARD_ORG", raising=False)
    return d


def cg(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    return result.output


def json_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def photo(path: Path, seed: int, size: tuple[int, int] = (320, 240)) -> Path:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (size[1] // 16, size[0] // 16, 3), dtype=np.uint8)
    Image.fromarray(base).resize(size, Image.Resampling.BICUBIC).save(path, quality=92)
    return path


def test_hash_json_shape(tmp_path: Path) -> None:
    (row,) = json_lines(cg("hash", str(BRIDGE), "--json"))
    assert row["content_type"] == "image/jpeg"
    signals = row["signals"]
    assert isinstance(signals, dict)
    assert signals["pdq"] == {
        "hash": "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22",
        "quality": 100,
    }
    assert len(str(signals["md5"])) == 32 and len(str(signals["sha256"])) == 64


def test_every_dihedral_copy_matches_a_bank_of_the_original(tmp_path: Path) -> None:
    cg("bank", "create", "KNOWN")
    cg("bank", "add", "KNOWN", str(BRIDGE), "--source", "test", "--classification", "B2")
    copies = dihedral_copies(BRIDGE, tmp_path / "copies")
    assert len(copies) == 7
    rows = json_lines(cg("scan", *map(str, copies), "--json"))
    files = [r for r in rows if "path" in r]
    assert len(files) == 7
    transforms = set()
    for r in files:
        assert r["matched"] is True, r["path"]
        (m,) = [m for m in r["matches"] if m["signal_type"] == "pdq"]  # type: ignore[attr-defined]
        assert m["bank"] == "KNOWN" and m["distance"] <= 31
        assert m["provenance"]["classification"] == "B2"
        transforms.add(m["transform"])
    assert len(transforms) == 7  # each copy matched through its own transform
    assert rows[-1]["summary"]["matched"] == 7  # type: ignore[index]


def test_import_export_lookup_and_thresholds(tmp_path: Path) -> None:
    ref = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
    near = f"{int(ref, 16) ^ ((1 << 20) - 1):064x}"  # 20 bits away
    csv_file = tmp_path / "list.csv"
    csv_file.write_text(
        f"signal_type,signal,source,external_id,classification,note\npdq,{ref},IWF,77,A1,x\n"
    )
    cg("bank", "create", "STRICT", "--threshold", "10")
    cg("bank", "create", "LOOSE")
    cg("bank", "import", "STRICT", str(csv_file))
    cg("bank", "import", "LOOSE", str(csv_file))
    rows = json_lines(cg("lookup", "--signal", "pdq", near, "--json"))
    assert [m["bank"] for m in rows[0]["matches"]] == ["LOOSE"]  # type: ignore[attr-defined]
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(f"{ref}\n{near}\n{'0' * 64}\n")
    rows = json_lines(cg("lookup", "--signal", "pdq", "--file", str(hashes), "--json"))
    assert [len(r["matches"]) for r in rows] == [2, 1, 0]  # type: ignore[arg-type]
    exported = cg("bank", "export", "STRICT")
    assert f"pdq,{ref},IWF,77,A1,x,true," in exported
    out = tmp_path / "te.csv"
    cg("bank", "export", "STRICT", "--format", "te-csv", "--out", str(out))
    cg("bank", "create", "COPY")
    cg("bank", "import", "COPY", str(out))
    assert "COPY" in cg("bank", "list") and "pdq 1" in cg("bank", "list")


def test_atomic_import_names_the_line(tmp_path: Path) -> None:
    good = "a" * 64
    bad_file = tmp_path / "bad.txt"
    bad_file.write_text(f"pdq {good}\npdq {'b' * 64}\npdq nothex\n")
    cg("bank", "create", "ATOMIC")
    result = runner.invoke(app, ["bank", "import", "ATOMIC", str(bad_file)])
    assert result.exit_code == 2 and "line 3" in result.output
    (info,) = json_lines(cg("bank", "list", "--json"))
    assert info["entries"] == {}


def test_disable_and_remove_entries_and_banks() -> None:
    cg("bank", "create", "EDIT")
    cg("bank", "add", "EDIT", str(BRIDGE))
    pdq = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
    assert json_lines(cg("lookup", "-s", "pdq", pdq, "--json"))[0]["matches"]
    cg("bank", "disable", "EDIT", pdq)
    assert not json_lines(cg("lookup", "-s", "pdq", pdq, "--json"))[0]["matches"]
    cg("bank", "enable", "EDIT", pdq)
    cg("bank", "disable", "EDIT")
    assert not json_lines(cg("lookup", "-s", "pdq", pdq, "--json"))[0]["matches"]
    cg("bank", "enable", "EDIT")
    cg("bank", "remove", "EDIT", pdq)
    assert not json_lines(cg("lookup", "-s", "pdq", pdq, "--json"))[0]["matches"]
    assert "--yes" in cg("bank", "remove", "EDIT", code=2)
    cg("bank", "remove", "EDIT", "--yes")
    assert "no bank named EDIT" in cg("bank", "add", "EDIT", str(BRIDGE), code=4)


def test_allow_bank_suppresses_other_matches(tmp_path: Path) -> None:
    cg("bank", "create", "BAD")
    cg("bank", "create", "KNOWN_FP", "--allow")
    cg("bank", "add", "BAD", str(BRIDGE))
    cg("bank", "add", "KNOWN_FP", str(BRIDGE))
    (row, summary) = json_lines(cg("scan", str(BRIDGE), "--json"))
    assert row["matched"] is False
    banks = {(m["bank"], m["allow"], m["suppressed"]) for m in row["matches"]}  # type: ignore[attr-defined]
    assert ("BAD", False, True) in banks and ("KNOWN_FP", True, False) in banks
    assert summary["summary"]["matched"] == 0  # type: ignore[index]


def test_low_quality_is_reported_never_matched(tmp_path: Path) -> None:
    flat = tmp_path / "flat.png"
    Image.new("RGB", (200, 200), (120, 120, 120)).save(flat)
    (hashed,) = json_lines(cg("hash", str(flat), "--json"))
    own = hashed["signals"]["pdq"]["hash"]  # type: ignore[index]
    listing = tmp_path / "flat.txt"
    listing.write_text(f"{own}\n")
    cg("bank", "create", "FLAT")
    cg("bank", "import", "FLAT", str(listing), "--signal", "pdq")
    (row, _) = json_lines(cg("scan", str(flat), "--json"))
    assert row["low_quality"] is True and row["signals"]["pdq"]["quality"] < 50  # type: ignore[index]
    assert row["matched"] is False and row["matches"] == []
    # the same hash looked up directly (no quality attached) does match: the gate is quality
    assert json_lines(cg("lookup", "-s", "pdq", str(own), "--json"))[0]["matches"]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_header(width: int, height: int) -> bytes:
    """A tiny PNG file whose header declares ``width`` x ``height`` pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def test_bad_files_get_per_file_errors_and_the_scan_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    good = photo(folder / "a-good.jpg", 1)
    (folder / "b-empty.jpg").write_bytes(b"")
    data = good.read_bytes()
    (folder / "c-truncated.jpg").write_bytes(data[: len(data) // 3])
    (folder / "d-text.jpg").write_text("hello, not an image\n")
    (folder / "e-bomb.png").write_bytes(_png_header(50000, 50000))
    (folder / "f-archive.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    sub = folder / "g-loop"
    sub.mkdir()
    (sub / "back").symlink_to(folder, target_is_directory=True)
    (folder / "h-self").symlink_to(folder / "h-self")
    rows = json_lines(cg("scan", str(folder), "--json", "--no-require-banks"))
    by_name = {Path(str(r["path"])).name: r for r in rows if "path" in r}
    assert "signals" in by_name["a-good.jpg"]
    expected = {
        "b-empty.jpg": "hashing_error",
        "c-truncated.jpg": "hashing_error",
        "d-text.jpg": "unsupported_media",
        "e-bomb.png": "too_large",
        "f-archive.zip": "unsupported_media",
        "back": "invalid_input",
        "h-self": "invalid_input",
    }
    for name, code in expected.items():
        assert by_name[name]["error"]["code"] == code, (name, by_name[name])  # type: ignore[index]
    assert "CHILDGUARD_MAX_PIXELS" in by_name["e-bomb.png"]["error"]["message"]  # type: ignore[index]
    summary = rows[-1]["summary"]
    assert summary["files"] == 8 and summary["errors"] == 7  # type: ignore[index]


def test_pixel_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    img = photo(tmp_path / "p.jpg", 2, (400, 300))
    monkeypatch.setenv("CHILDGUARD_MAX_PIXELS", "100000")
    (row,) = json_lines(cg("hash", str(img), "--json", code=2))
    assert row["error"]["code"] == "too_large"  # type: ignore[index]
    monkeypatch.setenv("CHILDGUARD_MAX_PIXELS", "130000")
    (row,) = json_lines(cg("hash", str(img), "--json"))
    assert "signals" in row


def test_unreadable_directory_is_a_per_path_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    photo(locked / "x.jpg", 3)
    ok = photo(tmp_path / "ok.jpg", 4)
    real_scandir = os.scandir

    def deny(path: object) -> object:
        if Path(str(path)) == locked:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", deny)
    rows = json_lines(cg("scan", str(locked), str(ok), "--json", "--no-require-banks"))
    assert rows[0]["error"]["code"] == "permission_denied"  # type: ignore[index]
    assert rows[1]["matched"] is False and rows[-1]["summary"]["errors"] == 1  # type: ignore[index]


def test_usage_errors_exit_non_zero_without_traceback(tmp_path: Path) -> None:
    assert "no such file" in cg("scan", str(tmp_path / "missing"), code=2)
    assert "unknown signal type" in cg("lookup", "--signal", "tlsh", "abc", code=2)
    assert "64 hex" in cg("lookup", "--signal", "pdq", "xyz", code=2)
    assert "UPPER_SNAKE_CASE" in cg("bank", "create", "../etc", code=2)
    cg("bank", "create", "DUP")
    assert "already exists" in cg("bank", "create", "DUP", code=6)


def test_console_script_runs_and_prints_help(tmp_path: Path) -> None:
    exe = shutil.which("childguard", path=str(Path(sys.executable).parent))
    assert exe is not None
    env = {**os.environ, "CHILDGUARD_DATA_DIR": str(tmp_path / "d")}
    for args in (["--help"], ["scan", "--help"], ["bank", "import", "--help"]):
        proc = subprocess.run([exe, *args], capture_output=True, text=True, env=env, check=False)
        assert proc.returncode == 0 and "Usage" in proc.stdout
    proc = subprocess.run(
        [exe, "hash", str(tmp_path / "nope.jpg")], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_scan_with_no_bank_is_refused_loudly(
    tmp_path: Path, data_dir: Path, database_url: str | None
) -> None:
    ok = photo(tmp_path / "ok.jpg", 4)
    out = cg("scan", str(ok), code=7)
    where = "CHILDGUARD_DATABASE_URL" if database_url else str(data_dir)
    assert "no bank with hashes" in out and where in out and "CHILDGUARD_DATA_DIR" in out
    cg("bank", "create", "EMPTY")  # a bank without hashes matches nothing either
    cg("scan", str(ok), code=7)
    warned = cg("scan", str(ok), "--no-require-banks")
    assert "warning" in warned and "1 files, 0 matched" in warned


def test_scan_of_an_unknown_bank_hints_at_case() -> None:
    cg("bank", "create", "KNOWN_BAD")
    cg("bank", "add", "KNOWN_BAD", str(BRIDGE))
    assert "did you mean KNOWN_BAD?" in cg("scan", str(BRIDGE), "--bank", "known_bad", code=4)
    assert "childguard bank list" in cg("scan", str(BRIDGE), "--bank", "OTHER", code=4)


def test_cli_and_server_share_data_and_organisation_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None
) -> None:
    from childguard.auth import authenticate
    from childguard.cli.server_cmd import bootstrap_admin
    from childguard.config import Settings
    from childguard.store.db import Database

    monkeypatch.delenv("CHILDGUARD_DATA_DIR")
    monkeypatch.chdir(tmp_path)  # the folder the CLI runs in does not matter
    settings = Settings()
    assert settings.data_dir == tmp_path / "xdg-data" / "childguard"
    secret = bootstrap_admin(settings)
    assert secret
    cg("bank", "create", "SHARED_LIST")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert "SHARED_LIST" in cg("bank", "list")
    db = Database.open(settings)
    try:
        with db.session() as s:
            principal = authenticate(s, secret)
            assert principal.org_name == settings.org == "local"
    finally:
        db.dispose()


def test_cli_matches_are_audited_and_counted_like_the_api() -> None:
    from childguard.config import Settings
    from childguard.store.db import Database
    from childguard.store.models import AuditRecord

    cg("bank", "create", "AUDITED")
    cg("bank", "add", "AUDITED", str(BRIDGE))
    cg("scan", str(BRIDGE))
    db = Database.open(Settings())
    try:
        with db.session() as s:
            rows = list(s.query(AuditRecord).order_by(AuditRecord.id))
    finally:
        db.dispose()
    (match,) = [r for r in rows if r.action == "scan.match"]
    details = json.loads(match.details)
    assert details["blocked"] is True and details["content_type"] == "image/jpeg"
    assert {m["bank"] for m in details["matches"]} == {"AUDITED"}
    assert str(BRIDGE.name) not in match.details  # no file name, no hash
    user_actors = {r.actor for r in rows if r.org_id is not None}
    assert all(a.startswith("local:cli:") for a in user_actors), user_actors
    assert {r.actor for r in rows if r.org_id is None} <= {"system", f"system:cli:{_user()}"}


def _user() -> str:
    import getpass

    return getpass.getuser()


def test_workers_keep_the_order_and_the_output(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(9):
        photo(folder / f"p{i}.jpg", 10 + i)
    (folder / "p4-broken.jpg").write_bytes(b"not an image")
    shutil.copy(BRIDGE, folder / "p9-bridge.jpg")
    one = cg("hash", str(folder), "--json", "--workers", "1")
    two = cg("hash", str(folder), "--json", "--workers", "3")
    assert one == two and len(json_lines(one)) == 11
    cg("bank", "create", "PAR")
    cg("bank", "add", "PAR", str(BRIDGE))
    rows = json_lines(cg("scan", str(folder), "--json", "--workers", "3"))
    files = [r for r in rows if "path" in r]
    assert [Path(str(r["path"])).name for r in files] == sorted(p.name for p in folder.iterdir())
    assert [r["matched"] for r in files if "error" not in r].count(True) == 1
    assert rows[-1]["summary"]["errors"] == 1  # type: ignore[index]


def test_every_command_that_changes_something_prints_one_json_object(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"pdq {'ab' * 32}\n")

    def one(*args: str) -> dict[str, object]:
        result = runner.invoke(app, [*args, "--json"])
        assert result.exit_code == 0, result.output
        out = result.stdout
        lines = [ln for ln in out.splitlines() if ln.strip()]
        assert len(lines) == 1, out
        obj = json.loads(lines[0])
        assert isinstance(obj, dict)
        return obj

    assert one("db", "upgrade")["revision"]
    assert one("org", "create", "acme")["name"] == "acme"
    key = one("key", "create", "--org", "acme", "--role", "platform")
    assert str(key["key"]).startswith("cg_") and key["role"] == "platform"
    assert one("key", "revoke", str(key["id"]))["revoked"] is True
    assert one("bank", "create", "J_BANK")["name"] == "J_BANK"
    assert one("bank", "update", "J_BANK", "--threshold", "20")["pdq_threshold"] == 20
    assert one("bank", "import", "J_BANK", str(listing))["added"] == 1
    assert one("bank", "add", "J_BANK", str(BRIDGE))["by_signal"] == {
        "pdq": 1, "md5": 1, "sha256": 1,
    }  # fmt: skip
    assert one("bank", "disable", "J_BANK")["enabled"] is False
    assert one("bank", "enable", "J_BANK", "ab" * 32)["entries"] == 1
    assert one("bank", "share", "J_BANK", "acme")["shared"] is True
    assert one("bank", "remove", "J_BANK", "--yes")["deleted"] is True


def test_key_create_prints_the_key_alone_on_the_last_line() -> None:
    cg("org", "create", "acme")
    result = runner.invoke(app, ["key", "create", "--org", "acme", "--role", "platform"])
    *_, last = [ln for ln in result.stdout.splitlines() if ln.strip()]
    assert last.startswith("cg_") and " " not in last


def test_serve_on_a_busy_port_says_which_and_how_to_choose_another() -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        out = cg("serve", "--port", str(port), code=6)
    assert f"127.0.0.1:{port}" in out and f"make run PORT={port + 1}" in out
    assert "childguard API:" not in out  # no URL printed for a server that never started


def test_scan_bank_option_takes_owner_and_name() -> None:
    cg("bank", "create", "OWNED")
    cg("bank", "add", "OWNED", str(BRIDGE))
    (row, _) = json_lines(cg("scan", str(BRIDGE), "--bank", "local:OWNED", "--json"))
    assert [(m["bank"], m["owner"]) for m in row["matches"]] == [("OWNED", "local")] * 3  # type: ignore[union-attr]
