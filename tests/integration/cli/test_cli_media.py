"""End-to-end through the ``childguard`` CLI: hashing, banks, lookup and scanning (issue 2)."""

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
from tests.conftest import PDQ_DATA

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


def test_every_dihedral_copy_matches_a_bank_of_the_original() -> None:
    cg("bank", "create", "KNOWN")
    cg("bank", "add", "KNOWN", str(BRIDGE), "--source", "test", "--classification", "B2")
    folder = PDQ_DATA / "images"
    copies = sorted(folder.glob("bridge-[2-8]-*.jpg"))
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
    rows = json_lines(cg("scan", str(folder), "--json"))
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
    rows = json_lines(cg("scan", str(locked), str(ok), "--json"))
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
