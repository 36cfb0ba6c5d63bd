"""`pressroom infra up|down|status`: the local Kafka and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from dev_tools import infra
from dev_tools.infra import ComponentStatus, InfraError
from services.kit.settings import Settings, invalid_settings

infra_app = typer.Typer(help="Local Kafka and PostgreSQL (no Docker).", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def _fail(message: str, hint: str) -> NoReturn:
    errors.print(f"[bold red]Error:[/] {message}", highlight=False)
    errors.print(f"[bold]Next:[/] {hint}", highlight=False)
    raise typer.Exit(2)


@contextmanager
def _user_errors() -> Iterator[None]:
    """An InfraError ends the command with its message, what to do next and exit code 2."""
    try:
        yield
    except InfraError as exc:
        _fail(exc.message, exc.hint)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        _fail(invalid_settings(exc), "fix or unset the variable named above")


@infra_app.command()
def up() -> None:
    """Start Kafka and PostgreSQL unless they already run."""
    settings = _settings()
    with _user_errors(), console.status("Starting Kafka and PostgreSQL…"):
        infra.up(settings)
    _print_table(infra.status(settings))


@infra_app.command()
def down(
    wipe: Annotated[bool, typer.Option("--wipe", help="Also delete the data folder.")] = False,
) -> None:
    """Stop Kafka and PostgreSQL (the jar cache is always kept)."""
    settings = _settings()
    with _user_errors(), console.status("Stopping Kafka and PostgreSQL…"):
        infra.down(settings, wipe=wipe)
    wiped = f"; deleted {settings.data_dir}" if wipe else ""
    console.print(f"Stopped Kafka and PostgreSQL{wiped}.", highlight=False)


@infra_app.command()
def status() -> None:
    """Show what runs, where, and where its data and logs are."""
    settings = _settings()
    with _user_errors():
        _print_table(infra.status(settings))


def _print_table(rows: list[ComponentStatus]) -> None:
    table = Table(title="Pressroom local infrastructure")
    for column in ("component", "running", "pid", "address", "version"):
        table.add_column(column, no_wrap=True)
    for column in ("data", "log"):
        table.add_column(column, overflow="fold")
    for row in rows:
        running = "[green]yes[/]" if row.running else "[red]no[/]"
        table.add_row(
            row.name, running, str(row.pid or "-"), row.address, row.version,
            _short(row.data_dir), _short(row.log_file),
        )  # fmt: skip
    # Piped output (CI logs, files) has no width to respect; do not fold the paths.
    (console if console.is_terminal else Console(width=160)).print(table)


def _short(path: Path) -> str:
    """Paths under the current folder are shown relative to it."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
