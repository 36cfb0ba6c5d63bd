"""One Kafka 4 node in KRaft combined mode (broker + controller), run from the cached jars."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dev_tools.infra import processes
from dev_tools.infra.component import ComponentStatus
from dev_tools.infra.errors import InfraError
from dev_tools.infra.kafka_config import (
    NODE_ID,
    new_cluster_id,
    scram_format_args,
    server_properties,
)
from dev_tools.infra.kafka_dist import ensure_jars, kafka_version_of, lib_dir, require_java
from dev_tools.infra.kafka_tls import BrokerTls, ensure_broker_tls
from services.kit.settings import REPO_ROOT, Settings

LOG4J_CONFIG = REPO_ROOT / "deploy" / "local" / "log4j2.properties"
# One broker for a laptop or a CI machine, sized to what it holds (docs/benchmarks.md, "The
# broker's memory"): its live heap after a whole `pressroom bench` is about 50 MB, so the heap
# starts small and grows on demand; a fixed 16 MB young generation is collected often and
# cheaply instead of touching 80 MB of eden between collections (RSS 333 -> 273-282 MB, the
# broker's CPU per command no higher). The JDK caches a direct buffer per thread as large as
# the largest socket write it made; 256 KB caps that cache, not the writes. glibc hands freed
# native memory back every 5 s (RSS 272-284 -> 249-253 MB, no figure worse). C2 stays: C1 alone
# would save another 25 MB and half the broker's CPU per command, but lifted the storm's
# embargoes 230-335 ms later under load (docs/benchmarks.md, "The broker's compiler"). The
# trim came with Java 17.0.9; an older 17 skips it rather than refusing to start.
JVM_FLAGS = (
    "-XX:+IgnoreUnrecognizedVMOptions",
    "-Xms32m",
    "-Xmx512m",
    "-Xmn16m",
    "-XX:+UseSerialGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=262144",
    "-XX:TrimNativeHeapInterval=5000",
)
# glibc gives each busy thread an arena of its own; a hundred broker threads then hold freed
# native memory in dozens of them. Two arenas is the usual setting for a JVM.
JVM_ENVIRONMENT = {"MALLOC_ARENA_MAX": "2"}
READY_TIMEOUT_S = 180.0  # generous: a loaded CI machine and a TLS listener start slowly
_WIPE_HINT = "Delete the local data and start afresh: pressroom infra down --wipe"


@dataclass(frozen=True)
class KafkaPaths:
    root: Path
    data: Path
    logs: Path
    properties: Path
    pid_file: Path
    cluster_id_file: Path
    log_file: Path
    out_file: Path

    @classmethod
    def of(cls, settings: Settings) -> KafkaPaths:
        root = settings.data_dir / "kafka"
        logs = root / "logs"
        return cls(
            root, root / "data", logs, root / "server.properties", root / "kafka.pid",
            root / "cluster.id", logs / "server.log", logs / "kafka.out",
        )  # fmt: skip


def read_meta(meta_file: Path) -> dict[str, str]:
    lines = meta_file.read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def check_meta(paths: KafkaPaths) -> bool:
    """True when the storage is formatted for our cluster; raises on a foreign one."""
    meta_file = paths.data / "meta.properties"
    if not meta_file.is_file():
        return False
    meta = read_meta(meta_file)
    found = meta.get("cluster.id", "")
    if meta.get("node.id") != NODE_ID:
        raise InfraError(f"Kafka data in {paths.data} is not from node {NODE_ID}.", _WIPE_HINT)
    if not paths.cluster_id_file.is_file():
        paths.cluster_id_file.write_text(found + "\n")
    expected = paths.cluster_id_file.read_text().strip()
    if found != expected:
        raise InfraError(
            f"Kafka data in {paths.data} belongs to cluster {found!r}, not {expected!r}.",
            _WIPE_HINT,
        )
    return True


def _java_cmd(java: str, lib: Path, paths: KafkaPaths, main: str) -> list[str]:
    props = [f"-Dlog4j2.configurationFile={LOG4J_CONFIG}", f"-Dkafka.logs.dir={paths.logs}"]
    return [java, *JVM_FLAGS, *props, "-cp", f"{lib}/*", main]


def _format(java: str, lib: Path, paths: KafkaPaths, settings: Settings) -> None:
    if check_meta(paths):
        return
    if not paths.cluster_id_file.is_file():
        paths.cluster_id_file.write_text(new_cluster_id() + "\n")
    cluster_id = paths.cluster_id_file.read_text().strip()
    cmd = _java_cmd(java, lib, paths, "kafka.tools.StorageTool")
    args = ["format", "-t", cluster_id, "-c", str(paths.properties), *scram_format_args(settings)]
    hint = f"Check {paths.properties} and the PRESSROOM_KAFKA_* settings"
    processes.run([*cmd, *args], "Formatting the Kafka storage", hint, cwd=paths.root)


def _tls(settings: Settings, paths: KafkaPaths) -> BrokerTls | None:
    """PLAINTEXT (the local stack), SASL_SSL or SSL with client certificates (test stack
    variants): nothing else here."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    if protocol not in ("SASL_SSL", "SSL"):
        raise InfraError(
            f"The local broker runs PLAINTEXT, SASL_SSL or SSL, not {protocol}.",
            "Set PRESSROOM_KAFKA_SECURITY_PROTOCOL=PLAINTEXT, SASL_SSL or SSL",
        )
    return ensure_broker_tls(tls_dir(settings), settings.kafka_host)


