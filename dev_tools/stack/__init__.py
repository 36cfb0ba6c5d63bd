"""Pressroom's own processes (services, projector, gateway) on one machine: start, stop, status."""
