"""`pressroom schemas export|check`: the JSON Schemas and AsyncAPI document in schemas/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from events.schemas.files import Drift, drift, render_all, write_all
from services.kit.settings import REPO_ROOT

schemas_app = typer.Typer(
    help="The JSON Schemas and AsyncAPI document generated from events/.", no_args_is_help=True
)
DEFAULT_DIR = REPO_ROOT / "schemas"
FolderOption = Annotated[
    Path, typer.Option("--out", file_okay=False, help="The schemas folder (default: schemas/).")
]


@schemas_app.command()
def export(out: FolderOption = DEFAULT_DIR) -> None:
    """Write every schema file from the contract in events/."""
    files = render_all()
    write_all(out, files)
    typer.echo(f"Wrote {len(files)} files to {out}.")
    stale = drift(out, files).extra
    if stale:
        # Never deleted here: --out may point anywhere; a file no model renders is yours to remove.
        typer.echo(f"Not generated any more (remove them): {', '.join(stale)}", err=True)


@schemas_app.command()
def check(out: FolderOption = DEFAULT_DIR) -> None:
    """Fail (exit 1) if the schema files differ from what events/ renders."""
    files = render_all()
    found = drift(out, files)
    if found.clean:
        typer.echo(f"{len(files)} schema files in {out} match events/.")
        return
    typer.echo(describe(found), err=True)
    typer.echo("Run `pressroom schemas export` and commit the result.", err=True)
    raise typer.Exit(1)


def describe(found: Drift) -> str:
    """One line per file that drifted, saying how."""
    lines = [f"differs: {name}" for name in found.changed]
    lines += [f"missing: {name}" for name in found.missing]
    lines += [f"extra:   {name}" for name in found.extra]
    return "Schema files out of date:\n" + "\n".join(f"  {line}" for line in lines)
