"""Bearer tokens → principals, from a YAML file (or the demo set when asked for), compared in
constant time."""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol

import structlog
import yaml
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from events.actor import Actor
from services.gateway.problems import ProblemError
from services.kit.settings import Settings

log = structlog.get_logger()

DEMO_TOKENS_FILE = Path(__file__).with_name("demo_tokens.yaml")
MIN_TOKEN_CHARS = 6

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A bearer token from the tokens file (docs/auth.md).",
)


class TokenFileError(Exception):
    """The tokens file cannot be used; the message names the file and what is wrong with it."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: travels into every command as its `actor`."""

    id: str
    roles: tuple[str, ...]
    organisation: str | None

    def actor(self) -> Actor:
        return Actor(id=self.id, roles=list(self.roles), organisation=self.organisation)

    def has_role(self, role: str) -> bool:
        return role in self.roles


class TokenStore:
    """The known tokens; `authenticate` compares against every one so timing reveals nothing."""

    def __init__(self, principals: dict[str, Principal]) -> None:
        self._entries = [(token.encode("utf-8"), p) for token, p in principals.items()]

    def __len__(self) -> int:
        return len(self._entries)

    def authenticate(self, token: str) -> Principal | None:
        """The principal owning `token`, or None."""
        offered = token.encode("utf-8")
        found: Principal | None = None
        for known, principal in self._entries:
            if hmac.compare_digest(known, offered):
                found = principal
        return found


NOTHING_CONFIGURED = (
    "no bearer tokens are configured: set PRESSROOM_TOKENS_FILE to a tokens file (docs/auth.md)"
    " and/or PRESSROOM_OIDC_ISSUER with PRESSROOM_OIDC_AUDIENCE (docs/security.md); for a local"
    " demo only, PRESSROOM_DEMO_TOKENS=true loads the public demo tokens"
)


def tokens_for(settings: Settings) -> TokenStore:
    """The tokens the settings name: the file, the demo set when asked for, or none beside OIDC;
    raises TokenFileError when nothing would authenticate anyone (secure by default)."""
    if settings.tokens_file is not None:
        return load_tokens(settings.tokens_file)
    if settings.demo_tokens:
        log.warning(
            "demo_tokens_loaded",
            warning="public tokens: local use only",
            file=DEMO_TOKENS_FILE.name,
        )
        return load_tokens(DEMO_TOKENS_FILE)
    if settings.oidc_issuer:
        return TokenStore({})
    raise TokenFileError(NOTHING_CONFIGURED)


def load_tokens(path: Path) -> TokenStore:
    """Reads the tokens file at `path`; raises TokenFileError on any problem."""
    source = path
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise TokenFileError(f"tokens file {source}: cannot be read ({error.strerror})") from error
    return parse_tokens(text, str(source))


def parse_tokens(text: str, source: str) -> TokenStore:
    """Parses the YAML text of a tokens file; `source` names it in error messages."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise TokenFileError(f"tokens file {source}: not valid YAML ({error})") from error
    entries = document.get("tokens") if isinstance(document, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise TokenFileError(
            f"tokens file {source}: expected a non-empty mapping under 'tokens:' "
            '(tokens: {"<token>": {id: alice, roles: [writer], organisation: fco}})'
        )
    return TokenStore({_token(t, source): _principal(t, e, source) for t, e in entries.items()})


def _token(token: Any, source: str) -> str:
    text = str(token)
    if len(text) < MIN_TOKEN_CHARS or any(c.isspace() for c in text) or not text.isprintable():
        raise TokenFileError(
            f"tokens file {source}: token {_masked(text)!r} must be at least "
            f"{MIN_TOKEN_CHARS} printable characters without spaces"
        )
    return text


def _principal(token: Any, entry: Any, source: str) -> Principal:
    try:
        actor = Actor.model_validate(entry)
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in error.errors()
        )
        raise TokenFileError(
            f"tokens file {source}: entry for token {_masked(str(token))!r}: {reasons}"
        ) from error
    return Principal(id=actor.id, roles=tuple(actor.roles), organisation=actor.organisation)


def _masked(token: str) -> str:
    # Error messages end up in logs: show only enough of a token to find it in the file.
    return token[: len(token) // 4] + "…"


def _unauthenticated(detail: str, error: str | None) -> ProblemError:
    challenge = (
        f'Bearer realm="pressroom", error="{error}"' if error else 'Bearer realm="pressroom"'
    )
    return ProblemError(
        401,
        detail,
        slug="unauthenticated",
        title="Authentication required",
        headers={"WWW-Authenticate": challenge},
    )


class KeysUnavailable(Exception):
    """The identity provider's keys could not be fetched: nobody can be checked right now."""


class BearerVerifier(Protocol):
    """Port: a second way to authenticate (OIDC/JWT, services/gateway/oidc.py)."""

    def principal(self, token: str) -> Principal | None: ...


READS = frozenset({"GET", "HEAD", "OPTIONS"})


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """FastAPI dependency: the caller, or a 401 problem with a Bearer challenge; 429 when the
    client's address failed too often, or the caller writes too fast (rate_limits.py)."""
    gateway = request.app.state.gateway
    address = request.client.host if request.client else "unknown"
    gateway.limits.check_address(address)
    if credentials is None or credentials.scheme.lower() != "bearer":
        gateway.limits.failed_auth.hit(address)
        raise _unauthenticated("Send 'Authorization: Bearer <token>'.", None)
    principal = await _authenticate(gateway.tokens, gateway.oidc, credentials.credentials)
    if principal is None:
        gateway.limits.failed_auth.hit(address)
        raise _unauthenticated("The bearer token is not valid.", "invalid_token")
    if request.method not in READS:
        gateway.limits.check_write(principal.id, address)
    return principal


async def _authenticate(
    tokens: TokenStore, oidc: BearerVerifier | None, token: str
) -> Principal | None:
    principal = tokens.authenticate(token)
    if principal is not None or oidc is None or token.count(".") != 2:
        return principal
    try:
        # PyJWT's JWKS client fetches with urllib: off the event loop.
        return await asyncio.to_thread(oidc.principal, token)
    except KeysUnavailable as error:
        log.warning("oidc_keys_unavailable", error=str(error))
        raise ProblemError(
            503, "The identity provider's keys cannot be fetched; try again.",
            slug="identity-provider-unavailable", headers={"Retry-After": "5"},
        ) from None  # fmt: skip


def door_check(scheme: str, token: str, tokens: TokenStore, oidc: BearerVerifier | None) -> None:
    """At the door, before a request's body is read (services/gateway/request_guard.py): the 401
    problem for a caller who can never be authenticated. A token of the tokens file passes; with
    OIDC configured, a JWT-shaped token is left to the route's full check (its keys may need
    fetching, which the door does not wait for)."""
    if scheme.lower() != "bearer" or not token:
        raise _unauthenticated("Send 'Authorization: Bearer <token>'.", None)
    if tokens.authenticate(token) is not None:
        return
    if oidc is not None and token.count(".") == 2:
        return
    raise _unauthenticated("The bearer token is not valid.", "invalid_token")


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