def tls_dir(settings: Settings) -> Path:
    """The local CA, the broker's certificate and any client certificates issued for it."""
    return KafkaPaths.of(settings).root / "tls"


def running_pid(settings: Settings) -> int | None:
    """The broker's pid from the pid file, if that process is alive and still Kafka."""
    pid_file = KafkaPaths.of(settings).pid_file
    pid = processes.read_pid(pid_file)
    if (
        pid is not None
        and processes.is_alive(pid)
        and processes.cmdline_contains(pid, "kafka.Kafka")
    ):
        return pid
    pid_file.unlink(missing_ok=True)
    return None


def _check_ports(settings: Settings) -> None:
    host = settings.kafka_host
    processes.ensure_port_free(host, settings.kafka_port, "Kafka", "PRESSROOM_KAFKA_PORT")
    processes.ensure_port_free(
        host, settings.kafka_controller_port, "Kafka controller", "PRESSROOM_KAFKA_CONTROLLER_PORT"
    )


def _await_ready(settings: Settings, pid: int, timeout_s: float = READY_TIMEOUT_S) -> None:
    paths = KafkaPaths.of(settings)
    try:
        ok = processes.wait_for_port(
            settings.kafka_host,
            settings.kafka_port,
            lambda: processes.is_alive(pid),
            timeout_s,
        )
    except TimeoutError:
        processes.terminate(pid)
        ok = False
    if not ok:
        paths.pid_file.unlink(missing_ok=True)
        log = processes.tail(paths.log_file) + "\n" + processes.tail(paths.out_file, 10)
        raise InfraError(
            f"Kafka did not come up on {settings.kafka_bootstrap}. Last log lines:\n{log}",
            f"Read {paths.log_file}; if the data is stale: {_WIPE_HINT.lower()}",
        )


def preflight(settings: Settings) -> None:
    """What can fail before anything starts: Java, free ports, fetching the jars."""
    if running_pid(settings) is None:
        require_java()
        _check_ports(settings)
        check_meta(KafkaPaths.of(settings))
        ensure_jars(settings)


def up(
    settings: Settings,
    extra_properties: dict[str, str] | None = None,
    ready_timeout_s: float = READY_TIMEOUT_S,
) -> None:
    """Starts the broker unless it already runs; returns once it accepts connections.
    `extra_properties` go into server.properties (a test stack variant's authorizer); a broker
    restarted on a loaded machine, as the chaos suite does, may need longer than the default."""
    pid = running_pid(settings)
    if pid is None:
        pid = _start(settings, extra_properties)
    _await_ready(settings, pid, ready_timeout_s)


def _start(settings: Settings, extra: dict[str, str] | None = None) -> int:
    java = require_java()
    _check_ports(settings)
    lib = ensure_jars(settings)
    paths = KafkaPaths.of(settings)
    for folder in (paths.data, paths.logs):
        folder.mkdir(parents=True, exist_ok=True)
    properties = server_properties(settings, paths.data, _tls(settings, paths), extra)
    paths.properties.write_text(properties)
    paths.properties.chmod(0o600)  # a SASL_SSL broker's holds its SCRAM password
    _format(java, lib, paths, settings)
    cmd = [*_java_cmd(java, lib, paths, "kafka.Kafka"), str(paths.properties)]
    proc = processes.spawn(cmd, paths.out_file, paths.root, JVM_ENVIRONMENT)
    paths.pid_file.write_text(f"{proc.pid}\n")
    return proc.pid


def down(settings: Settings) -> None:
    pid = running_pid(settings)
    if pid is not None:
        processes.terminate(pid, grace=30.0)
    KafkaPaths.of(settings).pid_file.unlink(missing_ok=True)


def status(settings: Settings) -> ComponentStatus:
    paths = KafkaPaths.of(settings)
    pid = running_pid(settings)
    version = kafka_version_of(lib_dir(settings))
    return ComponentStatus(
        name="Kafka",
        running=pid is not None and processes.port_open(settings.kafka_host, settings.kafka_port),
        pid=pid,
        address=settings.kafka_bootstrap,
        version=version or f"{settings.kafka_version} (jars not fetched yet)",
        data_dir=paths.data,
        log_file=paths.log_file,
    )
