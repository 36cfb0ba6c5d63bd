"""What the audit timeline shows over HTTP: embargo recipients are counted, never named (the same
promise the release view makes). Operators see who with `pressroom history`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

A_RECIPIENT = "a recipient"


def redacted_history_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row without recipients' ids: `recipients` becomes `recipient_count`, and an issued
    copy's `recipient` leaves its data and its summary."""
    data = row.get("data")
    if not isinstance(data, Mapping):
        return dict(row)
    shown = dict(data)
    summary = row.get("summary")
    if "recipients" in shown:
        shown["recipient_count"] = len(shown.pop("recipients") or ())
    recipient = shown.pop("recipient", None)
    if isinstance(recipient, str) and isinstance(summary, str):
        summary = summary.replace(recipient, A_RECIPIENT)
    return {**row, "data": shown, "summary": summary}
