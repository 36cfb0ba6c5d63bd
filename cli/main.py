"""The `pressroom` command: one Typer app; every command and sub-app is mounted here, in view."""

from __future__ import annotations

import typer

from dev_tools.cli import bench, demo, stack
from dev_tools.cli.bench_rebuild import bench_rebuild
from dev_tools.cli.infra import infra_app
from dev_tools.cli.schemas import schemas_app
from dev_tools.mailsink.__main__ import main as mailsink
from operator_tools.cli.dlq import dlq_app
from operator_tools.cli.kafka import kafka_app
from operator_tools.cli.log import export, import_, lag
from operator_tools.cli.projections import projections_app, replay
from operator_tools.cli.release import history, state
from operator_tools.cli.stuck import stuck
from operator_tools.cli.topics import topics_app
from services.serve import serve_command

app = typer.Typer(
    no_args_is_help=True, help="Pressroom: draft, approve, embargo and publish press releases."
)
# Every process starts this one way (containers, the chart, compose, `pressroom up`); the local
# mail sink is a developer's tool, offered here but not by `python -m services.serve`.
app.command()(serve_command({"mailsink": mailsink}))
app.command()(stack.up)
app.command()(stack.stop)
app.command()(stack.status)
app.command()(stack.ps)
app.command()(demo.demo)
app.command()(bench.bench)
app.add_typer(infra_app, name="infra")
app.add_typer(schemas_app, name="schemas")
# Operators' tools (operator_tools/): read the log, rebuild read models, re-drive dead letters.
app.command()(history)
app.command()(state)
app.command()(replay)
app.add_typer(projections_app, name="projections")
app.add_typer(dlq_app, name="dlq")
app.add_typer(topics_app, name="topics")
app.add_typer(kafka_app, name="kafka")
app.command()(lag)
app.command()(stuck)
app.command()(export)
app.command(name="import")(import_)
app.command(name="bench-rebuild")(bench_rebuild)

if __name__ == "__main__":
    app()
