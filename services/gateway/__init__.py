"""The HTTP gateway: commands go over Kafka and wait for their outcome; reads use projections."""
