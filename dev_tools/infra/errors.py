"""The one error the local infrastructure raises: what went wrong and what to do next."""

from __future__ import annotations


class InfraError(Exception):
    """A failure the user can act on; the CLI prints `message` and `hint`, never a traceback."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\nNext: {self.hint}"
