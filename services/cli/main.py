"""The `pressroom` command: one Typer app; every command and sub-app is mounted here, in view."""

from __future__ import annotations

import typer

from services.cli import bench, demo, stack
from services.cli.infra import infra_app
from services.cli.schemas import schemas_app

app = typer.Typer(
    no_args_is_help=True, help="Pressroom: draft, approve, embargo and publish press releases."
)
app.command()(stack.up)
app.command()(stack.stop)
app.command()(stack.ps)
app.command()(demo.demo)
app.command()(bench.bench)
app.add_typer(infra_app, name="infra")
app.add_typer(schemas_app, name="schemas")

if __name__ == "__main__":
    app()
