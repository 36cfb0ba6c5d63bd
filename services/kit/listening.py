"""The ports a process listens on, bound before it starts serving: a port that is taken or not
allowed stops the process at once with the setting that named it, not with a traceback after it
has connected to Kafka and PostgreSQL (a container's log is all an operator has)."""

from __future__ import annotations

import os
import socket


class CannotListen(Exception):
    """The address cannot be bound; the message names the setting to change."""


def listening_socket(host: str, port: int, setting: str) -> socket.socket:
    """A TCP socket listening on host:port (port 0: any free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as error:
        raise CannotListen(cannot_listen(host, port, setting, error)) from None


def cannot_listen(host: str, port: int, setting: str, error: OSError) -> str:
    # asyncio's own bind error (aiosmtpd's) repeats the address in its strerror: the errno's text.
    why = os.strerror(error.errno) if error.errno else error.strerror or str(error)
    return (
        f"cannot listen on {host}:{port} ({setting}): {why}; stop what holds the port, or "
        f"choose another with {setting}"
    )
