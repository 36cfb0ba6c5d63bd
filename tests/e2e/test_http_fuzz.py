"""HTTP fuzzing (issue 12): schemathesis generates requests from the gateway's own /openapi.json,
valid and invalid, and sends them to the real gateway over the real stack, each with the token of
a role (or none). Every answer must be documented: no 5xx, a documented status, content type and
body. PRESSROOM_FUZZ_EXAMPLES sets the examples per operation and kind (short form by default;
`make fuzz` runs the long one); the figures are printed at the end."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.http_fuzz_stateful import run_stateful
from tests.e2e.http_link_walk import LinkWalker, walk_through_embargo, walk_to_publication
from tests.e2e.stack_fixture import Stack
from tests.integration.delivery_support import Mailbox, Receiver

EXAMPLES = int(os.environ.get("PRESSROOM_FUZZ_EXAMPLES", "6"))
# Stateful scenarios (up to 25 linked steps each): `make fuzz` runs 350 of them.
SCENARIOS = int(os.environ.get("PRESSROOM_FUZZ_SCENARIOS", "15"))
# Generous: about 3 requests a second on a loaded 2-CPU machine, generation included.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(300 + EXAMPLES * 120 + SCENARIOS * 60)]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# One principal per role in the demo tokens the test stack serves, and a caller without one.
TOKENS = [
    None,
    "dev-alice",
    "dev-carol",
    "dev-dave",
    "dev-erin",
    "dev-frank",
    "dev-olga",
    "dev-rita",
]
# Release statuses the stateful fuzzing must have reached through the links.
LIFECYCLE = {"draft", "submitted", "approved", "published", "embargo scheduled", "embargo lifted"}
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
REQUEST_TIMEOUT_S = 60.0  # a command waits ≤ 10 s for its outcome; the machine may be loaded


@dataclass
class FuzzReport:
    statuses: Counter[int] = field(default_factory=Counter)
    per_operation: Counter[str] = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def summary(self) -> str:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return (
            f"{self.requests} requests over {len(self.per_operation)} operations"
            f" ({EXAMPLES} examples per operation and kind)"
            f" in {time.monotonic() - self.started:.0f} s; statuses {statuses};"
            f" {len(self.findings)} findings"
        )


@dataclass
class Target:
    base_url: str
    session: requests.Session
    release_id: str  # a real draft, so commands and reads also meet a release that exists
    hook_url: str  # where a generated webhook points: the tests' own receiver on loopback
    report: FuzzReport


def strategy_of(
    operation: APIOperation[Any, Any, Any, Any], target: Target
) -> st.SearchStrategy[Case[Any]]:
    strategies = [operation.as_strategy(generation_mode=mode) for mode in MODES]
    if "{release_id}" in operation.path:
        real = {"release_id": target.release_id}
        strategies.append(operation.as_strategy(path_parameters=real))
    return st.one_of(strategies)


def steer(body: Any, target: Target | str) -> None:
    """Generated bodies made useful: webhooks point at the tests' receiver (deliveries never
    leave the machine), and a release's lead organisation is the callers' own (fco), so
    creates and revisions get past the first rule and the later ones are reached too."""
    if not isinstance(body, dict):
        return
    if isinstance(body.get("url"), str):
        body["url"] = target if isinstance(target, str) else target.hook_url
    content = body.get("content", body)
    organisations = content.get("organisations") if isinstance(content, dict) else None
    if isinstance(organisations, list) and organisations:
        organisations[0] = "fco"


def send(case: Case[Any], target: Target) -> None:
    steer(case.body, target)
    # Round robin rather than drawn: Hypothesis favours the first of a list it samples.
    token = TOKENS[target.report.requests % len(TOKENS)]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = case.call(
        base_url=target.base_url,
        session=target.session,
        headers=headers,
        timeout=REQUEST_TIMEOUT_S,
    )
    target.report.statuses[response.status_code] += 1
    target.report.per_operation[case.operation.label] += 1
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as failures:
        target.report.findings.append(f"{case.operation.label} ({token}): {failures}")


def fuzz_operation(operation: APIOperation[Any, Any, Any, Any], target: Target) -> None:
    @settings(
        max_examples=EXAMPLES * (len(MODES) + 1),
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: findings are kept as they came
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy_of(operation, target))
    def run(case: Case[Any]) -> None:
        send(case, target)

    run()


def fuzz(base_url: str, release_id: str, hook_url: str) -> FuzzReport:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    target = Target(base_url, requests.Session(), release_id, hook_url, FuzzReport())
    for result in schema.get_all_operations():
        # Our own document: every operation loads (an Err fails here, as it always did).
        operation = cast("Ok[APIOperation[Any, Any, Any, Any]]", result).ok()
        fuzz_operation(operation, target)
    return target.report


async def a_draft(stack: Stack) -> str:
    async with stack.client() as alice:
        content = {"title": "Fuzzing target", "organisations": ["fco"]}
        created = await alice.post("/v1/releases", json={"content": content})
        assert created.status_code == 201, created.text
        release_id: str = created.json()["release_id"]
        return release_id


async def test_generated_requests_get_only_documented_answers_and_no_server_error(
    stack: Stack, receiver: Receiver, mailbox: Mailbox
) -> None:
    release_id = await a_draft(stack)
    hook_url, _ = receiver.hook()
    report = await asyncio.to_thread(fuzz, stack.base_url, release_id, hook_url)
    print(f"\nHTTP fuzzing: {report.summary()}")
    findings: list[Any] = report.findings
    assert not findings, "\n\n".join(findings[:20])
    assert report.requests >= EXAMPLES * len(report.per_operation)
    assert not any(status >= 500 for status in report.statuses)


async def test_stateful_fuzzing_follows_the_links_through_whole_lifecycles(
    stack: Stack, receiver: Receiver, mailbox: Mailbox
) -> None:
    hook_url, _ = receiver.hook()
    report = await asyncio.to_thread(
        run_stateful, stack.base_url, hook_url, SCENARIOS, CHECKS, steer
    )
    schema = schemathesis.openapi.from_url(f"{stack.base_url}/openapi.json")
    walker = LinkWalker(schema, stack.base_url, CHECKS, report)
    await asyncio.to_thread(walk_to_publication, walker)
    await asyncio.to_thread(walk_through_embargo, walker)
    print(f"\nHTTP stateful fuzzing: {report.summary()}")
    findings: list[Any] = report.findings
    assert not findings, "\n\n".join(findings[:20])
    assert not any(status >= 500 for status in report.statuses)
    assert report.states >= LIFECYCLE, report.summary()
