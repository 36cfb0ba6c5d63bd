"""`pressroom history ID` and `pressroom state ID --at TIME`: one release, read from the log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from events.base import Message
from events.envelope import Envelope
from events.topics import EVENT_TOPICS
from operator_tools.cli.common import err, out, run
from operator_tools.errors import OpsError
from operator_tools.history import HistoryItem, history_items, history_json
from operator_tools.jsonable import jsonable
from operator_tools.state import ServiceState, state_at, unfolded_services
from operator_tools.times import parse_time
from services.kit.log_reader import release_events
from services.kit.settings import Settings

JsonOption = Annotated[bool, typer.Option("--json", help="JSON on stdout, for tools.")]


async def _events(settings: Settings, release_id: str) -> list[Envelope[Message]]:
    with err.status(f"Reading {release_id}'s events from every events topic…"):
        found = await release_events(settings.kafka_bootstrap, release_id, EVENT_TOPICS)
    if not found:
        raise OpsError(f"no events for release {release_id!r} in the log: is the id right?")
    return found


def history(
    release_id: Annotated[str, typer.Argument(help="The release id.")], as_json: JsonOption = False
) -> None:
    """A release's events read from Kafka, in order: actor, time, type, and revision diffs."""

    async def work(settings: Settings) -> list[HistoryItem]:
        return history_items(await _events(settings, release_id))

    items = run(work)
    if as_json:
        print(json.dumps(history_json(items), ensure_ascii=False, indent=2))
        return
    for item in items:
        _print_item(item)
    err.print(f"{len(items)} events of {release_id}.")


def _print_item(item: HistoryItem) -> None:
    version = f" v{item.sequence}" if item.sequence is not None else ""
    out.print(f"[bold]{item.time.isoformat()}[/]  {item.type}{version}  by [cyan]{item.actor}[/]")
    out.print(f"  {escape(item.summary)}", highlight=False)
    for change in item.changes:
        out.print(f"  [bold]{change.field}[/]:")
        for line in change.lines:
            colour = {"-": "red", "+": "green"}.get(line[:1], "dim")
            out.print(f"    [{colour}]{escape(line)}[/]", highlight=False)


def state(
    release_id: Annotated[str, typer.Argument(help="The release id.")],
    at: Annotated[
        str, typer.Option("--at", help="ISO 8601 with an offset, e.g. 2016-07-21T09:30:00+01:00.")
    ],
    as_json: JsonOption = False,
) -> None:
    """The release as it was at a moment, folded from its events with each service's evolve."""
    moment = _moment(at)

    async def work(settings: Settings) -> tuple[list[ServiceState], set[str]]:
        events = await _events(settings, release_id)
        return state_at(release_id, events, moment), unfolded_services(events)

    states, unfolded = run(work)
    document = {s.service: _folded(s) for s in states}
    if as_json:
        print(json.dumps({"release_id": release_id, "at": moment.isoformat(), **document}))
    else:
        _print_states(document)
    if unfolded:
        err.print(f"Not folded (no decider registered): {', '.join(sorted(unfolded))}")


def _folded(state: ServiceState) -> dict[str, Any]:
    return {
        "events": state.events,
        "last_event_at": state.last_event_at.isoformat(),
        "state": jsonable(state.state),
    }


def _print_states(document: dict[str, dict[str, Any]]) -> None:
    for service, folded in document.items():
        out.print(
            f"[bold]{service}[/] after {folded['events']} events"
            f" (the last at {folded['last_event_at']})"
        )
        out.print_json(data=folded["state"])


def _moment(text: str) -> datetime:
    try:
        return parse_time(text, "--at")
    except OpsError as error:
        err.print(f"[bold red]Error:[/] {error}", highlight=False)
        raise typer.Exit(2) from None
