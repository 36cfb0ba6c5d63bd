"""Bearer tokens → principals, from a YAML file (or the demo set), compared in constant time."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from events.actor import Actor
from services.gateway.problems import ProblemError

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


def load_tokens(path: Path | None) -> TokenStore:
    """Reads `path`, or the demo tokens when it is None; raises TokenFileError on any problem."""
    source = path or DEMO_TOKENS_FILE
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


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """FastAPI dependency: the caller, or a 401 problem with a Bearer challenge."""
    scheme, token = (credentials.scheme, credentials.credentials) if credentials else ("", "")
    return bearer_principal(scheme, token, request.app.state.gateway.tokens)


def bearer_principal(scheme: str, token: str, tokens: TokenStore) -> Principal:
    """The principal of `Authorization: <scheme> <token>`, or the 401 problem saying why not.
    Also used at the door, before a request's body is read (services/gateway/request_guard.py)."""
    if scheme.lower() != "bearer" or not token:
        raise _unauthenticated("Send 'Authorization: Bearer <token>'.", None)
    principal = tokens.authenticate(token)
    if principal is None:
        raise _unauthenticated("The bearer token is not valid.", "invalid_token")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
