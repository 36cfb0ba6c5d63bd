"""TIME arguments: ISO 8601 with an offset; naive times are refused (which zone would they be?)."""

from __future__ import annotations

from datetime import UTC, datetime

from operator_tools.errors import OpsError

EXAMPLE = "2016-07-21T09:30:00+01:00 or 2016-07-21T08:30:00Z"


def parse_time(text: str, what: str = "TIME") -> datetime:
    """The moment `text` names, in UTC; OpsError when it is malformed or has no offset."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise OpsError(f"{what} {text!r} is not an ISO 8601 time; write e.g. {EXAMPLE}") from None
    if moment.utcoffset() is None:
        raise OpsError(
            f"{what} {text!r} has no offset, so it could be any time zone; write e.g. {EXAMPLE}"
        )
    return moment.astimezone(UTC)


def optional_time(text: str | None, what: str) -> datetime | None:
    return None if text is None else parse_time(text, what)


def to_millis(moment: datetime) -> int:
    """Kafka record timestamps are milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)


def from_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)
