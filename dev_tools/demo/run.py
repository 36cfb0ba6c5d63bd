"""`pressroom demo`: the sample release created, revised and submitted over HTTP, then its history
read twice — from the read model and from the Kafka log — so a newcomer sees both sides."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from dev_tools.demo.sample import parse_release, sample_text
from events.topics import EVENT_TOPICS
from services.kit.log_reader import release_events
from services.kit.settings import Settings

WRITER_TOKEN = "dev-alice"  # a demo token (services/gateway/demo_tokens.yaml)
ORGANISATION = "fco"
console = Console()


class DemoFailed(RuntimeError):
    """A step answered something other than success; the message says which and why."""


def run_demo(settings: Settings) -> str:
    return asyncio.run(_demo(settings))


async def _demo(settings: Settings) -> str:
    base = f"http://{settings.gateway_host}:{settings.gateway_port}"
    headers = {"Authorization": f"Bearer {WRITER_TOKEN}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        release_id, version = await _create(http)
        version = await _revise(http, release_id, version)
        version = await _submit(http, release_id, version)
        history = await _expect(
            http.get(
                f"/v1/releases/{release_id}/history",
                headers={"Pressroom-Read-After": f"{release_id}:{version}"},
            ),
            200,
            "history",
        )
    _print_read_model_history(history)
    _print_log(await release_events(settings.kafka_bootstrap, release_id, EVENT_TOPICS))
    return release_id


async def _create(http: httpx.AsyncClient) -> tuple[str, int]:
    content = parse_release(sample_text(), ORGANISATION).model_dump(mode="json")
    response = await _expect(
        http.post(
            "/v1/releases",
            json={"content": content},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
        "create",
    )
    console.print(
        f"[green]created[/green] {content['title']!r} as {response['release_id']}"
        f" (version {response['version']})"
    )
    return str(response["release_id"]), int(response["version"])


async def _revise(http: httpx.AsyncClient, release_id: str, version: int) -> int:
    changes = {
        "people": ["Philip Hammond", "Fumio Kishida"],
        "topics": ["Defence", "Foreign affairs"],
        "locations": ["Tokyo", "Japan"],
    }
    response = await _expect(
        http.patch(
            f"/v1/releases/{release_id}", json=changes, headers={"If-Match": f'"{version}"'}
        ),
        200,
        "revise",
    )
    console.print(
        f"[green]revised[/green] people, topics, locations (version {response['version']})"
    )
    return int(response["version"])


async def _submit(http: httpx.AsyncClient, release_id: str, version: int) -> int:
    response = await _expect(
        http.post(f"/v1/releases/{release_id}/submit", headers={"If-Match": f'"{version}"'}),
        200,
        "submit",
    )
    console.print(f"[green]submitted[/green] for approval (version {response['version']})")
    return int(response["version"])


async def _expect(request: Any, status: int, step: str) -> Any:
    try:
        response: httpx.Response = await request
    except httpx.TransportError as error:
        raise DemoFailed(
            f"{step}: the gateway did not answer ({error}). Is the stack up? "
            "Run `make up` (or `pressroom up`)."
        ) from error
    if response.status_code != status:
        raise DemoFailed(f"{step}: expected {status}, got {response.status_code}: {response.text}")
    return response.json()


def _print_read_model_history(history: Any) -> None:
    entries = history["events"]
    table = Table("version", "when (UTC)", "who", "what", title="History from the read model")
    for entry in entries:
        table.add_row(
            str(entry["stream_version"]),
            str(entry["occurred_at"]),
            entry["actor"],
            entry["summary"],
        )
    console.print(table)


def _print_log(envelopes: list[Any]) -> None:
    table = Table("ce_sequence", "ce_time", "ce_actor", "ce_type", "ce_id", title="Events on Kafka")
    for envelope in envelopes:
        table.add_row(
            str(envelope.sequence),
            envelope.time.isoformat(),
            envelope.actor,
            envelope.type,
            envelope.id,
        )
    console.print(table)
