"""The TypeScript types generated from schemas/ (`make contract-ts`): they compile with tsc and
every example in schemas/asyncapi.yaml validates with ajv; on a copy with a broken example, the
same target fails and names the message."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from events.catalog import REGISTRY
from services.kit.settings import REPO_ROOT
from tests.support import make_target

EXAMPLE_TITLE = "title: Foreign Secretary visits Japan to strengthen security cooperation"


def make_contract_ts(schemas: Path | None = None) -> subprocess.CompletedProcess[str]:
    return make_target("contract-ts", schemas, timeout=900)


def test_the_typescript_types_compile_and_every_example_validates() -> None:
    result = make_contract_ts()
    assert result.returncode == 0, result.stdout + result.stderr
    every = len(list(REGISTRY.all_models()))
    assert f"{every} examples in schemas/asyncapi.yaml validate" in result.stdout


def copy_with_example_title(tmp_path: Path, title: str) -> Path:
    """schemas/ copied, the first example's release title replaced."""
    copy = tmp_path / "schemas"
    shutil.copytree(REPO_ROOT / "schemas", copy)
    asyncapi = copy / "asyncapi.yaml"
    text = asyncapi.read_text(encoding="utf-8")
    assert EXAMPLE_TITLE in text
    asyncapi.write_text(text.replace(EXAMPLE_TITLE, f"title: {title}", 1), encoding="utf-8")
    return copy


def test_an_example_of_the_wrong_type_fails_to_compile(tmp_path: Path) -> None:
    result = make_contract_ts(copy_with_example_title(tmp_path, "42"))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "examples.ts" in output and "Type 'number' is not assignable to type 'string'" in output


def test_an_example_over_a_schema_limit_fails_validation(tmp_path: Path) -> None:
    # A string of 301 characters is a string to TypeScript; the schema's maxLength is 300.
    result = make_contract_ts(copy_with_example_title(tmp_path, "x" * 301))
    assert result.returncode != 0
    assert "/content/title must NOT have more than 300 characters" in result.stderr
