"""The operators' commands of `pressroom`: thin shells over operator_tools."""
