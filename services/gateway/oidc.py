"""OIDC/JWT bearer tokens (PyJWT): keys from the issuer's JWKS, iss, aud, exp, nbf checked with a
fixed clock skew, asymmetric algorithms only; id, roles and organisation from configured claims."""

from __future__ import annotations

from typing import Any

import jwt
import structlog
from pydantic import ValidationError

from events.actor import Actor
from services.gateway.auth import KeysUnavailable, Principal, TokenFileError
from services.kit.settings import Settings

log = structlog.get_logger()
# Symmetric algorithms would let anyone holding a published key sign (HS/RS key confusion).
ASYMMETRIC = frozenset(jwt.algorithms.requires_cryptography)
REQUIRED_CLAIMS = ["exp", "iss", "aud"]


class OidcVerifier:
    """Checks one JWT and names its principal, or None; the JWKS is cached and refetched on an
    unknown `kid` (PyJWKClient, at most once per cooldown)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.algorithms = list(settings.oidc_algorithms)
        self.keys = jwt.PyJWKClient(
            settings.oidc_jwks_url, cache_keys=False, lifespan=settings.oidc_jwks_cache_s,
            timeout=5, cooldown_duration=settings.oidc_jwks_refresh_cooldown_s,
        )  # fmt: skip

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcVerifier | None:
        """None without an issuer; TokenFileError when the OIDC settings cannot work."""
        if not settings.oidc_issuer:
            return None
        if not settings.oidc_audience or not settings.oidc_jwks_url:
            raise TokenFileError(
                "PRESSROOM_OIDC_ISSUER needs PRESSROOM_OIDC_AUDIENCE and PRESSROOM_OIDC_JWKS_URL"
            )
        unsafe = sorted(set(settings.oidc_algorithms) - ASYMMETRIC)
        if unsafe or not settings.oidc_algorithms:
            allowed = ", ".join(sorted(ASYMMETRIC))
            refused = ", ".join(unsafe) or "an empty list"
            raise TokenFileError(f"PRESSROOM_OIDC_ALGORITHMS: only {allowed}, not {refused}")
        return cls(settings)

    def principal(self, token: str) -> Principal | None:
        """The principal a valid token names; None for any invalid token (the reason is logged,
        never the token)."""
        try:
            claims = self._verified_claims(token)
        except jwt.PyJWKClientConnectionError as error:
            raise KeysUnavailable(str(error)) from error
        except jwt.PyJWTError as error:
            log.info("jwt_refused", reason=type(error).__name__)
            return None
        return self._principal_from(claims)

    def _verified_claims(self, token: str) -> dict[str, Any]:
        key = self.keys.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token, key=key, algorithms=self.algorithms, audience=self.settings.oidc_audience,
            issuer=self.settings.oidc_issuer, leeway=self.settings.oidc_leeway_s,
            options={"require": REQUIRED_CLAIMS},
        )  # fmt: skip
        return claims

    def _principal_from(self, claims: dict[str, Any]) -> Principal | None:
        roles = claim(claims, self.settings.oidc_roles_claim)
        entry = {
            "id": claim(claims, self.settings.oidc_id_claim),
            "roles": roles.split() if isinstance(roles, str) else roles or [],
            "organisation": claim(claims, self.settings.oidc_organisation_claim),
        }
        try:
            actor = Actor.model_validate(entry)
        except ValidationError as error:
            log.info(
                "jwt_claims_refused", fields=[".".join(map(str, e["loc"])) for e in error.errors()]
            )
            return None
        return Principal(id=actor.id, roles=tuple(actor.roles), organisation=actor.organisation)


def claim(claims: dict[str, Any], path: str) -> Any:
    """The claim at a dotted path (`realm_access.roles`), or None."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
