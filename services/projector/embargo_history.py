"""The audit timeline's line for each embargo event, times as the press office reads them."""

from __future__ import annotations

from events.base import Event
from events.embargo import (
    EmbargoCancelled,
    EmbargoChanged,
    EmbargoedCopyIssued,
    EmbargoLiftDeferred,
    EmbargoLifted,
    EmbargoLiftedEarly,
    EmbargoSet,
    PublicationCleared,
    PublicationHeld,
)
from events.times import show


def embargo_summary(event: Event) -> str | None:
    """E.g. "Embargo set until 2026-01-09 00:01 GMT by carol, 2 recipients"; None if not embargo."""
    match event:
        case EmbargoSet():
            return f"Embargo set until {show(event.lift_at)} by {event.set_by}{_terms(event)}"
        case EmbargoChanged():
            return (
                f"Embargo changed from {show(event.previous_lift_at)} to {show(event.lift_at)}"
                f" by {event.changed_by}{_terms(event)}"
            )
        case EmbargoCancelled():
            reason = f": {event.reason}" if event.reason else ""
            return f"Embargo until {show(event.lift_at)} cancelled by {event.cancelled_by}{reason}"
        case _:
            return _lift_summary(event) or _copy_summary(event) or _clearance_summary(event)


def _lift_summary(event: Event) -> str | None:
    match event:
        case EmbargoLiftDeferred():
            return f"Lift due at {show(event.lift_at)} deferred: no approved revision yet"
        case EmbargoLifted():
            return (
                f"Lifted at {show(event.lifted_at)} (late by {event.lateness_ms} ms),"
                f" revision {event.revision}"
            )
        case EmbargoLiftedEarly():
            return (
                f"Lifted early at {show(event.lifted_at)} by {event.lifted_by}"
                f" (was due {show(event.lift_at)}): {event.reason}"
            )
        case _:
            return None


def _copy_summary(event: Event) -> str | None:
    match event:
        case EmbargoedCopyIssued():
            return (
                # Who holds a copy is secret: the timeline is read by every writer.
                f"Embargoed copy of revision {event.revision} issued to a recipient,"
                f" embargoed until {show(event.lift_at)}"
            )
        case _:
            return None


def _clearance_summary(event: Event) -> str | None:
    match event:
        case PublicationCleared():
            return (
                f"Cleared for publication at {show(event.cleared_at)} (asked by"
                f" {event.requested_by}): no embargo can be set from now on"
            )
        case PublicationHeld():
            return (
                f"Publication asked by {event.requested_by} held: under embargo until"
                f" {show(event.lift_at)}"
            )
        case _:
            return None


def _terms(event: EmbargoSet | EmbargoChanged) -> str:
    count = len(event.recipients)
    recipients = f", {count} recipient{'' if count == 1 else 's'}" if count else ", no recipients"
    pre_release = f", copies from {show(event.pre_release_at)}" if event.pre_release_at else ""
    return recipients + pre_release
