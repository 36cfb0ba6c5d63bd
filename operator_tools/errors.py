"""The one error the operators' tools raise for bad input or a refused operation."""

from __future__ import annotations


class OpsError(Exception):
    """Bad input (unknown release, naive time, unknown projection) or a refusal: the CLI prints
    the message and exits 2, never a traceback."""
