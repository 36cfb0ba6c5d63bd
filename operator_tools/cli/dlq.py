"""`pressroom dlq list|show|redrive`: every dead letter, Kafka DLQs and the projector's table."""

from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from events.replies import CommandOutcome, OutcomeStatus
from operator_tools.cli.common import err, out, pool_of, progress_bars, run
from operator_tools.dead_letters import DeadLetter, DeadLetterFilter, list_dead_letters
from operator_tools.redeliver import request_redelivery
from operator_tools.redrive import redrive as run_redrive
from operator_tools.redriven import RedriveOutcome
from operator_tools.schemas import ensure_ops
from services.kit.settings import Settings
from services.read_models.deliveries import failed_deliveries

dlq_app = typer.Typer(help="Dead letters: list, show, re-drive.", no_args_is_help=True)
# More than this many dead letters at once are re-driven only after a yes (or --yes).
CONFIRM_ABOVE = 10
WhereOption = Annotated[
    str | None,
    typer.Option("--where", help="Only this type (a part of ce_type, e.g. DraftRevised.v1)."),
]
ReleaseOption = Annotated[str | None, typer.Option("--release", help="Only this release id.")]
LimitOption = Annotated[int | None, typer.Option("--limit", min=1, help="At most N, oldest first.")]


def _letters(where: DeadLetterFilter) -> list[DeadLetter]:
    async def work(settings: Settings) -> list[DeadLetter]:
        async with pool_of(settings) as pool, pool.acquire() as conn:
            await ensure_ops(conn)
            with err.status("Reading the DLQ topics and projections.dead_letters…"):
                return await list_dead_letters(settings.kafka_bootstrap, conn, where)

    return run(work)


@dlq_app.command("list")
def list_letters(
    where: WhereOption = None, release: ReleaseOption = None, limit: LimitOption = None
) -> None:
    """Every dead letter with its reason and whether it was re-driven."""
    letters = _letters(DeadLetterFilter(where, release))[:limit]
    table = Table("id", "type", "release", "failed at", "reason", "re-driven", title="Dead letters")
    for x in letters:
        failed = x.failed_at.isoformat(timespec="seconds") if x.failed_at else "—"
        table.add_row(
            x.ref, x.ce_type, x.release, failed, escape(x.reason[:120]), x.redriven or "no"
        )
    out.print(table)
    pending = sum(1 for x in letters if x.redriven is None)
    err.print(f"{len(letters)} dead letters, {pending} not re-driven.")
    _print_failed_deliveries(release, limit)


def _print_failed_deliveries(release: str | None, limit: int | None) -> None:
    """Deliveries that gave up: a subscriber never lost silently (re-sent with `redeliver`)."""

    async def work(settings: Settings) -> list[dict[str, Any]]:
        async with pool_of(settings) as pool, pool.acquire() as conn:
            return await failed_deliveries(conn, limit or 1000)

    failed = [row for row in run(work) if release in (None, row["release_id"])]
    table = Table("subscriber", "release", "notice", "attempts", "last attempt", "reason",
                  title="Failed deliveries")  # fmt: skip
    for row in failed:
        notice = f"{row['notice']} (edition {row['edition']})"
        last = row["last_attempt_at"].isoformat(timespec="seconds")
        table.add_row(
            row["subscriber_id"], row["release_id"], notice, str(row["attempts"]), last,
            escape((row["failure_reason"] or "")[:120]),
        )  # fmt: skip
    out.print(table)
    hint = " — `pressroom dlq redeliver SUBSCRIBER` sends them again" if failed else ""
    err.print(f"{len(failed)} failed deliveries{hint}.")


@dlq_app.command()
def redeliver(
    subscriber: Annotated[str, typer.Argument(help="A subscriber id from `pressroom dlq list`.")],
    release: ReleaseOption = None,
) -> None:
    """Try a subscriber's failed deliveries again (of one release with --release), in order."""

    async def work(settings: Settings) -> CommandOutcome | None:
        with err.status(f"Asking publication to redeliver to {subscriber}…"):
            return await request_redelivery(settings.kafka_bootstrap, subscriber, release)

    outcome = run(work)
    if outcome is None:
        err.print("No answer within 30 s; `pressroom lag` shows whether publication is behind.")
        raise typer.Exit(1)
    if outcome.status is not OutcomeStatus.ACCEPTED:
        detail = outcome.problem.detail if outcome.problem else outcome.status.value
        err.print(f"[bold red]Refused:[/] {escape(detail)}")
        raise typer.Exit(1)
    err.print("Accepted: the failed deliveries are due again; `pressroom dlq list` shows progress.")


@dlq_app.command()
def show(ref: Annotated[str, typer.Argument(help="An id from `pressroom dlq list`.")]) -> None:
    """One dead letter in full: reason, headers and the original bytes."""
    found = [x for x in _letters(DeadLetterFilter()) if x.ref == ref]
    if not found:
        err.print(f"[bold red]Error:[/] no dead letter {ref!r}; `pressroom dlq list` shows the ids")
        raise typer.Exit(2)
    print(json.dumps(_document(found[0]), ensure_ascii=False, indent=2))


def _document(x: DeadLetter) -> dict[str, object]:
    return {
        "id": x.ref,
        "store": x.store,
        "reason": x.reason,
        "failed_at": x.failed_at.isoformat() if x.failed_at else None,
        "source": None
        if x.source is None
        else dict(zip(("topic", "partition", "offset"), x.source, strict=True)),
        "re_driven": x.redriven,
        "key": _text(x.key),
        "headers": [{"name": name, "value": _text(value)} for name, value in x.headers],
        "value": _text(x.value),
        "value_base64": base64.b64encode(x.value).decode() if x.value is not None else None,
    }


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", errors="replace")


@dlq_app.command()
def redrive(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would happen; change nothing.")
    ] = False,
    limit: LimitOption = None,
    where: WhereOption = None,
    release: ReleaseOption = None,
    yes: Annotated[bool, typer.Option("--yes", help=f"No question above {CONFIRM_ABOVE}.")] = False,
) -> None:
    """Send dead letters back (upcast to the current version), in order, each one only once."""
    letters = _letters(DeadLetterFilter(where, release, pending_only=True))[:limit]
    if not letters:
        err.print("No dead letter waits for a re-drive.")
        return
    if len(letters) > CONFIRM_ABOVE and not (yes or dry_run):
        typer.confirm(f"Re-drive {len(letters)} dead letters?", abort=True, err=True)

    async def work(settings: Settings) -> list[RedriveOutcome]:
        async with pool_of(settings) as pool, pool.acquire() as conn:
            with progress_bars() as bars:
                return await run_redrive(settings.kafka_bootstrap, conn, letters, dry_run, bars)

    _print_outcomes(run(work))


def _print_outcomes(outcomes: list[RedriveOutcome]) -> None:
    table = Table("id", "type", "release", "result", "detail", title="Re-drive")
    for o in outcomes:
        table.add_row(o.letter.ref, o.letter.ce_type, o.letter.release, o.result, escape(o.detail))
    out.print(table)
    counts = Counter(o.result for o in outcomes)
    err.print(", ".join(f"{n} {result}" for result, n in sorted(counts.items())) + ".")
