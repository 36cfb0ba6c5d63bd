"""What `status()` reports for each piece of the local stack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ComponentStatus:
    """One row of `pressroom infra status`."""

    name: str
    running: bool
    pid: int | None
    address: str
    version: str
    data_dir: Path
    log_file: Path
