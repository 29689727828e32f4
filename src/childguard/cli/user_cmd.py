"""``childguard user``: people who sign in to the web console."""

from __future__ import annotations

import sys

import typer

from childguard.audit import Actor
from childguard.auth import get_org
from childguard.cli.common import handle_errors, load_settings
from childguard.errors import InvalidInput
from childguard.people.users import create_user, generate_password, list_users
from childguard.store.db import Database

user_app = typer.Typer(help="Console users (argon2id passwords).", no_args_is_help=True)
CLI_ACTOR = Actor(None, None, "cli")


@user_app.command("create")
@handle_errors
def user_create(
    org: str = typer.Option(..., "--org", help="Organisation the user belongs to."),
    email: str = typer.Option(..., "--email", help="Sign-in email address."),
    role: str = typer.Option(
        ..., "--role", help="admin, platform, reviewer, hotline or regulator."
    ),
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help="Read the password (12 characters or more) from standard input.",
    ),
    locale: str = typer.Option("", "--lang", help="Console language: en, km or vi."),
) -> None:
    """Create a console user; without --password-stdin a one-time password is printed."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InvalidInput("no password on standard input")
        shown = None
    else:
        password = generate_password()
        shown = password
    db = Database.open(load_settings())
    with db.session(write=True) as s:
        user = create_user(
            s, get_org(s, org), email, role, password, actor=CLI_ACTOR, locale=locale
        )
        typer.echo(f"created user {user.email} ({user.role} of {org}, id {user.id})")
    if shown:
        typer.echo(f"password (shown once): {shown}")


@user_app.command("list")
@handle_errors
def user_list(org: str = typer.Option(..., "--org", help="Organisation.")) -> None:
    """List an organisation's console users."""
    db = Database.open(load_settings())
    with db.session() as s:
        for user in list_users(s, get_org(s, org).id):
            locked = "  locked" if user.locked_until else ""
            typer.echo(f"{user.id:5}  {user.email:40} {user.role}{locked}")


def register(app: typer.Typer) -> None:
    """Attach ``user``."""
    app.add_typer(user_app, name="user")
