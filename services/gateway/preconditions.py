"""Conditional and idempotent requests: ETags, If-Match, Idempotency-Key, read-your-writes."""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass

from events.envelope import deterministic_id
from services.gateway.problems import ProblemError
from services.kit.ids import new_id

# One entity tag: an optional weak marker, then a quoted stream version.
_ETAG = re.compile(r'^(?:W/)?"(?P<version>[0-9]{1,18})"$')
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# The same rule as JSON Schema, for the OpenAPI document.
IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "pattern": "^[!-~]{1,255}$", "maxLength": 255}


@dataclass(frozen=True)
class CommandIds:
    """The id of the command a request becomes, and of the release it creates (POST only)."""

    command_id: str
    new_release_id: str


def etag(version: int) -> str:
    """The strong entity tag of a release at a drafting stream version."""
    return f'"{version}"'


def command_ids(principal_id: str, method: str, path: str, key: str | None) -> CommandIds:
    """Same principal, method, path and Idempotency-Key → same ids: a retry is the same command.
    Without a key, fresh time-ordered ids (`new_id`); with one, they are derived from it (UUIDv5),
    so they fall in no particular order."""
    if checked_idempotency_key(key) is None:
        return CommandIds(command_id=new_id(), new_release_id=new_id())
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


# The services whose stream versions a read can wait for, as named in `versions` of a release.
STREAM_SERVICES = ("drafting", "approval", "embargo", "publication")
_VERSION = re.compile(r"^[0-9]{1,18}$")


@dataclass(frozen=True)
class ReadAfter:
    """Wait until the projection of `release_id` has reached `service`'s stream `version`."""

    release_id: str
    version: int
    service: str = "drafting"


def read_after(
    header: str | None, release_id: str | None = None, min_version: str | int | None = None
) -> ReadAfter | None:
    """From `Pressroom-Read-After: <release_id>[:<service>]:<version>`, else from `min_version`
    (`<version>` or `<service>:<version>`) for the route's release. No service means drafting."""
    wanted = _wanted(header, release_id, min_version)
    # Every write leaves a stream at version 1 or more: waiting for version 0 is pointless.
    return wanted if wanted is not None and wanted.version > 0 else None


def _wanted(
    header: str | None, release_id: str | None, min_version: str | int | None
) -> ReadAfter | None:
    if header is not None and header.strip():
        wanted, service, version = _split_service_version(header.strip())
        if not wanted:
            raise _invalid_read_after()
        return ReadAfter(release_id=wanted, version=version, service=service)
    if release_id is not None and min_version is not None:
        named, _, number = str(min_version).rpartition(":")
        if named not in ("", *STREAM_SERVICES) or not _VERSION.match(number):
            raise _invalid_read_after("min_version must be '<version>' or '<service>:<version>'")
        return ReadAfter(release_id, int(number), named or "drafting")
    return None


class RecentWrites:
    """Releases this gateway saw a command accepted for lately: the only ones a read may wait
    for before the read model knows them at all (read-your-writes right after creation).
    Any other unknown release is a 404 at once, not after the read-after wait."""

    def __init__(self, keep_s: float = 60.0, most: int = 10_000) -> None:
        self.keep_s, self.most = keep_s, most
        self._seen: OrderedDict[str, float] = OrderedDict()

    def note(self, release_id: str) -> None:
        self._seen[release_id] = time.monotonic()
        self._seen.move_to_end(release_id)
        while len(self._seen) > self.most:
            self._seen.popitem(last=False)

    def knows(self, release_id: str) -> bool:
        seen = self._seen.get(release_id)
        return seen is not None and time.monotonic() - seen < self.keep_s


def _split_service_version(text: str) -> tuple[str, str, int]:
    """'r1:approval:3' → ('r1', 'approval', 3); 'r1:3' → ('r1', 'drafting', 3)."""
    rest, _, version = text.rpartition(":")
    if not _VERSION.match(version):
        raise _invalid_read_after()
    # Release ids may hold colons: only a known service name right before the version counts.
    release_id, _, service = rest.rpartition(":")
    if release_id and service in STREAM_SERVICES:
        return release_id, service, int(version)
    return rest, "drafting", int(version)


def _invalid_read_after(
    detail: str = "Pressroom-Read-After must be '<release_id>:<version>'"
    " or '<release_id>:<service>:<version>'",
) -> ProblemError:
    return ProblemError(
        400,
        f"{detail} (service: {', '.join(STREAM_SERVICES)}).",
        slug="invalid-read-after",
        title="Invalid Pressroom-Read-After header",
    )
