"""Answers ``childguard --version``, ``--help`` and a bare ``childguard`` without importing Typer.

Typer and its click import in about 70 ms, more than the whole start-up budget of those three
invocations (issue 13: within 0.15 s of a bare interpreter). Their output is built here from the
static table in ``commands.py`` with click's layout rules (width, usage line, definition lists), so
it is the same text Typer prints; a test compares the two at several terminal widths. Anything
else (a command, an unknown option, ``--version`` with other arguments) goes to Typer.
"""

from __future__ import annotations

import os
import sys

from childguard import __version__
from childguard.cli.commands import COMMANDS, HELP_HELP, ROOT_HELP, ROOT_USAGE, VERSION_HELP

TYPE_CHECKING = False  # importing typing or types costs start-up time; only mypy needs them
if TYPE_CHECKING:
    from types import ModuleType

#: click's defaults: help at most this wide, never narrower than ``MIN_WIDTH``, indented by 2.
MAX_WIDTH = 80
MIN_WIDTH = 50
INDENT = 2
#: click's definition lists: the first column at most this wide, then this many spaces.
COL_MAX = 30
COL_SPACING = 2


def program_name(argv0: str | None = None, main_module: ModuleType | None = None) -> str:
    """The command's name as click shows it: the script's file name, or ``python -m package``."""
    main_module = main_module if main_module is not None else sys.modules.get("__main__")
    path = argv0 if argv0 else sys.argv[0]
    package = getattr(main_module, "__package__", None)
    if package in (None, ""):
        return os.path.basename(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = str(package) if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"


def help_width() -> int:
    """click's help width: the terminal's columns (``COLUMNS`` first), at most 80, minus 2."""
    import shutil

    return max(min(shutil.get_terminal_size().columns, MAX_WIDTH) - 2, MIN_WIDTH)


def _wrap(text: str, width: int, initial: str = "", subsequent: str = "") -> list[str]:
    # click's wrapper: textwrap with whitespace kept and over-long words cut where the line ends
    import textwrap

    class _Wrapper(textwrap.TextWrapper):
        def _handle_long_word(
            self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int
        ) -> None:
            space_left = max(width - cur_len, 1)
            last = reversed_chunks[-1]
            cur_line.append(last[:space_left])
            reversed_chunks[-1] = last[space_left:]

    wrapper = _Wrapper(
        width, initial_indent=initial, subsequent_indent=subsequent, replace_whitespace=False
    )
    return wrapper.wrap(text.expandtabs())


def _definition_list(rows: list[tuple[str, str]], width: int, indent: int) -> list[str]:
    first_col = min(max(len(first) for first, _ in rows), COL_MAX) + COL_SPACING
    text_width = max(width - first_col - 2, 10)
    lines: list[str] = []
    for first, second in rows:
        head = " " * indent + first
        if len(first) <= first_col - COL_SPACING:
            head += " " * (first_col - len(first))
            wrapped = _wrap(second, text_width)
            lines.append(head + wrapped[0])
        else:
            lines.append(head)
            wrapped = _wrap(second, text_width)
            lines.append(" " * (first_col + indent) + wrapped[0])
        lines.extend(" " * (first_col + indent) + line for line in wrapped[1:])
    return lines


def root_help(prog: str, width: int) -> str:
    """The top-level help, as Typer prints it for ``prog --help`` at help width ``width``."""
    prefix = f"Usage: {prog} "
    if width >= len(prefix) + 20:
        lines = _wrap(ROOT_USAGE, width, prefix, " " * len(prefix))
    else:  # click puts the arguments on the next line when the program name is very long
        lines = [prefix, *_wrap(ROOT_USAGE, width, " " * (len("Usage: ") + 4), " " * 11)]
    lines.append("")
    pad = " " * INDENT
    lines.extend(_wrap(ROOT_HELP, width, pad, pad))
    lines += ["", "Options:"]
    lines += _definition_list([("--version", VERSION_HELP), ("--help", HELP_HELP)], width, INDENT)
    lines += ["", "Commands:"]
    lines += _definition_list([(n, text) for n, (_, text) in COMMANDS.items()], width, INDENT)
    return "\n".join(lines) + "\n"


def answer(args: list[str]) -> int | None:
    """Answer ``args`` without Typer when it is ``--version``, ``--help`` or nothing.

    Returns the exit status after printing (``--version`` and ``--help`` to standard output and
    0; no arguments: the help to standard error and 2, as click does), or None when Typer must
    handle the arguments.
    """
    if args == ["--version"]:
        sys.stdout.write(f"childguard {__version__}\n")
        return 0
    if args == ["--help"]:
        sys.stdout.write(root_help(program_name(), help_width()))
        return 0
    if not args:
        sys.stderr.write(root_help(program_name(), help_width()))
        return 2
    return None
