"""SQL migrations of the `projections` schema, applied in file-name order."""
