"""The `pressroom` command: one Typer app, sub-apps mounted here."""

from __future__ import annotations

import typer

from services.cli.infra import infra_app
from services.cli.schemas import schemas_app

app = typer.Typer(no_args_is_help=True)
app.add_typer(infra_app, name="infra")
app.add_typer(schemas_app, name="schemas")
