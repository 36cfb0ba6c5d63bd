"""Operators' tools: history and state from the log, replays, shadow rebuilds, DLQ re-drive, lag,
export and import. The CLI (operator_tools/cli/) is a thin shell over these modules."""
