"""The command line imports a command's module (and its heavy libraries) only when it runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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


@pytest.mark.parametrize("name", list(COMMANDS))
def test_static_help_line_is_the_commands_own(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert command.get_short_help_str(limit=200) == COMMANDS[name][1]
