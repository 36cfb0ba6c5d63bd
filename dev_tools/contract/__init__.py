"""The contract's release tooling: the compatibility gate against the published baseline, and the
recorded examples of every event version."""
