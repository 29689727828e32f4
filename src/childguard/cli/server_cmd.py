"""``childguard serve``: run the HTTP API under uvicorn."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime

import typer
from sqlalchemy import select

from childguard.audit import system_actor
from childguard.auth import Role, create_key, ensure_org
from childguard.cli.common import handle_errors, load_settings
from childguard.config import Settings
from childguard.errors import Conflict
from childguard.people.users import create_user, generate_password
from childguard.store.db import Database
from childguard.store.models import ApiKey, User


def bootstrap_admin(settings: Settings) -> str | None:
    """Create the admin organisation and, when it has no usable admin key, a first key.

    Returns the new key's secret (shown once) or None when an admin key already exists.
    """
    db = Database.open(settings)
    try:
        with db.session(write=True) as session:
            actor = system_actor("bootstrap")
            org = ensure_org(session, settings.resolved_admin_org, actor=actor)
            now = datetime.now(UTC)
            for key in session.scalars(
                select(ApiKey).where(
                    ApiKey.org_id == org.id,
                    ApiKey.role == Role.ADMIN.value,
                    ApiKey.revoked_at.is_(None),
                )
            ):
                expires = key.expires_at
                if expires is None or expires.replace(tzinfo=expires.tzinfo or UTC) > now:
                    return None
            return create_key(session, org, Role.ADMIN, name="first admin", actor=actor).secret
    finally:
        db.dispose()


def check_port_free(host: str, port: int) -> None:
    """``Conflict`` naming the port and how to choose another when something listens on it."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise Conflict(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}): another server (a "
                f"second `make run`?) may hold it; stop it or choose another port with "
                f"`make run PORT={port + 1}` or `childguard serve --port {port + 1}`"
            ) from None


def bootstrap_console_admin(settings: Settings) -> tuple[str, str] | None:
    """Create a first console admin in the admin organisation when it has no user yet.

    Returns its email and password (shown once), or None when the organisation has users.
    """
    db = Database.open(settings)
    try:
        with db.session(write=True) as session:
            actor = system_actor("serve --bootstrap")
            org = ensure_org(session, settings.resolved_admin_org, actor=actor)
            if session.scalar(select(User.id).where(User.org_id == org.id).limit(1)):
                return None
            email = f"admin@{org.name}.localhost"
            password = generate_password()
            create_user(session, org, email, Role.ADMIN, password, actor=actor)
            return email, password
    finally:
        db.dispose()


@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (they share the index)."),
    bootstrap: bool = typer.Option(
        False, "--bootstrap", help="Create the admin organisation and print a first admin key."
    ),
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) and the web console (/login) until interrupted."""
    import uvicorn

    settings = load_settings()
    check_port_free(host, port)
    db = Database.open(settings)
    db.dispose()
    url = f"http://{host}:{port}"
    typer.echo(f"childguard API: {url}  (docs: {url}/docs, data: {settings.data_dir})")
    if bootstrap:
        secret = bootstrap_admin(settings)
        if secret:
            typer.echo(f"first admin key (shown once, keep it safe): {secret}")
        else:
            typer.echo(
                "an admin key already exists; make another with "
                f"`childguard key create --org {settings.resolved_admin_org} --role admin`"
            )
        first = bootstrap_console_admin(settings)
        if first:
            typer.echo(
                f"console: {url}/login  first admin: {first[0]}  "
                f"password (shown once, change it on /account): {first[1]}"
            )
    if workers > 1:
        metrics_dir = settings.data_dir / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    uvicorn.run(
        "childguard.api.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=30,
    )


def register(app: typer.Typer) -> None:
    """Attach ``serve``."""
    app.command("serve")(serve)
