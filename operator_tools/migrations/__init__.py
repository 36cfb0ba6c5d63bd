"""SQL of the `ops` schema: shadow rebuilds and re-driven dead letters."""
