"""The read side: queries over the `projections` tables the projector writes, for the gateway and
the operators' tools. Imports no write path (no projector, no service's domain)."""
