"""`pressroom schemas export|check|compat|publish|record`: the JSON Schemas and AsyncAPI document in
schemas/, and the compatibility gate against the published baseline in contract/baseline/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dev_tools.contract.gate import Verdict, gate, publish, read_folder
from dev_tools.contract.recorded import record_missing
from events.catalog import REGISTRY
from events.schemas.files import Drift, drift, render_all, write_all
from services.kit.settings import REPO_ROOT

schemas_app = typer.Typer(
    help="The JSON Schemas and AsyncAPI document generated from events/.", no_args_is_help=True
)
DEFAULT_DIR = REPO_ROOT / "schemas"
BASELINE_DIR = REPO_ROOT / "contract" / "baseline"
RECORDED_DIR = REPO_ROOT / "tests" / "data" / "recorded"
FolderOption = Annotated[
    Path, typer.Option("--out", file_okay=False, help="The schemas folder (default: schemas/).")
]
SchemasOption = Annotated[
    Path,
    typer.Option("--schemas", file_okay=False, help="The current schemas (default: schemas/)."),
]
BaselineOption = Annotated[
    Path,
    typer.Option(
        "--baseline", file_okay=False, help="The published schemas (default: contract/baseline/)."
    ),
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


@schemas_app.command()
def compat(schemas: SchemasOption = DEFAULT_DIR, baseline: BaselineOption = BASELINE_DIR) -> None:
    """Fail (exit 1) if a published event or command version changed incompatibly."""
    verdict = _verdict(schemas, baseline)
    if verdict.unpublished:
        typer.echo(
            f"Not published yet ({len(verdict.unpublished)}): {', '.join(verdict.unpublished)}"
        )
    if verdict.compatible:
        typer.echo(f"{verdict.checked} published versions in {baseline} are still compatible.")
        return
    typer.echo(f"Breaking changes to published versions ({len(verdict.breaches)}):", err=True)
    for breach in verdict.breaches:
        typer.echo(f"  {breach}", err=True)
    typer.echo(
        "A published version is frozen: add a new version and an upcaster (docs/contract.md).",
        err=True,
    )
    raise typer.Exit(1)


@schemas_app.command(name="publish")
def publish_baseline(
    schemas: SchemasOption = DEFAULT_DIR, baseline: BaselineOption = BASELINE_DIR
) -> None:
    """The release step: freeze the current schemas as the published baseline (if compatible)."""
    verdict = _verdict(schemas, baseline)
    if not verdict.compatible:
        typer.echo("Not published: `pressroom schemas compat` fails.", err=True)
        raise typer.Exit(1)
    texts = {v: (schemas / f"{v}.json").read_text(encoding="utf-8") for v in read_folder(schemas)}
    fresh = publish(baseline, texts)
    typer.echo(f"Published {len(texts)} versions to {baseline} ({len(fresh)} new).")


def _verdict(schemas: Path, baseline: Path) -> Verdict:
    kinds = {
        model.schema_path().removesuffix(".json"): model.kind for model in REGISTRY.models.values()
    }
    return gate(read_folder(baseline), read_folder(schemas), kinds)


@schemas_app.command()
def record(
    out: Annotated[Path, typer.Option("--out", file_okay=False)] = RECORDED_DIR,
) -> None:
    """Record the relay's bytes of every event version not recorded yet (never rewrites one)."""
    written = record_missing(out)
    typer.echo(f"Recorded {len(written)} event versions in {out}: {', '.join(written) or '-'}")
