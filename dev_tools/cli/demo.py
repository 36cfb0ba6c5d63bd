"""`pressroom demo`."""

from __future__ import annotations

import typer
from rich.console import Console

from dev_tools.demo.run import DemoFailed, run_demo
from services.kit.settings import load_settings

console = Console()


def demo() -> None:
    """Create the sample GOV.UK release, revise and submit it; show its history and its events."""
    try:
        release_id = run_demo(load_settings())
    except DemoFailed as error:
        console.print(f"[red]Demo stopped:[/red] {error}")
        raise typer.Exit(1) from error
    console.print(
        f"\nRelease {release_id}: GET /v1/releases/{release_id}"
        " with `Authorization: Bearer dev-alice`."
    )
