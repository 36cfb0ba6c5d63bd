"""The one registry of every message model and upcaster Pressroom reads and writes."""

from __future__ import annotations

from events import approval, drafting, embargo, upcasters
from events.registry import Registry
from events.replies import CommandOutcome

REGISTRY = Registry()
REGISTRY.register(
    drafting.CreateDraft,
    drafting.ReviseDraft,
    drafting.SubmitDraft,
    drafting.DiscardDraft,
    drafting.ReopenDraft,
    drafting.DraftCreated,
    drafting.DraftRevisedV1,
    drafting.DraftRevised,
    drafting.DraftSubmittedV1,
    drafting.DraftSubmitted,
    drafting.DraftDiscarded,
    drafting.DraftReopened,
    approval.RequestApproval,
    approval.InvalidateApproval,
    approval.ApproveStage,
    approval.RejectRelease,
    approval.ForceApprove,
    approval.RetrospectivelyApprove,
    approval.MarkOverdue,
    approval.ApprovalRequested,
    approval.StageApproved,
    approval.ReleaseApproved,
    approval.ReleaseRejected,
    approval.ApprovalInvalidated,
    approval.ReleaseForceApproved,
    approval.ReleaseRetrospectivelyApproved,
    approval.ApprovalOverdue,
    embargo.SetEmbargo,
    embargo.ChangeEmbargo,
    embargo.CancelEmbargo,
    embargo.LiftEmbargoEarly,
    embargo.NoteApproval,
    embargo.NoteApprovalWithdrawn,
    embargo.IssueEmbargoedCopies,
    embargo.LiftEmbargo,
    embargo.EmbargoSet,
    embargo.EmbargoChanged,
    embargo.EmbargoCancelled,
    embargo.ApprovedRevisionNoted,
    embargo.ApprovalWithdrawnNoted,
    embargo.EmbargoedCopyIssued,
    embargo.EmbargoLiftDeferred,
    embargo.EmbargoLifted,
    embargo.EmbargoLiftedEarly,
    CommandOutcome,
)
REGISTRY.register_upcaster(drafting.DraftRevised, 1, upcasters.draft_revised_v1_to_v2)
REGISTRY.register_upcaster(drafting.DraftSubmitted, 1, upcasters.draft_submitted_v1_to_v2)
