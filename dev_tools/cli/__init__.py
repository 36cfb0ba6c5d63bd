"""The developers' commands of `pressroom`: infra, up/stop/ps, demo, bench, schemas."""
