"""The load the poison arrives during: whole lifecycles over HTTP (create, revise, submit, two
approvals, publish), each command's answer counted, then each release checked in the read model
(published, its whole history) once the poison is through."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.stack_fixture import Stack
from tests.e2e.test_approval_http import sample_body
from tests.e2e.test_publication_http import approved_by_both, path, published_by
from tests.support import eventually

READ_MODEL_WAIT_S = 240.0  # the projector works through the poison too, on a loaded machine


@dataclass
class LoadFigures:
    releases: list[str] = field(default_factory=list)
    answers: Counter[int] = field(default_factory=Counter)  # HTTP status of each command

    @property
    def commands(self) -> int:
        return sum(self.answers.values())


def answered(figures: LoadFigures, response: httpx.Response) -> httpx.Response:
    figures.answers[response.status_code] += 1
    assert response.status_code < 300 and response.status_code != 202, response.text
    return response


async def lifecycle(stack: Stack, figures: LoadFigures, n: int) -> None:
    """One release from creation to publication; every write must be answered with a 2xx."""
    async with stack.client("dev-alice") as alice, stack.client("dev-carol") as carol:
        body = sample_body(f" (poison load {n}, {uuid.uuid4().hex[:8]})")
        created = answered(figures, await alice.post("/v1/releases", json=body))
        release_id = created.json()["release_id"]
        figures.releases.append(release_id)
        changes = {"summary": f"Revised under poison, {n}."}
        revised = answered(
            figures,
            await alice.patch(
                f"/v1/releases/{release_id}",
                json=changes,
                headers={"If-Match": created.headers["ETag"]},
            ),
        )
        answered(
            figures,
            await alice.post(
                path(release_id, "submit"), headers={"If-Match": revised.headers["ETag"]}
            ),
        )
        await approved_by_both(stack, alice, release_id)
        figures.answers[200] += 2  # the two approvals (approved_by_both asserts each was a 200)
        await published_by(carol, release_id, {})
        figures.answers[200] += 1


async def run_load(stack: Stack, lifecycles: int, concurrency: int = 4) -> LoadFigures:
    figures = LoadFigures()
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with gate:
            await lifecycle(stack, figures, n)

    await asyncio.gather(*(one(n) for n in range(lifecycles)))
    return figures


async def read_model_complete(stack: Stack, release_ids: list[str]) -> None:
    """Each release published in the read model, its history holding every step."""
    async with stack.client("dev-alice") as alice:
        for release_id in release_ids:

            async def published(release_id: str = release_id) -> dict[str, Any] | None:
                release = (await alice.get(f"/v1/releases/{release_id}")).json()
                return release if release.get("status") == "published" else None

            await eventually(published, READ_MODEL_WAIT_S, f"{release_id} published")
            history = (await alice.get(f"/v1/releases/{release_id}/history")).json()["events"]
            kinds = {event["event_type"].split(".")[2] for event in history}
            expected = {"DraftCreated", "DraftRevised", "DraftSubmitted", "ReleaseApproved"}
            assert expected | {"ReleasePublished"} <= kinds, (release_id, sorted(kinds))
