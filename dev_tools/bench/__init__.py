"""`pressroom bench`: this machine's raw Kafka and PostgreSQL limits, then drafting against them."""
