"""In-memory stand-ins for the gateway's ports (tests only; never shipped in the wheel)."""
