"""What may import what (docs/architecture.md, "House rules"): checked on the import graph that
Python really builds, and on the import statements of every file."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("drafting", "approval", "embargo", "publication")
TOOLING = ("operator_tools", "dev_tools", "cli")


def loaded_by(module: str) -> set[str]:
    """The modules a fresh interpreter holds after importing `module`: nothing else loaded yet."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout))


def forbidden_for_the_gateway(name: str) -> bool:
    """A service's domain, the projector (its write path), or any tooling."""
    top = name.split(".")[0]
    return (
        top in TOOLING
        or any(name == f"services.{d}" or name.startswith(f"services.{d}.") for d in DOMAINS)
        or name == "services.projector"
        or name.startswith("services.projector.")
    )


def test_the_gateway_loads_no_domain_no_projector_and_no_tooling() -> None:
    loaded = loaded_by("services.gateway.app")
    assert "services.gateway.app" in loaded
    assert sorted(filter(forbidden_for_the_gateway, loaded)) == []


def test_the_read_models_load_no_write_path() -> None:
    loaded = loaded_by("services.read_models")
    assert sorted(filter(forbidden_for_the_gateway, loaded)) == []


def python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def imported_names(path: Path) -> Iterator[str]:
    """Every module an `import` or `from … import` of the file names (relative ones resolved)."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            yield ".".join([*base, *([node.module] if node.module else [])])


def offenders(folders: tuple[str, ...], banned: tuple[str, ...]) -> list[str]:
    """`file imports module` for each import of a module in (or under) one of `banned`."""
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in python_files(*folders)
        for name in imported_names(path)
        if any(name == b or name.startswith(f"{b}.") for b in banned)
    ]


SERVICE_DOMAINS = tuple(f"services.{d}" for d in DOMAINS)


def test_production_code_imports_no_operator_or_developer_tooling() -> None:
    assert offenders(("services",), TOOLING) == []


def test_the_contract_imports_nothing_from_services_or_tooling() -> None:
    assert offenders(("events",), ("services", *TOOLING)) == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_no_service_imports_another_services_code(domain: str) -> None:
    others = tuple(d for d in SERVICE_DOMAINS if d != f"services.{domain}")
    assert offenders((f"services/{domain}",), others) == []


@pytest.mark.parametrize("shared", ["kit", "projector", "gateway", "read_models"])
def test_no_shared_part_imports_a_services_domain(shared: str) -> None:
    assert offenders((f"services/{shared}",), SERVICE_DOMAINS) == []


def test_the_read_models_import_no_write_path_and_not_the_gateway() -> None:
    banned = ("services.projector", "services.gateway", *SERVICE_DOMAINS)
    assert offenders(("services/read_models",), banned) == []
