"""Issue 15, profiled under 20 HTTP writes/s: uvicorn parsed and wrote HTTP with h11, in pure
Python; with httptools (llhttp, in C) the gateway takes about 7% less CPU per request. The gateway
names httptools, so a missing wheel fails at start instead of falling back to h11 unnoticed."""

from __future__ import annotations

from starlette.applications import Starlette

from services.gateway.__main__ import server
from services.kit.settings import Settings


def test_the_gateway_parses_http_with_httptools_not_the_pure_python_h11() -> None:
    settings = Settings(_env_file=None)
    config = server(Starlette(), settings).config
    assert config.http == "httptools"
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
