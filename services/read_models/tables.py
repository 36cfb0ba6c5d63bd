"""What the read side and the projector (which writes the tables) share: the columns the read side
returns per table (the projector's row types carry the same names, tests/unit/test_read_models.py
holds them together; `releases.search` is not one), and the channel the projector NOTIFYs."""

from __future__ import annotations

RELEASES = (
    "release_id", "title", "summary", "body", "lead_organisation", "organisations",
    "collaborators", "status", "revision", "content_hash", "content", "created_by", "created_at",
    "updated_at", "submitted_at", "submitted_by", "versions", "last_event_id", "drafting_status",
    "approval_status", "approval_revision", "approval_hash", "approval_stages",
    "force_approved_flag", "approval_requested_at", "approval_decided_at", "embargo_status",
    "embargo_lift_at", "embargo_pre_release_at", "embargo_recipient_count", "embargo_lifted_at",
    "embargo_lateness_ms", "publication_status", "public_edition", "public_revision",
    "public_slug", "first_published_at", "public_updated_at",
)  # fmt: skip
APPROVAL_INBOX = (
    "release_id", "stage", "roles", "step", "opened", "deadline_at", "overdue", "revision",
    "content_hash", "title", "lead_organisation", "requested_at",
)  # fmt: skip
EMBARGO_CALENDAR = (
    "release_id", "lift_at", "pre_release_at", "title", "lead_organisation", "status",
    "has_recipients",
)  # fmt: skip
# The projector NOTIFYs it after each committed batch; read-your-writes waits on it.
ADVANCED_CHANNEL = "projections_advanced"
# States still readable at /v1/public/{slug} and listed in the feed; the rest are not.
LISTED_PUBLIC_STATES = ("published", "withdrawn")
