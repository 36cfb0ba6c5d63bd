"""A PostgreSQL data folder owned by the `postgres` OS user: binaries, folders, initdb."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from dev_tools.infra.errors import InfraError
from dev_tools.infra.processes import run
from services.kit.settings import REPO_ROOT, Settings

OS_USER = "postgres"
WIPE_HINT = "Delete the local data and start afresh: pressroom infra down --wipe"
BINARIES = ("postgres", "initdb", "pg_ctl", "psql")


@dataclass(frozen=True)
class PgPaths:
    root: Path
    data: Path
    logs: Path
    run: Path
    log_file: Path
    pid_file: Path

    @classmethod
    def of(cls, settings: Settings) -> PgPaths:
        root = settings.data_dir / "postgres"
        data = root / "data"
        return cls(root, data, root / "logs", root / "run", root / "logs" / "postgres.log",
                   data / "postmaster.pid")  # fmt: skip


def binary(settings: Settings, name: str) -> str:
    return str(settings.pg_bin_dir / name)


def require_binaries(settings: Settings) -> None:
    missing = [name for name in BINARIES if not (settings.pg_bin_dir / name).is_file()]
    if missing:
        raise InfraError(
            f"PostgreSQL binaries missing in {settings.pg_bin_dir}: {', '.join(missing)}.",
            "apt-get install -y postgresql-15, or set PRESSROOM_PG_BIN_DIR to its bin folder",
        )


def parse_pg_version(output: str) -> str | None:
    """The version from `postgres --version`: "postgres (PostgreSQL) 15.14 (Debian …)" is 15.14."""
    match = re.search(r"\(PostgreSQL\) (\d+(?:\.\d+)?)", output)
    return match.group(1) if match else None


def server_version(settings: Settings) -> str | None:
    if not (settings.pg_bin_dir / "postgres").is_file():
        return None
    return parse_pg_version(
        run([binary(settings, "postgres"), "--version"], "postgres --version", "")
    )


def as_postgres(cmd: list[str]) -> list[str]:
    """initdb and pg_ctl refuse root, so as root they run as the postgres OS user."""
    return ["runuser", "-u", OS_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def prepare_folders(settings: Settings, paths: PgPaths) -> None:
    """Creates the folders; as root, hands them to postgres and checks it can reach them."""
    for folder in (paths.root, paths.logs, paths.run):
        folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return
    owner = pwd.getpwnam(OS_USER)
    for folder in (paths.root, paths.logs, paths.run):
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    paths.run.chmod(0o700)  # local connections are trusted: only postgres (and root) get in
    ours = REPO_ROOT / ".pressroom"
    ensure_traversable(paths.root, owner.pw_uid, set(os.getgrouplist(OS_USER, owner.pw_gid)),
                       ours if ours in paths.root.parents else settings.data_dir)  # fmt: skip


def can_traverse(folder: Path, uid: int, gids: set[int]) -> bool:
    info = folder.stat()
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid in gids:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def ensure_traversable(target: Path, uid: int, gids: set[int], ours: Path) -> None:
    """Opens (o+x) folders inside `ours` only; names any other folder postgres cannot pass."""
    for folder in reversed(target.parents):
        if can_traverse(folder, uid, gids):
            continue
        if folder == ours or ours in folder.parents:
            folder.chmod(folder.stat().st_mode | stat.S_IXOTH)
            continue
        raise InfraError(
            f"The postgres OS user cannot reach {target}: {folder} is not searchable by others.",
            f"chmod o+x {folder}, or set PRESSROOM_DATA_DIR to a folder postgres can reach",
        )


def check_data_version(paths: PgPaths, major: str) -> bool:
    """True when initialised for this major version; raises on a foreign or half-made folder."""
    version_file = paths.data / "PG_VERSION"
    if version_file.is_file():
        found = version_file.read_text().strip()
        if found != major:
            raise InfraError(
                f"{paths.data} holds PostgreSQL {found} data; the binaries are PostgreSQL {major}.",
                WIPE_HINT,
            )
        return True
    if paths.data.is_dir() and any(paths.data.iterdir()):
        raise InfraError(f"{paths.data} is not an initialised PostgreSQL data folder.", WIPE_HINT)
    return False


def initdb(settings: Settings, paths: PgPaths) -> None:
    """Local (socket) connections trusted, TCP needs a SCRAM password (the app role's)."""
    cmd = [
        binary(settings, "initdb"), "-D", str(paths.data), "-U", "postgres",
        "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C",
    ]  # fmt: skip
    if settings.pg_fast_unsafe:
        cmd.append("--no-sync")
    try:
        run(as_postgres(cmd), "initdb", "Read the output above", cwd=paths.root)
    except InfraError:
        shutil.rmtree(paths.data, ignore_errors=True)
        raise
