"""Every consumer group Pressroom runs, named once: one faust app (= group) per service, and the
projector, whose true positions are the ones it stores with its read models."""

from __future__ import annotations

from events.topics import EVENT_TOPICS, REPLIES

SERVICES = ("drafting", "approval", "embargo", "publication")
PROJECTOR_GROUP = "pressroom-projector"
PROJECTED_TOPICS: tuple[str, ...] = (*EVENT_TOPICS, REPLIES)


def service_group(service: str) -> str:
    """The faust app id of a service, which is its consumer group."""
    return f"pressroom-{service}"


# What `pressroom lag` and the gateway's /metrics report on, in this order.
GROUPS: tuple[str, ...] = (*(service_group(s) for s in sorted(SERVICES)), PROJECTOR_GROUP)
