"""`pressroom up`, `stop` and `status` (`ps`): the whole local stack in one command, supervised."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

import dev_tools.infra as local_infra
from dev_tools.infra.errors import InfraError
from dev_tools.stack import keys as local_keys
from dev_tools.stack.local_secrets import local_secret_env
from dev_tools.stack.processes import (
    DEMO_TOKENS_WARNING,
    app_processes,
    local_stack_env,
    supervisor_process,
)
from dev_tools.stack.supervisor import crash_looping, read_state, state_file
from services.kit.settings import Settings, load_settings

console = Console()
READY_TIMEOUT_S = 90.0


def up() -> None:
    """Start Kafka, PostgreSQL, every service and the gateway, supervised (a process that dies
    is restarted); print where they listen."""
    settings = load_settings()
    try:
        local_infra.up(settings)
    except InfraError as error:
        console.print(f"[red]{error.message}[/red]\n{error.hint}")
        raise typer.Exit(2) from error
    if "PRESSROOM_DEMO_TOKENS" in local_stack_env(settings):
        console.print(f"[yellow]{DEMO_TOKENS_WARNING}[/yellow]")
    for warning in local_secret_env(settings)[1]:
        console.print(f"[yellow]local stack:[/yellow] {warning}")
    # Services take signed commands only: the stack makes its keys in its data folder.
    keys = local_keys.stack_env(settings)
    supervisor = supervisor_process(settings)
    if supervisor.pid() is None:  # a killed supervisor's restarts are not this start's
        state_file(settings).unlink(missing_ok=True)
    console.print(f"supervisor pid {supervisor.start():<7} log {supervisor.log_file}")
    _wait_until_ready(settings)
    status()
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
            "Commands the CLI sends from your shell (dlq redrive, redeliver) are signed after:"
            f"\n  export {exports}"
        )


def stop() -> None:
    """Stop the services and the gateway (Kafka and PostgreSQL keep running)."""
    settings = load_settings()
    supervisor_process(settings).stop(grace=120.0)  # it stops its processes first
    for process in reversed(app_processes(settings, local_tools=True)):
        process.stop()  # one started by hand, or left by a supervisor that was killed
        console.print(f"stopped {process.name}")


def status() -> None:
    """Show which Pressroom processes run, and how often the supervisor restarted each."""
    settings = load_settings()
    state = read_state(settings)
    table = Table("process", "pid", "restarts", "last exit", "log")
    for process in [supervisor_process(settings), *app_processes(settings, local_tools=True)]:
        pid, row = process.pid(), state.get(process.name, {})
        table.add_row(
            process.name, str(pid) if pid else "[red]not running[/red]",
            str(row.get("restarts", "")), _exit(row.get("last_exit")), str(process.log_file),
        )  # fmt: skip
    console.print(table)


def ps() -> None:
    """Same as `pressroom status`."""
    status()


def _exit(code: object) -> str:
    if not isinstance(code, int):
        return ""
    return f"signal {-code}" if code < 0 else f"exit {code}"


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
            _stop_if_crash_looping(settings)
            time.sleep(0.5)
    console.print(
        f"[red]The gateway is not ready after {READY_TIMEOUT_S:.0f} s.[/red] "
        f"Read the logs in {settings.data_dir / 'logs'} and `pressroom status`."
    )
    raise typer.Exit(1)


def _stop_if_crash_looping(settings: Settings) -> None:
    """A process that exits at every start (a bad setting, most often) is no reason to wait out
    the whole timeout: say which, and the end of its log, where it says why."""
    state = read_state(settings)
    failing = crash_looping(state)
    if not failing:
        return
    for process in app_processes(settings, local_tools=True):
        if process.name in failing:
            restarts = state[process.name].get("restarts")
            console.print(
                f"[red]{process.name} exits as soon as it starts[/red] (restarted {restarts}"
                f" times so far); the end of {process.log_file}:"
            )
            console.print(_log_tail(process.log_file), markup=False, highlight=False)
    console.print(
        "Mend what it says and run `pressroom up` again; until then the supervisor keeps"
        " restarting it (`pressroom stop` stops it)."
    )
    raise typer.Exit(1)


def _log_tail(path: Path, lines: int = 8) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as error:
        return f"(cannot read it: {error})"
