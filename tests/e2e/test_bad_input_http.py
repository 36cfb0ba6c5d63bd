"""Bad input that broke things for everyone (issue 12, hole 7), tried on the real gateway over the
real stack: each is now a clear 4xx problem, and nothing reaches a service it could hurt."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.stack_fixture import Stack
from tests.e2e.test_approval_http import assert_problem

pytestmark = pytest.mark.integration
CONTENT = {"title": "UK and Japan", "organisations": ["fco"]}
ANSWER_WAIT_S = 60.0  # generous: the point is that an answer comes at all


async def a_draft(stack: Stack) -> str:
    async with stack.client() as alice:
        created = await alice.post("/v1/releases", json={"content": CONTENT})
    assert created.status_code == 201, created.text
    release_id: str = created.json()["release_id"]
    return release_id


@pytest.mark.parametrize(
    "lift_at",
    ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59+00:00"],
)
async def test_a_lift_time_out_of_range_is_a_422(stack: Stack, lift_at: str) -> None:
    release_id = await a_draft(stack)
    async with stack.client("dev-carol") as carol:
        response = await carol.put(f"/v1/releases/{release_id}/embargo", json={"lift_at": lift_at})
    assert "out of range" in assert_problem(response, 422)["detail"]


BEYOND_64_BITS = {
    "approve": {"stage": "legal", "revision": 2**64, "content_hash": "sha256:" + "0" * 64},
    "reject": {"stage": "legal", "reason": "No.", "revision": 2**64},
    "force-approve": {"reason": "No.", "revision": 2**64},
}


@pytest.mark.parametrize(("route", "body"), BEYOND_64_BITS.items(), ids=list(BEYOND_64_BITS))
async def test_a_revision_beyond_64_bits_is_a_422_not_a_500(
    stack: Stack, route: str, body: dict[str, object]
) -> None:
    """Found by `make fuzz` (2026-12-05): `{"revision": 15227288835875909896507808803742285824}`
    passed validation and the command could not be encoded (orjson takes 64-bit integers): 500."""
    release_id = await a_draft(stack)
    async with stack.client("dev-erin") as erin:
        response = await erin.post(f"/v1/releases/{release_id}/{route}", json=body)
    assert "revision" in str(assert_problem(response, 422))


@pytest.mark.parametrize("char", ["\x01", "\x0b", "\x1f"])
async def test_a_title_with_a_control_character_is_a_422(stack: Stack, char: str) -> None:
    async with stack.client() as alice:
        content = {**CONTENT, "title": f"UK{char}and Japan"}
        response = await alice.post("/v1/releases", json={"content": content})
    assert f"U+{ord(char):04X}" in assert_problem(response, 422)["detail"]


async def test_a_nul_in_content_is_a_422_that_never_reaches_drafting(stack: Stack) -> None:
    release_id = await a_draft(stack)
    async with stack.client() as alice:
        created = await alice.post("/v1/releases", json={"content": {**CONTENT, "body": "a\x00"}})
        revised = await alice.patch(
            f"/v1/releases/{release_id}", json={"summary": "\x00"}, headers={"If-Match": '"1"'}
        )
    for response in (created, revised):
        problem = assert_problem(response, 422)
        assert "U+0000" in problem["detail"] and "asyncpg" not in response.text


@pytest.mark.parametrize("url", ["/v1/releases?q=a%00b", "/v1/releases/r%00", "/v1/public/a%00"])
async def test_a_nul_in_the_url_is_a_400(stack: Stack, url: str) -> None:
    async with stack.client() as alice:
        assert_problem(await alice.get(url), 400)


async def exchange(stack: Stack, head: str, body: bytes = b"") -> tuple[str, bytes]:
    """Sends a request head (and maybe part of a body) on a raw connection; the status line
    and the rest of what the gateway sent before it closed the connection."""
    settings = stack.settings
    reader, writer = await asyncio.open_connection(settings.gateway_host, settings.gateway_port)
    try:
        writer.write(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(-1), ANSWER_WAIT_S)  # until it closes
    finally:
        writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    return status_line.decode(), rest


def post_head(length: int, token: str | None = "dev-alice") -> str:
    auth = f"Authorization: Bearer {token}\n" if token else ""
    return (
        f"POST /v1/releases HTTP/1.1\nHost: gateway\n{auth}"
        f"Content-Type: application/json\nContent-Length: {length}\n"
    )


async def test_a_20_mb_body_is_refused_before_it_is_sent(stack: Stack) -> None:
    status, rest = await exchange(stack, post_head(20_000_000))
    assert status.startswith("HTTP/1.1 413")
    assert b"body-too-large" in rest and b"x-correlation-id" in rest.lower()


async def test_a_body_without_a_token_is_refused_before_it_is_sent(stack: Stack) -> None:
    status, rest = await exchange(stack, post_head(1_000, token=None))
    assert status.startswith("HTTP/1.1 401")
    assert b"unauthenticated" in rest


async def test_a_body_that_never_finishes_gets_a_408(stack: Stack) -> None:
    # The test stack's PRESSROOM_HTTP_BODY_TIMEOUT_S is short (infra_fixture.py).
    status, rest = await exchange(stack, post_head(1_000), body=b'{"content": ')
    assert status.startswith("HTTP/1.1 408")
    assert b"body-timeout" in rest
