"""Tried as an approval bot would, with httpx (pool expiry 5 s) under the bench's load: a POST
failed with `httpx.ReadError` on a reused connection. The gateway ran uvicorn's own keep-alive,
also 5 s, so a request could go out on a connection the server was just closing. The gateway now
keeps idle connections longer than clients' pools and load balancers do, so they close first."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from services.gateway.__main__ import server
from services.kit.settings import Settings

# An AWS application load balancer's default idle timeout: the longest common one in front.
LOAD_BALANCER_IDLE_S = 60.0


def test_the_gateway_outlasts_client_pools_and_load_balancers_by_default() -> None:
    keep_alive = Settings(_env_file=None).gateway_keep_alive_s
    client_expiry = httpx.Limits().keepalive_expiry
    assert client_expiry is not None and keep_alive > client_expiry
    assert keep_alive > LOAD_BALANCER_IDLE_S


def test_the_setting_is_what_the_http_server_keeps_idle_connections_for() -> None:
    settings = Settings(_env_file=None, gateway_keep_alive_s=42)
    config = server(Starlette(), settings).config
    assert config.timeout_keep_alive == 42
