"""Who may do what, table-driven: every release route by the lead organisation's people, a partner
organisation's (mod), a collaborator without an organisation, a recipient, an operator, no token
and an expired OIDC token — each with the answer expected; then commands produced straight to Kafka,
unsigned, forged or out of their key's scope (tests/e2e/forged_commands.py), each with its refusal
and dead letter. A gateway runs in this process with the demo tokens and an OIDC issuer (keys made
at test time), over the real Kafka, services and read model of the test stack."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from dev_tools.demo.sample import parse_release, sample_text
from dev_tools.stack.keys import DEV_TOOLS
from events.replies import OutcomeStatus
from services.gateway.app import create_app
from tests.e2e import forged_commands as forged
from tests.e2e.stack_fixture import Stack
from tests.e2e.test_approval_http import until_approval
from tests.integration.oidc_issuer import AUDIENCE, ISSUER, IdentityProvider, issuer
from tests.sealing_support import new_secret
from tests.support import WAIT_S, eventually

__all__ = ["issuer"]
pytestmark = pytest.mark.integration
SETTLE_S = 30.0  # a refusal that depends on a service having seen the release yet

LEAD = ["dev-alice", "dev-carol", "dev-dave", "dev-erin"]
PARTNER = ["dev-mia", "dev-mark", "dev-maud"]
READERS = [*LEAD, *PARTNER, "dev-cole", "jwt-fco"]
STRANGERS = ["dev-rita", "dev-olga"]  # a recipient, an operator: neither may see the draft
ANONYMOUS = ["none", "expired"]


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # {r}: the release, {s}: the lead organisation's subscriber
    who: str
    expected: int
    body: dict[str, Any] | None = None


def rows_for(method: str, path: str, expected: dict[str, int], body: Any = None) -> list[Row]:
    return [Row(method, path, who, status, body) for who, status in expected.items()]


def every(names: list[str], status: int) -> dict[str, int]:
    return dict.fromkeys(names, status)


LIFT = (datetime.now(UTC) + timedelta(days=2)).isoformat()
NOT_SEEN = {**every(STRANGERS, 404), **every(ANONYMOUS, 401)}
MATRIX: list[Row] = [
    *rows_for("GET", "/v1/releases/{r}", {**every(READERS, 200), **NOT_SEEN}),
    *rows_for("GET", "/v1/releases/{r}/history", {**every(READERS, 200), **NOT_SEEN}),
    # Drafting: the lead organisation and named collaborators write; a partner reads only.
    *rows_for(
        "PATCH", "/v1/releases/{r}", {"dev-mia": 403, "dev-mark": 403, **NOT_SEEN},
        {"summary": "Changed by someone who may not."},
    ),
    *rows_for("POST", "/v1/releases/{r}/submit", {"dev-mia": 403, "dev-maud": 403, **NOT_SEEN}),
    *rows_for("DELETE", "/v1/releases/{r}", {"dev-mia": 403, "dev-mark": 403, **NOT_SEEN}),
    # Approval: the lead organisation's approvers and managing editors only.
    *rows_for(
        "POST", "/v1/releases/{r}/approve",
        {"dev-maud": 403, "dev-cole": 403, "dev-mark": 403, "dev-alice": 403, **NOT_SEEN},
        {"stage": "policy"},
    ),
    *rows_for(
        "POST", "/v1/releases/{r}/reject", {"dev-maud": 403, "dev-cole": 403, **NOT_SEEN},
        {"stage": "policy", "reason": "Not ours to refuse."},
    ),
    *rows_for(
        "POST", "/v1/releases/{r}/force-approve",
        {"dev-mark": 403, "dev-cole": 403, "dev-carol": 403, **NOT_SEEN},
        {"reason": "Not ours to force."},
    ),
    # Embargo and publication: the lead organisation's press office only.
    *rows_for(
        "PUT", "/v1/releases/{r}/embargo",
        {"dev-mark": 403, "dev-cole": 403, "dev-alice": 403, **NOT_SEEN},
        {"lift_at": LIFT, "recipients": ["rita"]},
    ),
    *rows_for("POST", "/v1/releases/{r}/publish", {"dev-mark": 403, "dev-cole": 403, **NOT_SEEN}),
    *rows_for(
        "POST", "/v1/releases/{r}/withdraw", {"dev-mark": 403, "dev-cole": 403, **NOT_SEEN},
        {"explanation": "Not ours to withdraw."},
    ),
    # Subscribers: the owning organisation's press office, and operators.
    *rows_for(
        "GET", "/v1/subscribers/{s}",
        {"dev-carol": 200, "dev-dave": 200, "dev-olga": 200, "dev-mark": 404, "dev-alice": 403,
         "dev-rita": 403, **every(ANONYMOUS, 401)},
    ),
    *rows_for("DELETE", "/v1/subscribers/{s}", {"dev-mark": 404, **every(ANONYMOUS, 401)}),
    *rows_for("POST", "/v1/subscribers/{s}/redeliver", {"dev-mark": 404, "none": 401}),
]  # fmt: skip


@pytest_asyncio.fixture
async def gateway(stack: Stack, issuer: IdentityProvider) -> AsyncIterator[httpx.AsyncClient]:
    settings = stack.settings.model_copy(
        update={
            "demo_tokens": True, "oidc_issuer": ISSUER, "oidc_audience": AUDIENCE,
            "oidc_jwks_url": issuer.jwks_url, "oidc_roles_claim": "realm_access.roles",
            "oidc_organisation_claim": "org", "rate_limit_writes_per_principal": 0,
            "rate_limit_failed_auth": 0,
        }
    )  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", timeout=WAIT_S
        ) as client:
            yield client


def credentials(who: str, issuer: IdentityProvider) -> dict[str, str]:
    tokens = {
        "none": None,
        "expired": issuer.token(exp=int(time.time()) - 3600, org="fco"),
        "jwt-fco": issuer.token(org="fco"),
    }
    token = tokens.get(who, who)
    return {"Authorization": f"Bearer {token}"} if token else {}


async def lead_release(http: httpx.AsyncClient) -> str:
    """fco's release, co-signed by mod, cole collaborating: submitted, its approval pending."""
    content = parse_release(sample_text(), "fco").model_dump(mode="json")
    content["organisations"] = ["fco", "mod"]
    alice = {"Authorization": "Bearer dev-alice"}
    body = {"content": content, "collaborators": ["cole"]}
    created = await http.post("/v1/releases", json=body, headers=alice)
    assert created.status_code == 201, created.text
    release_id = str(created.json()["release_id"])
    headers = {**alice, "If-Match": created.headers["ETag"]}
    submitted = await http.post(f"/v1/releases/{release_id}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.text
    http.headers.update(alice)
    await until_approval(http, release_id, "pending")
    del http.headers["Authorization"]
    return release_id


async def lead_subscriber(http: httpx.AsyncClient) -> str:
    registration = {
        "name": "fco wire", "channel": "webhook", "url": "https://wire.example/fco",
        "secret": new_secret(), "filters": {"topics": ["matrix"]},
    }  # fmt: skip
    carol = {"Authorization": "Bearer dev-carol"}
    created = await http.post("/v1/subscribers", json=registration, headers=carol)
    assert created.status_code == 201, created.text
    subscriber_id = str(created.json()["subscriber_id"])

    async def projected() -> bool:
        answer = await http.get(f"/v1/subscribers/{subscriber_id}", headers=carol)
        return answer.status_code == 200

    await eventually(projected, WAIT_S, "the subscriber in the read model")
    return subscriber_id


async def answer(http: httpx.AsyncClient, row: Row, path: str, headers: dict[str, str]) -> int:
    # Created then submitted: drafting is at version 2 (a PATCH needs the version it read).
    extra = {"If-Match": '"2"'} if row.method == "PATCH" else {}
    response = await http.request(
        row.method, path, json=row.body, headers={**headers, **extra,
        "Idempotency-Key": f"matrix-{uuid.uuid4()}"} if row.method != "GET" else headers,
    )  # fmt: skip
    return response.status_code


async def test_every_route_answers_each_caller_as_the_table_says(
    gateway: httpx.AsyncClient, issuer: IdentityProvider
) -> None:
    release_id = await lead_release(gateway)
    subscriber_id = await lead_subscriber(gateway)
    wrong: list[str] = []
    for row in MATRIX:
        path = row.path.format(r=release_id, s=subscriber_id)
        headers = credentials(row.who, issuer)
        got = await answer(gateway, row, path, headers)
        deadline = time.monotonic() + SETTLE_S
        while got != row.expected and got in (202, 409) and time.monotonic() < deadline:
            got = await answer(gateway, row, path, headers)  # a service has not seen it yet
        if got != row.expected:
            wrong.append(f"{row.method} {row.path} as {row.who}: {got}, expected {row.expected}")
    assert wrong == [], "\n".join(wrong)


async def test_a_partner_lists_none_of_the_lead_organisation_s_subscribers(
    gateway: httpx.AsyncClient,
) -> None:
    subscriber_id = await lead_subscriber(gateway)
    mark = {"Authorization": "Bearer dev-mark"}
    listed = await gateway.get("/v1/subscribers", params={"limit": 200}, headers=mark)
    assert listed.status_code == 200
    assert subscriber_id not in listed.text
    carol = {"Authorization": "Bearer dev-carol"}
    assert (
        subscriber_id
        in (await gateway.get("/v1/subscribers", params={"limit": 200}, headers=carol)).text
    )


async def test_forged_and_unsigned_commands_on_kafka_are_refused_as_the_table_says(
    gateway: httpx.AsyncClient, stack: Stack
) -> None:
    release_id = await lead_release(gateway)
    gateway.headers["Authorization"] = "Bearer dev-dave"
    approval = (await until_approval(gateway, release_id, "pending"))["approval"]
    reviewed = forged.Reviewed(release_id, approval["revision"], approval["content_hash"])
    wrong = []
    for row in forged.KAFKA_MATRIX:
        outcome, dead_reason = await forged.answer_to(
            stack.settings, row.forge(stack.settings, row.command(reviewed))
        )
        wrong.append(forged.unexpected(row, outcome, dead_reason))
    assert [line for line in wrong if line] == []
    assert (await until_approval(gateway, release_id, "pending"))["approval"]["status"] == "pending"
    # The same force-approval, signed by a key that may send it, is taken: the rows above were
    # refused for their signature or scope alone.
    signer = forged.signer_of(stack.settings, DEV_TOOLS)
    signed = signer.sign(forged.record_of(forged.force_approve_as_dave(reviewed)))
    outcome, _ = await forged.answer_to(stack.settings, signed)
    assert outcome.status is OutcomeStatus.ACCEPTED, outcome.problem
