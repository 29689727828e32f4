"""The command line imports a command's module (and its heavy libraries) only when it runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from childguard import __version__
from childguard.cli.main import COMMANDS, load_command
from tests.conftest import PDQ_DATA, REPO_ROOT

HEAVY = ("sqlalchemy", "alembic", "fastapi", "sklearn", "rich.progress", "childguard.store.db")


def _modules_after(*args: str) -> set[str]:
    code = (
        "import sys, json\n"
        "from childguard.cli.main import main\n"
        f"sys.argv = ['childguard', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO_ROOT / "src"), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--version",), ("--help",)])
def test_version_and_help_import_no_command(args: tuple[str, ...]) -> None:
    loaded = _modules_after(*args)
    assert not {m for m in loaded if m.startswith(HEAVY)}
    assert not {m for m in loaded if m.startswith("childguard.cli.") and m.endswith("_cmd")}
    assert "childguard.config" not in loaded and "numpy" not in loaded


def test_hash_imports_no_database_or_web_library() -> None:
    loaded = _modules_after("hash", str(PDQ_DATA / "images" / "wee.jpg"))
    assert "childguard.media.signals.pdq" in loaded  # it did hash
    assert not {m for m in loaded if m.startswith(HEAVY)}
    # What one JPEG does not need: the settings' former library (with asyncio), the HEIF
    # decoder, the process pool, the match index.
    unneeded = ("pydantic_settings", "asyncio", "pillow_heif", "concurrent.futures.process")
    assert not {m for m in loaded if m.startswith(unneeded)}
    assert "childguard.media.index.pdq_mih" not in loaded


@pytest.mark.parametrize("name", list(COMMANDS))
def test_static_help_line_is_the_commands_own(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert command.get_short_help_str(limit=200) == COMMANDS[name][1]


@pytest.mark.parametrize("columns", [20, 52, 60, 80, 200])
@pytest.mark.parametrize("prog", ["childguard", "python -m childguard.cli.main", "x" * 70])
def test_quick_help_is_typers_help(
    columns: int, prog: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    from childguard.cli.app import build_app
    from childguard.cli.quick import help_width, root_help

    monkeypatch.setenv("COLUMNS", str(columns))
    command = typer.main.get_command(build_app())
    typers = command.get_help(command.make_context(prog, ["--help"], resilient_parsing=True))
    assert root_help(prog, help_width()) == typers + "\n"


def _run_cli(*args: str, columns: int = 72) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(REPO_ROOT / "src"), "PATH": "/usr/bin:/bin", "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "childguard.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
    )


def test_help_and_version_answered_without_typer_say_what_typer_says() -> None:
    typer_help = _run_cli("--help", "--help")  # two arguments: Typer answers
    quick_help = _run_cli("--help")
    assert typer_help.returncode == quick_help.returncode == 0
    assert quick_help.stdout == typer_help.stdout
    assert re.search(r"\n  bank +Manage hash banks", quick_help.stdout)
    typer_version = _run_cli("--version", "hash")  # eager: Typer prints the version and stops
    quick_version = _run_cli("--version")
    assert quick_version.stdout == typer_version.stdout == f"childguard {__version__}\n"


def test_bare_command_prints_the_help_and_exits_2() -> None:
    done = _run_cli()
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == _run_cli("--help").stdout
