"""`pressroom up`, `stop` and `ps`: the whole local stack in one command."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import typer
from rich.console import Console
from rich.table import Table

import dev_tools.infra as local_infra
from dev_tools.infra.errors import InfraError
from dev_tools.stack import keys as local_keys
from dev_tools.stack.local_secrets import local_secret_env
from dev_tools.stack.processes import DEMO_TOKENS_WARNING, app_processes, local_stack_env
from services.kit.settings import Settings, load_settings

console = Console()
READY_TIMEOUT_S = 90.0


def up() -> None:
    """Start Kafka, PostgreSQL, every service and the gateway; print where they listen."""
    settings = load_settings()
    try:
        local_infra.up(settings)
    except InfraError as error:
        console.print(f"[red]{error.message}[/red]\n{error.hint}")
        raise typer.Exit(2) from error
    env = local_stack_env(settings)
    if "PRESSROOM_DEMO_TOKENS" in env:
        console.print(f"[yellow]{DEMO_TOKENS_WARNING}[/yellow]")
    secrets, warnings = local_secret_env(settings)
    env.update(secrets)
    for warning in warnings:
        console.print(f"[yellow]local stack:[/yellow] {warning}")
    # Services take signed commands only: the stack makes its keys in its data folder.
    keys = local_keys.stack_env(settings)
    for process in app_processes(settings, local_tools=True):
        pid = process.start({**env, **local_keys.process_env(settings, process.name, keys)})
        console.print(f"{process.name:<10} pid {pid:<7} log {process.log_file}")
    _wait_until_ready(settings)
    base = f"http://{settings.gateway_host}:{settings.gateway_port}"
    console.print(
        f"\n[green]Pressroom is up.[/green]\n  API      {base}/v1/releases"
        f"\n  OpenAPI  {base}/openapi.json\n  Metrics  {base}/metrics"
        f"\n  Kafka    {settings.kafka_bootstrap}\n  Postgres {settings.pg_dsn}"
        f"\n  Mail     {settings.data_dir / 'mail'} (email deliveries, via SMTP on"
        f" {settings.smtp_host}:{settings.smtp_port})"
        "\nTry: pressroom demo    Stop: pressroom stop (add `pressroom infra down`)"
    )
    if keys:
        exports = " ".join(f"{name}={value}" for name, value in keys.items())
        console.print(
            f"Commands from your shell (CLI, benches) are signed after:\n  export {exports}"
        )


def stop() -> None:
    """Stop the services and the gateway (Kafka and PostgreSQL keep running)."""
    for process in reversed(app_processes(load_settings(), local_tools=True)):
        process.stop()
        console.print(f"stopped {process.name}")


def ps() -> None:
    """Show which Pressroom processes run."""
    table = Table("process", "pid", "log")
    for process in app_processes(load_settings(), local_tools=True):
        pid = process.pid()
        table.add_row(
            process.name, str(pid) if pid else "[red]not running[/red]", str(process.log_file)
        )
    console.print(table)


def _wait_until_ready(settings: Settings) -> None:
    url = f"http://{settings.gateway_host}:{settings.gateway_port}/readyz"
    deadline = time.monotonic() + READY_TIMEOUT_S
    with console.status("waiting for the gateway to be ready…"):
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
    console.print(
        f"[red]The gateway is not ready after {READY_TIMEOUT_S:.0f} s.[/red] "
        f"Read the logs in {settings.data_dir / 'logs'} and `pressroom ps`."
    )
    raise typer.Exit(1)
