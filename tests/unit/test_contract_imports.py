"""The contract package stands alone: no imports outside events/ but the libraries its wheel
declares, and no circle among its own modules (function-level imports count too)."""

from __future__ import annotations

import ast
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import events

EVENTS_DIR = Path(events.__file__).parent
# What the consumer kit's wheel depends on (contract/python/pyproject.toml), and the stdlib.
# cryptography: a bot signs its commands with the kit (events/signing.py, Ed25519).
ALLOWED_THIRD_PARTY = {
    "pydantic",
    "pydantic_core",
    "yaml",
    "email_validator",
    "cryptography",
    "orjson",
}
PROJECT_PACKAGES = {"services", "operator_tools", "dev_tools", "cli", "tests", "examples"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(EVENTS_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in sorted(EVENTS_DIR.rglob("*.py"))}


def test_events_imports_nothing_from_the_rest_of_the_project() -> None:
    leaks = {
        module: sorted(n for n in names if n.split(".")[0] in PROJECT_PACKAGES)
        for module, names in _graph().items()
    }
    assert {m: n for m, n in leaks.items() if n} == {}


def test_events_needs_no_third_party_library_its_wheel_does_not_declare() -> None:
    roots = {n.split(".")[0] for names in _graph().values() for n in names}
    foreign = roots - {"events", "__future__"} - set(sys.stdlib_module_names)
    assert foreign <= ALLOWED_THIRD_PARTY, foreign - ALLOWED_THIRD_PARTY


def test_no_module_of_the_contract_imports_in_a_circle() -> None:
    graph = _graph()
    internal = {m: {n for n in names if n in graph and n != m} for m, names in graph.items()}
    try:
        tuple(TopologicalSorter(internal).static_order())
    except CycleError as error:
        raise AssertionError(f"import circle: {' -> '.join(error.args[1])}") from None
