"""The Kafka broker's runtime: a Java 17+ and the jars Maven resolves once into the cache."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from dev_tools.infra.errors import InfraError
from dev_tools.infra.processes import run
from services.kit.settings import REPO_ROOT, Settings

POM = REPO_ROOT / "deploy" / "local" / "pom.xml"
MIN_JAVA = 17
RESOLVED_MARKER = ".resolved"
_JAVA_HINT = "apt-get install -y openjdk-17-jre-headless (or put a Java 17+ `java` first on PATH)"
_MAVEN_PATTERNS = (
    r"Could not find artifact (\S+)",
    r"Could not transfer artifact (\S+)",
    r"artifacts could not be resolved: (\S+?)[,:]?\s",
    r"Failed to collect dependencies at (\S+)",
    r"Could not resolve dependencies for project [^:]+:[^:]+:[^:]+:[^:]+: (\S+)",
)


def parse_java_version(output: str) -> int | None:
    """Major version from `java -version` output: "1.8.0_292" is 8, "17.0.15" is 17."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', output)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def check_java_version(output: str) -> int:
    """Refuses a Java older than 17 (Kafka 4 brokers need 17)."""
    major = parse_java_version(output)
    if major is None:
        raise InfraError(f"Cannot tell the Java version from:\n{output.strip()}", _JAVA_HINT)
    if major < MIN_JAVA:
        raise InfraError(f"Kafka 4 needs Java {MIN_JAVA}+, but `java` is Java {major}.", _JAVA_HINT)
    return major


def require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise InfraError("No `java` on PATH; the Kafka broker needs Java 17+.", _JAVA_HINT)
    done = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    check_java_version(done.stderr + done.stdout)
    return java


def parse_maven_failure(output: str) -> str | None:
    """The artifact Maven could not resolve, taken from its [ERROR] lines."""
    for pattern in _MAVEN_PATTERNS:
        match = re.search(pattern, output)
        if match is not None:
            return match.group(1).rstrip(",:")
    return None


def first_maven_error(output: str) -> str:
    """The first [ERROR] line, without colour codes or Maven's generic advice."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    errors = [line for line in plain.splitlines() if line.startswith("[ERROR] ") and ":" in line]
    return errors[0] if errors else plain.strip()


def lib_dir(settings: Settings) -> Path:
    return settings.cache_dir / f"kafka-{settings.kafka_version}" / "lib"


def ensure_jars(settings: Settings) -> Path:
    """Resolves the broker classpath with Maven unless the cache already holds it (no network)."""
    lib = lib_dir(settings)
    if (lib / RESOLVED_MARKER).is_file():
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise InfraError(
            "No `mvn` on PATH; it fetches the Kafka jars once.", "apt-get install -y maven"
        )
    lib.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="lib-", dir=lib.parent))
    try:
        _copy_dependencies(mvn, settings.kafka_version, staging)
        (staging / RESOLVED_MARKER).write_text(f"kafka {settings.kafka_version}\n")
        shutil.rmtree(lib, ignore_errors=True)
        staging.chmod(0o755)  # mkdtemp made it private
        staging.rename(lib)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return lib


def _copy_dependencies(mvn: str, version: str, out: Path) -> None:
    cmd = [
        mvn, "-B", "-q", "-U", "-Dstyle.color=never", "-f", str(POM),
        "dependency:copy-dependencies", "-DincludeScope=runtime",
        f"-DoutputDirectory={out}", f"-Dkafka.version={version}",
    ]  # fmt: skip
    try:
        run(cmd, "Resolving the Kafka jars with Maven", "", timeout=600)
    except InfraError as exc:
        artifact = parse_maven_failure(exc.message) or f"org.apache.kafka:kafka_2.13:{version}"
        raise InfraError(
            f"Maven could not resolve {artifact}.\n{first_maven_error(exc.message)}",
            "Check the network to Maven Central (repo.maven.apache.org) and "
            f"PRESSROOM_KAFKA_VERSION={version}, then run `pressroom infra up` again.",
        ) from exc


def kafka_version_of(lib: Path) -> str | None:
    """The broker version, read from the kafka_2.13-<version>.jar file name."""
    for jar in sorted(lib.glob("kafka_2.13-*.jar")):
        match = re.fullmatch(r"kafka_2\.13-(\d[\w.]*?)\.jar", jar.name)
        if match is not None:
            return match.group(1)
    return None
