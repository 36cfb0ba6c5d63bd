"""The contract of Pressroom: every command and event, the envelope, the topics, the upcasters.

Imports nothing from services/. Downstream consumers may depend on this package alone.
"""
