"""Process and port plumbing shared by the Kafka and PostgreSQL launchers (Linux only)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from dev_tools.infra.errors import InfraError

# Children this process launched: polled (and so reaped) instead of being left as zombies
# that still answer os.kill(pid, 0) when the same process later stops them (the test suite).
_children: dict[int, subprocess.Popen[bytes]] = {}


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock across processes (two `up`s at once, parallel test sessions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def spawn(
    cmd: Sequence[str], out_file: Path, cwd: Path, extra_env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Starts a detached process (own session: Ctrl-C in the terminal does not reach it), with
    this process's environment and `extra_env` on top."""
    env = {**os.environ, **extra_env} if extra_env else None
    with out_file.open("ab") as out:
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    _children[proc.pid] = proc
    return proc


def run(
    cmd: Sequence[str],
    what: str,
    hint: str,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin_text: str | None = None,
    timeout: float = 300.0,
) -> str:
    """Runs a command to completion; any failure becomes an InfraError with its output."""
    try:
        done = subprocess.run(
            list(cmd), cwd=cwd, env=env, input=stdin_text if stdin_text is not None else "",
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfraError(f"{what} failed: {cmd[0]}: {exc}", hint) from exc
    output = f"{done.stdout}{done.stderr}".strip()
    if done.returncode != 0:
        raise InfraError(f"{what} failed (exit {done.returncode}):\n{last_lines(output)}", hint)
    return output


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def is_alive(pid: int) -> bool:
    """True while the process runs; a zombie counts as dead."""
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def cmdline_contains(pid: int, needle: str) -> bool:
    """Guards against a recycled pid: the process must still be what we started."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return needle.encode() in cmdline


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_port_free(host: str, port: int, what: str, env_var: str) -> None:
    """Refuses to start when another program holds the port we would listen on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise InfraError(
                    f"Cannot bind {host}:{port} ({what}): {exc.strerror}",
                    f"Choose another address or port: export {env_var}=<free port>",
                ) from exc
            raise InfraError(
                f"Port {port} on {host} ({what}) is already in use by another program.",
                f"Stop that program (see `ss -ltnp 'sport = :{port}'`) or choose another port: "
                f"export {env_var}=<free port>",
            ) from exc


def wait_for_port(host: str, port: int, alive: Callable[[], bool], timeout: float) -> bool:
    """Polls until the port accepts connections; False when the process died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return True
        if not alive():
            return False
        time.sleep(0.2)
    raise TimeoutError(f"{host}:{port} did not open within {timeout:.0f} s")


def terminate(pid: int, grace: float = 30.0) -> None:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL."""
    _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if is_alive(pid):
        _signal(pid, signal.SIGKILL)
        while is_alive(pid):
            time.sleep(0.1)
    _children.pop(pid, None)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def last_lines(text: str, count: int = 30) -> str:
    return "\n".join(text.splitlines()[-count:])


def tail(path: Path, count: int = 30) -> str:
    try:
        return last_lines(path.read_text(errors="replace"), count)
    except OSError:
        return f"(no log at {path})"
