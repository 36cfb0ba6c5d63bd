"""PostgreSQL 15 from the machine's binaries, on 127.0.0.1, with the app's role and database."""

from __future__ import annotations

import os
import shlex

from dev_tools.infra import processes
from dev_tools.infra.component import ComponentStatus
from dev_tools.infra.errors import InfraError
from dev_tools.infra.pg_cluster import (
    WIPE_HINT,
    PgPaths,
    as_postgres,
    binary,
    check_data_version,
    initdb,
    prepare_folders,
    require_binaries,
    server_version,
)
from services.kit.settings import Settings

# Runs over the trusted Unix socket; the password travels in the environment, not argv.
_ROLE_AND_DATABASE_SQL = r"""
\getenv app_password PRESSROOM_APP_PG_PASSWORD
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') AS missing_role \gset
\if :missing_role
CREATE ROLE :"app_user" LOGIN SUPERUSER PASSWORD :'app_password';
\else
ALTER ROLE :"app_user" LOGIN SUPERUSER PASSWORD :'app_password';
\endif
SELECT NOT EXISTS (SELECT FROM pg_database WHERE datname = :'app_db') AS missing_db \gset
\if :missing_db
CREATE DATABASE :"app_db" OWNER :"app_user";
\endif
"""


def server_options(settings: Settings, paths: PgPaths) -> str:
    """The postgres command line pg_ctl passes on (through a shell, hence the quoting)."""
    options = [
        f"-c listen_addresses={shlex.quote(settings.pg_host)}",
        f"-p {settings.pg_port}",
        f"-c unix_socket_directories={shlex.quote(str(paths.run))}",
    ]
    if settings.pg_fast_unsafe:  # tests only: a crash may lose or corrupt data
        options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
    return " ".join(options)


def running_pid(settings: Settings) -> int | None:
    """The postmaster's pid; a postmaster.pid left by a dead server is removed."""
    pid_file = PgPaths.of(settings).pid_file
    pid = processes.read_pid(pid_file)
    if pid is None:
        return None
    if processes.is_alive(pid) and processes.cmdline_contains(pid, "postgres"):
        return pid
    pid_file.unlink(missing_ok=True)
    return None


def preflight(settings: Settings) -> None:
    """The checks that can fail before anything starts: binaries and a free port."""
    require_binaries(settings)
    if running_pid(settings) is None:
        _check_port(settings)
        check_data_version(PgPaths.of(settings), _major(settings))


def _check_port(settings: Settings) -> None:
    processes.ensure_port_free(
        settings.pg_host, settings.pg_port, "PostgreSQL", "PRESSROOM_PG_PORT"
    )


def up(settings: Settings) -> None:
    """Starts the server unless it runs, then makes sure the app's role and database exist."""
    require_binaries(settings)
    paths = PgPaths.of(settings)
    if running_pid(settings) is None:
        _start(settings, paths)
    _ensure_role_and_database(settings, paths)


def _start(settings: Settings, paths: PgPaths) -> None:
    _check_port(settings)
    prepare_folders(settings, paths)
    if not check_data_version(paths, _major(settings)):
        initdb(settings, paths)
    cmd = [
        binary(settings, "pg_ctl"), "-D", str(paths.data), "-l", str(paths.log_file),
        "-o", server_options(settings, paths), "-w", "-t", "60", "start",
    ]  # fmt: skip
    try:
        processes.run(as_postgres(cmd), "Starting PostgreSQL", WIPE_HINT, cwd=paths.root)
    except InfraError as exc:
        log = processes.tail(paths.log_file)
        raise InfraError(
            f"{exc.message}\nLast lines of {paths.log_file}:\n{log}", exc.hint
        ) from exc


def _major(settings: Settings) -> str:
    return (server_version(settings) or "?").split(".")[0]


def _ensure_role_and_database(settings: Settings, paths: PgPaths) -> None:
    cmd = [
        binary(settings, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
        "-h", str(paths.run), "-p", str(settings.pg_port), "-U", "postgres", "-d", "postgres",
        "-v", f"app_user={settings.pg_user}", "-v", f"app_db={settings.pg_database}", "-f", "-",
    ]  # fmt: skip
    env = {**os.environ, "PRESSROOM_APP_PG_PASSWORD": settings.pg_password}
    processes.run(
        cmd,
        f"Creating role {settings.pg_user!r} and database {settings.pg_database!r}",
        f"Read {paths.log_file}",
        env=env,
        stdin_text=_ROLE_AND_DATABASE_SQL,
    )


def down(settings: Settings) -> None:
    """Fast shutdown (disconnects clients, no crash recovery needed); immediate as a last resort."""
    if running_pid(settings) is None:
        return
    paths = PgPaths.of(settings)
    stop = [binary(settings, "pg_ctl"), "-D", str(paths.data), "-w", "-t", "30", "stop"]
    try:
        processes.run(as_postgres([*stop, "-m", "fast"]), "Stopping PostgreSQL", "", cwd=paths.root)
    except InfraError:
        processes.run(
            as_postgres([*stop, "-m", "immediate"]),
            "Stopping PostgreSQL",
            f"Stop the process in {paths.pid_file} by hand",
            cwd=paths.root,
        )


def status(settings: Settings) -> ComponentStatus:
    paths = PgPaths.of(settings)
    pid = running_pid(settings)
    return ComponentStatus(
        name="PostgreSQL",
        running=pid is not None and processes.port_open(settings.pg_host, settings.pg_port),
        pid=pid,
        address=f"{settings.pg_host}:{settings.pg_port}/{settings.pg_database}",
        version=_version_label(settings),
        data_dir=paths.data,
        log_file=paths.log_file,
    )


def _version_label(settings: Settings) -> str:
    if not (settings.pg_bin_dir / "postgres").is_file():
        return f"binaries missing in {settings.pg_bin_dir}"
    try:
        return server_version(settings) or "unknown"
    except InfraError:
        return "unknown"


def restart(settings: Settings, mode: str = "fast") -> None:
    """Restarts the running server: `fast` disconnects every client and aborts what is in
    flight, `immediate` is a crash (recovery at start). For the fault tests and operators."""
    paths = PgPaths.of(settings)
    # -l as at start: without it the new server would log into this call's pipe, held open.
    cmd = [binary(settings, "pg_ctl"), "-D", str(paths.data), "-l", str(paths.log_file), "-w",
           "-t", "60", "restart", "-m", mode, "-o", server_options(settings, paths)]  # fmt: skip
    processes.run(as_postgres(cmd), "Restarting PostgreSQL", f"Read {paths.log_file}",
                  cwd=paths.root)  # fmt: skip
