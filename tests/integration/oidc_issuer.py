"""A test identity provider: RSA keys made at test time, their JWKS served on 127.0.0.1."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest_asyncio
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://idp.pressroom.test/realms/press-office"
AUDIENCE = "pressroom-api"


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwk(self) -> dict[str, Any]:
        public: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}


@dataclass
class IdentityProvider:
    """Signs tokens; `published` are the keys its JWKS endpoint serves, `fetches` counts calls."""

    url: str = ""
    published: list[SigningKey] = field(default_factory=list)
    fetches: int = 0

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/protocol/openid-connect/certs"

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {
            "iss": ISSUER, "aud": AUDIENCE, "sub": "nadia", "iat": now, "nbf": now - 5,
            "exp": now + 300, "realm_access": {"roles": ["press-officer"]}, "org": "fco",
            "jti": str(uuid.uuid4()),
        }  # fmt: skip
        return {**base, **overrides}

    def token(self, key: SigningKey | None = None, **overrides: Any) -> str:
        key = key or self.published[0]
        return jwt.encode(
            self.claims(**overrides), key.private, algorithm="RS256", headers={"kid": key.kid}
        )


@pytest_asyncio.fixture
async def issuer() -> AsyncIterator[IdentityProvider]:
    provider = IdentityProvider(published=[SigningKey(kid="key-1")])

    async def jwks(_: web.Request) -> web.Response:
        provider.fetches += 1
        return web.json_response({"keys": [key.jwk() for key in provider.published]})

    app = web.Application()
    app.router.add_get("/protocol/openid-connect/certs", jwks)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    provider.url = f"http://127.0.0.1:{port}"
    yield provider
    await runner.cleanup()
