"""The one registry of every message model and upcaster Pressroom reads and writes."""

from __future__ import annotations

from events import drafting, upcasters
from events.registry import Registry
from events.replies import CommandOutcome

REGISTRY = Registry()
REGISTRY.register(
    drafting.CreateDraft,
    drafting.ReviseDraft,
    drafting.SubmitDraft,
    drafting.DiscardDraft,
    drafting.DraftCreated,
    drafting.DraftRevisedV1,
    drafting.DraftRevised,
    drafting.DraftSubmitted,
    drafting.DraftDiscarded,
    CommandOutcome,
)
REGISTRY.register_upcaster(drafting.DraftRevised, 1, upcasters.draft_revised_v1_to_v2)
