"""The `pressroom` command line."""
