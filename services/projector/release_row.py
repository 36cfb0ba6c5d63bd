"""One row of `projections.releases`, and the board status it derives from drafting and approval
(embargo adds its own columns; it does not change the board status)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any


class ReleaseStatus(StrEnum):
    """The values of `projections.releases.status`; later services add theirs here."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DISCARDED = "discarded"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    UNPUBLISHED = "unpublished"  # gone, redirected or vanished


class ApprovalStatus(StrEnum):
    """The values of `projections.releases.approval_status`."""

    NONE = "none"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    INVALIDATED = "invalidated"
    FORCE_APPROVED = "force_approved"


class EmbargoStatus(StrEnum):
    """The values of `projections.releases.embargo_status`."""

    NONE = "none"
    SCHEDULED = "scheduled"
    DEFERRED = "deferred"  # the lift time came before an approval: lifts with the next one
    LIFTED = "lifted"
    CANCELLED = "cancelled"


class StageState(StrEnum):
    """The state of one stage in `approval_stages`; a rejection closes the whole request."""

    PENDING = "pending"
    APPROVED = "approved"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class ReleaseRow:
    """One row of `projections.releases` (the generated `search` column aside)."""

    release_id: str
    title: str
    summary: str
    body: str
    lead_organisation: str
    organisations: tuple[str, ...]
    collaborators: tuple[str, ...]
    status: str
    revision: int
    content_hash: str
    content: dict[str, Any]
    created_by: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    submitted_by: str | None = None
    # The last stream version applied, per service: the drafting one is the release's ETag.
    versions: dict[str, int] = field(default_factory=dict)
    last_event_id: str = ""
    # What drafting alone says (draft, submitted, discarded); `status` also weighs approval.
    drafting_status: str = ReleaseStatus.DRAFT
    approval_status: str = ApprovalStatus.NONE
    approval_revision: int | None = None
    approval_hash: str | None = None
    # [{name, roles, step, deadline_at, state, approver, approved_at, comment}], JSON-ready.
    approval_stages: list[dict[str, Any]] = field(default_factory=list)
    force_approved_flag: bool = False
    approval_requested_at: datetime | None = None
    # When approval last reached a verdict (approved, rejected, force-approved) on its revision.
    approval_decided_at: datetime | None = None
    embargo_status: str = EmbargoStatus.NONE
    embargo_lift_at: datetime | None = None
    embargo_pre_release_at: datetime | None = None
    embargo_recipient_count: int = 0
    embargo_lifted_at: datetime | None = None
    embargo_lateness_ms: int | None = None
    # not-published | published | withdrawn | gone | redirect | vanish, as publication says.
    publication_status: str = "not-published"
    public_edition: int | None = None
    public_revision: int | None = None  # the revision the public edition carries
    public_slug: str | None = None
    first_published_at: datetime | None = None
    public_updated_at: datetime | None = None

    @property
    def drafted(self) -> bool:
        """False for a placeholder holding approval events that arrived before DraftCreated."""
        return bool(self.created_by)


RELEASE_FIELDS = frozenset(f.name for f in fields(ReleaseRow))


def changed(row: ReleaseRow, **changes: Any) -> ReleaseRow:
    """`dataclasses.replace(row, **changes)` for the release row, without running the 40-field
    `__init__` again: the fold copies a row once or twice per event, and `replace` was most of
    a rebuild's folding. The same new frozen row: the row has no `__post_init__` and no
    init-only fields, so copying its attributes is all `replace` does. The attributes are
    copied as one dict and set as the copy's `__dict__` (a frozen row refuses `setattr`, not
    this): half the cost of filling an empty `__dict__` key by key."""
    if not RELEASE_FIELDS.issuperset(changes):
        unknown = changes.keys() - RELEASE_FIELDS
        raise TypeError(f"ReleaseRow has no field {', '.join(sorted(unknown))}")
    attributes = row.__dict__.copy()
    attributes.update(changes)
    copy = object.__new__(ReleaseRow)
    object.__setattr__(copy, "__dict__", attributes)
    return copy


def board_status(row: ReleaseRow) -> str:
    """The status board's word, the same whichever of the two streams the projector read first."""
    if row.public_revision is not None and row.public_revision == row.revision:
        return _public_status(row.publication_status)  # until a correction revises it
    if row.drafting_status == ReleaseStatus.DISCARDED or not _verdict_on_current_submission(row):
        return row.drafting_status
    if row.approval_status in (ApprovalStatus.APPROVED, ApprovalStatus.FORCE_APPROVED):
        return ReleaseStatus.APPROVED
    if row.approval_status == ApprovalStatus.REJECTED:
        return ReleaseStatus.DRAFT
    return row.drafting_status


def _verdict_on_current_submission(row: ReleaseRow) -> bool:
    # A verdict counts for the current revision only, and only if no later resubmission of the
    # same revision superseded it (a rejected revision may be submitted again unchanged).
    if row.approval_decided_at is None or row.approval_revision != row.revision:
        return False
    return row.submitted_at is None or row.approval_decided_at >= row.submitted_at


def _public_status(publication_status: str) -> str:
    if publication_status in (ReleaseStatus.PUBLISHED, ReleaseStatus.WITHDRAWN):
        return publication_status
    return ReleaseStatus.UNPUBLISHED
