"""The local stack's SMTP server: email deliveries land as files, for `pressroom up` only."""
