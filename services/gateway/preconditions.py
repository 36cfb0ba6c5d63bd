"""Conditional and idempotent requests: ETags, If-Match, Idempotency-Key, read-your-writes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from events.envelope import deterministic_id
from services.gateway.problems import ProblemError

# One entity tag: an optional weak marker, then a quoted stream version.
_ETAG = re.compile(r'^(?:W/)?"(?P<version>[0-9]{1,18})"$')
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True)
class CommandIds:
    """The id of the command a request becomes, and of the release it creates (POST only)."""

    command_id: str
    new_release_id: str


def etag(version: int) -> str:
    """The strong entity tag of a release at a drafting stream version."""
    return f'"{version}"'


def command_ids(principal_id: str, method: str, path: str, key: str | None) -> CommandIds:
    """Same principal, method, path and Idempotency-Key → same ids: a retry is the same command."""
    if checked_idempotency_key(key) is None:
        return CommandIds(command_id=str(uuid.uuid4()), new_release_id=str(uuid.uuid4()))
    command_id = deterministic_id(principal_id, method.upper(), path, str(key))
    return CommandIds(command_id=command_id, new_release_id=deterministic_id(command_id, "release"))


def checked_idempotency_key(key: str | None) -> str | None:
    """The key when it is 1-255 visible ASCII characters (or absent); else a 400 problem."""
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise ProblemError(
            400,
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
            slug="invalid-idempotency-key",
            title="Invalid Idempotency-Key",
        )
    return key


def expected_version(if_match: str | None, *, required: bool) -> int | None:
    """The version an If-Match header names; None when absent (or `*`) and not required."""
    if if_match is None or if_match.strip() == "":
        if required:
            raise _precondition_required("This request needs 'If-Match: \"<version>\"'.")
        return None
    value = if_match.strip()
    if value == "*":
        if required:
            raise _precondition_required("'If-Match: *' names no version; send the ETag you read.")
        return None
    match = _ETAG.match(value)
    if match is None:
        raise ProblemError(
            400,
            f'If-Match must be one entity tag such as "3"; got {value[:40]!r}.',
            slug="invalid-precondition",
            title="Invalid If-Match header",
        )
    return int(match["version"])


def none_match(if_none_match: str | None, current: int) -> bool:
    """True when If-None-Match names the current version (weakly) or is `*`: answer 304."""
    if if_none_match is None:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    if "*" in tags:
        return True
    versions = {m["version"] for m in map(_ETAG.match, tags) if m is not None}
    return str(current) in versions


def _precondition_required(detail: str) -> ProblemError:
    return ProblemError(428, detail, slug="precondition-required", title="If-Match required")


@dataclass(frozen=True)
class ReadAfter:
    """Wait until the projection of `release_id` has reached drafting stream `version`."""

    release_id: str
    version: int


def read_after(
    header: str | None, release_id: str | None = None, min_version: int | None = None
) -> ReadAfter | None:
    """From `Pressroom-Read-After: <release_id>:<version>`, else from `min_version`."""
    if header is not None and header.strip():
        wanted, _, version = header.strip().rpartition(":")
        if not wanted or not version.isdigit() or len(version) > 18:
            raise ProblemError(
                400,
                "Pressroom-Read-After must be '<release_id>:<version>'.",
                slug="invalid-read-after",
                title="Invalid Pressroom-Read-After header",
            )
        return ReadAfter(release_id=wanted, version=int(version))
    if release_id is not None and min_version is not None:
        return ReadAfter(release_id=release_id, version=min_version)
    return None
