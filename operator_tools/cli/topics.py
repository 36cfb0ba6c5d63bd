"""`pressroom topics apply [--dry-run]`: how the topics differ from the settings; then fix it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from operator_tools.cli.common import err, fail, out, run
from services.kit.settings import Settings
from services.kit.topic_specs import TopicDrift, topic_specs
from services.kit.topics_admin import TopicsError, apply_drift, topic_drift

topics_app = typer.Typer(help="Kafka topics: compare with the settings, fix drift.")
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Only show the drift; change nothing.")
]


@topics_app.command("apply")
def apply(dry_run: DryRunOption = False) -> None:
    """Create missing topics and set drifted configs (retention, compaction, min ISR).
    Partition and replica counts are shown, never changed: see docs/deployment.md."""

    async def work(settings: Settings) -> list[TopicDrift]:
        specs = topic_specs(settings)
        drifts = await topic_drift(settings.kafka_bootstrap, specs)
        _show(drifts)
        if not dry_run:
            try:
                await apply_drift(settings.kafka_bootstrap, specs, drifts)
            except TopicsError as error:
                raise fail(str(error)) from None
        return drifts

    drifts = run(work)
    changed = [d for d in drifts if d.missing or d.configs]
    verb = "would change" if dry_run else "changed"
    err.print(f"{len(drifts)} topics, {len(changed)} {verb}.")
    stuck = [d.name for d in drifts if d.needs_operator]
    if stuck:
        raise fail(f"partition or replica counts differ on {', '.join(stuck)}: see the table", 1)


def _show(drifts: list[TopicDrift]) -> None:
    for d in drifts:
        for line in _lines(d):
            out.print(f"{d.name}  {escape(line)}", highlight=False)


def _lines(d: TopicDrift) -> list[str]:
    if d.missing:
        return ["missing: create"]
    lines = [f"{key}: {actual} -> {wanted}" for key, (actual, wanted) in d.configs.items()]
    if d.partitions:
        lines.append(f"partitions: {d.partitions[0]} -> {d.partitions[1]} (left as it is)")
    if d.replication_factor:
        actual, wanted = d.replication_factor
        lines.append(f"replication factor: {actual} -> {wanted} (left as it is)")
    return lines
