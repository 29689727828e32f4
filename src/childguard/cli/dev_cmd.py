"""``childguard dev``: tools for development, such as a local CyberTipline."""

from __future__ import annotations

import typer

from childguard.cli.common import handle_errors
from childguard.reports.fake_ncmec import FakeCyberTipline

dev_app = typer.Typer(
    help="Development tools (local fakes of partner services).", no_args_is_help=True
)


@dev_app.command("fake-ncmec")
@handle_errors
def fake_ncmec(
    port: int = typer.Option(8901, "--port", min=0, max=65535, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    username: str = typer.Option("user", "--username", help="Basic auth user it accepts."),
    password: str = typer.Option("pass", "--password", help="Basic auth password it accepts."),
    fault_rate: float = typer.Option(
        0.0, "--fault-rate", min=0.0, max=1.0, help="Share of calls failed at random."
    ),
    delay: float = typer.Option(2.0, "--delay", help="Seconds a 'timeout' or 'hang' fault waits."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random faults."),
) -> None:
    """Serve a local CyberTipline (/ispws/submit, upload, fileinfo, finish, retract, status).

    Faults: POST /_faults {"rules": [{"endpoint": "finish", "kind": "500", "times": 3}],
    "rate": 0.2}; kinds 500, drop, timeout, hang. GET /_state shows what it holds.
    """
    fake = FakeCyberTipline(username, password, delay=delay, seed=seed)
    fake.rate = fault_rate
    server = fake.serve(host, port)
    typer.echo(f"fake CyberTipline on http://{host}:{server.server_address[1]}/ispws", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def register(app: typer.Typer) -> None:
    """Attach the ``dev`` group."""
    app.add_typer(dev_app, name="dev")
