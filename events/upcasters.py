"""Functions raising a stored event's JSON from version n to n + 1. Never edit a published one."""

from __future__ import annotations

from events.content import ReleaseContent, content_hash
from events.registry import JsonObject


def draft_revised_v1_to_v2(data: JsonObject) -> JsonObject:
    """v1 had no hash: compute it from the content; which fields changed is unknown, so empty."""
    # .get: a v1 record without content must fail validation (a DLQ reason), not a KeyError.
    content = ReleaseContent.model_validate(data.get("content"))
    return {**data, "version": 2, "content_hash": content_hash(content), "changed_fields": []}


def draft_submitted_v1_to_v2(data: JsonObject) -> JsonObject:
    """v1 named only the submitter; the submitter is the one author v1 can vouch for."""
    return {**data, "version": 2, "authors": [data.get("submitted_by")]}


def register_subscriber_v1_to_v2(data: JsonObject) -> JsonObject:
    """v1 carried a webhook's secret in clear: it is dropped, never kept, so a v1 webhook
    registration arrives without a secret and is refused; v1 email registrations read as is."""
    upcast = {key: value for key, value in data.items() if key != "secret"}
    return {**upcast, "version": 2}
