"""OIDC/JWT bearer tokens against a JWKS served on 127.0.0.1 with keys made at test time."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from services.gateway.app import create_app
from services.gateway.auth import Principal, TokenFileError
from services.gateway.oidc import OidcVerifier
from services.kit.settings import Settings
from tests.fakes.command_bus import FakeCommandBus
from tests.fakes.read_model import FakeReadModel
from tests.integration.oidc_issuer import AUDIENCE, ISSUER, IdentityProvider, SigningKey, issuer

__all__ = ["issuer"]


def oidc_settings(provider: IdentityProvider, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_jwks_url": provider.jwks_url,
        "oidc_roles_claim": "realm_access.roles", "oidc_organisation_claim": "org",
        "oidc_leeway_s": 10, "oidc_jwks_refresh_cooldown_s": 0,
    }  # fmt: skip
    return Settings(**{**values, **overrides})


def verifier(provider: IdentityProvider) -> OidcVerifier:
    made = OidcVerifier.from_settings(oidc_settings(provider))
    assert made is not None
    return made


async def principal(checker: OidcVerifier, token: str) -> Principal | None:
    # The JWKS client blocks (urllib), as in the gateway: off the loop that serves the JWKS.
    return await asyncio.to_thread(checker.principal, token)


def unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


async def test_a_good_token_names_its_principal_from_the_configured_claims(
    issuer: IdentityProvider,
) -> None:
    named = await principal(verifier(issuer), issuer.token())
    assert named is not None
    assert (named.id, named.roles, named.organisation) == (
        "nadia", ("press-officer",), "fco",
    )  # fmt: skip


@pytest.mark.parametrize(
    "overrides",
    [
        # Seconds from the moment the test runs ("_in"): `make test` reaches it long after
        # collection, when a time taken then would already be in the past.
        pytest.param({"exp_in": -60}, id="expired"),
        pytest.param({"nbf_in": 600}, id="not-yet-valid"),
        pytest.param({"aud": "another-api"}, id="wrong-audience"),
        pytest.param({"iss": "https://evil.example/"}, id="wrong-issuer"),
        pytest.param({"exp": None}, id="no-expiry"),
    ],
)
async def test_refuses_a_token_whose_claims_do_not_hold(
    issuer: IdentityProvider, overrides: dict[str, Any]
) -> None:
    now = int(time.time())
    overrides = {
        key.removesuffix("_in"): now + value if key.endswith("_in") else value
        for key, value in overrides.items()
    }
    claims = {key: value for key, value in overrides.items() if value is not None}
    token = jwt.encode(
        {k: v for k, v in issuer.claims(**claims).items() if overrides.get(k, 0) is not None},
        issuer.published[0].private, algorithm="RS256", headers={"kid": "key-1"},
    )  # fmt: skip
    assert await principal(verifier(issuer), token) is None


async def test_an_expired_token_within_the_clock_skew_still_holds(issuer: IdentityProvider) -> None:
    token = issuer.token(exp=int(time.time()) - 3)
    assert await principal(verifier(issuer), token) is not None


async def test_refuses_alg_none(issuer: IdentityProvider) -> None:
    token = unsigned(issuer.claims(), {"alg": "none", "typ": "JWT", "kid": "key-1"})
    assert await principal(verifier(issuer), token) is None


async def test_refuses_hs256_signed_with_the_public_rsa_key(issuer: IdentityProvider) -> None:
    public_pem = (
        issuer.published[0]
        .private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": "key-1"}
    signing_input = unsigned(issuer.claims(), header)[:-1].encode()
    signature = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    token = signing_input.decode() + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    assert await principal(verifier(issuer), token) is None


async def test_an_unknown_kid_refetches_the_keys_once_then_refuses(
    issuer: IdentityProvider,
) -> None:
    checker = verifier(issuer)
    assert await principal(checker, issuer.token()) is not None
    assert issuer.fetches == 1
    assert await principal(checker, issuer.token()) is not None
    assert issuer.fetches == 1  # cached
    stranger = SigningKey(kid="key-unknown")
    assert await principal(checker, issuer.token(stranger)) is None
    assert issuer.fetches == 2  # one refresh, then refused


async def test_a_rotated_key_is_found_by_refetching_on_its_unknown_kid(
    issuer: IdentityProvider,
) -> None:
    checker = verifier(issuer)
    assert await principal(checker, issuer.token()) is not None
    rotated = SigningKey(kid="key-2")
    issuer.published.append(rotated)
    assert await principal(checker, issuer.token(rotated)) is not None
    assert issuer.fetches == 2


async def test_claims_that_are_not_a_valid_principal_are_refused(issuer: IdentityProvider) -> None:
    assert await principal(verifier(issuer), issuer.token(sub="not an id!")) is None


def test_symmetric_or_none_algorithms_cannot_be_configured() -> None:
    for algorithms in (("HS256",), ("none",), ()):
        with pytest.raises(TokenFileError, match="PRESSROOM_OIDC_ALGORITHMS"):
            OidcVerifier.from_settings(
                Settings(oidc_issuer=ISSUER, oidc_audience=AUDIENCE,
                         oidc_jwks_url="http://127.0.0.1:9/", oidc_algorithms=algorithms)
            )  # fmt: skip


async def test_the_gateway_accepts_a_good_jwt_and_answers_401_to_a_bad_one(
    issuer: IdentityProvider,
) -> None:
    app = create_app(
        oidc_settings(issuer), bus=FakeCommandBus(respond=lambda _: None), reads=FakeReadModel()
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:

        async def status(token: str) -> int:
            headers = {"Authorization": f"Bearer {token}"}
            return (await client.get("/v1/releases/r-1", headers=headers)).status_code

        assert await status(issuer.token()) == 404  # authenticated; the release does not exist
        assert await status(issuer.token(aud="another-api")) == 401
        assert await status("dev-alice") == 401  # no demo tokens beside OIDC
