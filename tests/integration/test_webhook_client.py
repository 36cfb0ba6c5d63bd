"""The webhook client against real receivers on loopback (no Kafka or PostgreSQL needed): it
connects only to addresses it checked, never follows a redirect, signs by Standard Webhooks,
and keeps what a receiver wrote out of what writers see."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from standardwebhooks import Webhook

from services.publication.signing import signed_headers
from services.publication.webhook_client import AddressRefused, post_webhook
from tests.sealing_support import SECRET

LOCAL = ("127.0.0.0/8",)
BODY = json.dumps({"delivery_id": "d-1", "notice": "published"}).encode()


@dataclass
class Target:
    base: str
    seen: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)


async def _serve(host: str) -> AsyncIterator[Target]:
    target = Target(base="")

    async def handle(request: web.Request) -> web.StreamResponse:
        target.seen.append((request.path, dict(request.headers), await request.read()))
        if request.path == "/moved":
            raise web.HTTPFound("/elsewhere")
        if request.path == "/broken":
            return web.Response(status=500, text="stack trace with db password hunter2")
        return web.Response(status=200, text="ok")

    app = web.Application()
    app.router.add_post("/{path:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    target.base = f"http://{'[::1]' if ':' in host else host}:{port}"
    yield target
    await runner.cleanup()


@pytest.fixture
async def v4() -> AsyncIterator[Target]:
    async for target in _serve("127.0.0.1"):
        yield target


@pytest.fixture
async def v6() -> AsyncIterator[Target]:
    async for target in _serve("::1"):
        yield target


def headers() -> dict[str, str]:
    return signed_headers(SECRET, "d-1", int(time.time()), BODY)


async def test_an_allowed_receiver_gets_a_delivery_it_verifies_with_the_official_library(
    v4: Target,
) -> None:
    answer = await post_webhook(f"{v4.base}/hook", BODY, headers(), LOCAL, 5.0)
    assert answer.succeeded and answer.detail == "HTTP 200 OK"
    [(path, got, raw)] = v4.seen
    assert path == "/hook" and Webhook(SECRET).verify(raw, got) == json.loads(BODY)
    assert got["Host"] == v4.base.removeprefix("http://"), "the name, not the checked address"


async def test_a_name_is_resolved_and_checked_like_an_address(v4: Target) -> None:
    port = v4.base.rsplit(":", 1)[1]
    answer = await post_webhook(f"http://localhost:{port}/named", BODY, headers(), LOCAL, 5.0)
    assert answer.succeeded and v4.seen[0][0] == "/named"
    with pytest.raises(AddressRefused, match="loopback"):
        await post_webhook(f"http://localhost:{port}/named", BODY, headers(), (), 5.0)
    assert len(v4.seen) == 1, "refused before connecting"


async def test_addresses_that_are_not_public_are_refused_before_any_connection(
    v4: Target, v6: Target
) -> None:
    port = v4.base.rsplit(":", 1)[1]
    for url in (f"{v4.base}/a", f"http://2130706433:{port}/b", f"http://0x7f000001:{port}/c"):
        with pytest.raises(AddressRefused):
            await post_webhook(url, BODY, headers(), (), 5.0)
    with pytest.raises(AddressRefused, match="::1"):
        await post_webhook(f"{v6.base}/d", BODY, headers(), LOCAL, 5.0)
    assert v4.seen == [] and v6.seen == []


async def test_plain_http_to_a_public_address_is_refused_without_connecting() -> None:
    with pytest.raises(AddressRefused, match="https"):
        await post_webhook("http://93.184.215.14/hook", BODY, headers(), LOCAL, 5.0)


async def test_a_redirect_is_a_failed_attempt_and_is_not_followed(v4: Target) -> None:
    answer = await post_webhook(f"{v4.base}/moved", BODY, headers(), LOCAL, 5.0)
    assert not answer.succeeded and answer.detail == "HTTP 302 Found (redirects are not followed)"
    assert [path for path, _, _ in v4.seen] == ["/moved"]


async def test_what_a_receiver_wrote_stays_out_of_the_detail(v4: Target) -> None:
    answer = await post_webhook(f"{v4.base}/broken", BODY, headers(), LOCAL, 5.0)
    assert answer.detail == "HTTP 500 Internal Server Error"
    assert "hunter2" in answer.body_excerpt and "hunter2" not in answer.detail


async def test_the_certificate_authorities_are_loaded_once_not_per_delivery(
    v4: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client made per delivery (for its pinned address) loaded the whole CA bundle each time:
    28 ms of CPU an attempt on a 2-CPU machine, plain-http receivers included."""
    loads: list[object] = []
    load = ssl.SSLContext.load_verify_locations

    def counted(context: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loads.append(args or kwargs)
        load(context, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    for _ in range(3):
        assert (await post_webhook(f"{v4.base}/hook", BODY, headers(), LOCAL, 5.0)).succeeded
    assert len(loads) <= 1  # none when an earlier delivery of this process made the context
    assert len(v4.seen) == 3
