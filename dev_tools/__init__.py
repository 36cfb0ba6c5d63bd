"""Developer tooling: the local Kafka and PostgreSQL, the local stack, benchmarks, the demo
and the mail sink. Not deployed."""
