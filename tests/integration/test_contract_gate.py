"""The compatibility gate as `make check` runs it, on the repository and on a copy of schemas/
with a deliberate change to a published event. Needs no Kafka: files and make only."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from services.kit.settings import REPO_ROOT
from tests.support import make_target

DRAFT_CREATED = "drafting/DraftCreated.v1"


def make_compat(schemas: Path | None = None) -> subprocess.CompletedProcess[str]:
    return make_target("compat", schemas, timeout=300)


def copy_of_schemas(tmp_path: Path) -> Path:
    copy = tmp_path / "schemas"
    shutil.copytree(REPO_ROOT / "schemas", copy)
    return copy


def test_make_check_runs_the_gate() -> None:
    dry_run = subprocess.run(
        ["make", "-n", "check"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert "compat" in dry_run.stdout


def test_the_current_schemas_keep_every_published_version() -> None:
    result = make_compat()
    assert result.returncode == 0, result.stderr
    assert "published versions" in result.stdout


def test_a_breaking_change_to_a_published_event_fails_naming_version_and_field(
    tmp_path: Path,
) -> None:
    copy = copy_of_schemas(tmp_path)
    schema_path = copy / f"{DRAFT_CREATED}.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    # Rename created_by to author, and lower the title limit inside the shared content model.
    schema["properties"]["author"] = schema["properties"].pop("created_by")
    schema["required"] = ["author" if f == "created_by" else f for f in schema["required"]]
    schema["$defs"]["ReleaseContent"]["properties"]["title"]["maxLength"] = 200
    schema_path.write_text(json.dumps(schema), encoding="utf-8")

    result = make_compat(copy)

    assert result.returncode != 0
    assert f"{DRAFT_CREATED}: $.created_by: field-removed" in result.stderr
    assert f"{DRAFT_CREATED}: $.author: required-field-added" in result.stderr
    assert (
        f"{DRAFT_CREATED}: $.content.title: maxLength-changed: maxLength 300 -> 200 (breaks FULL)"
        in result.stderr
    )


def test_an_optional_field_added_to_a_published_event_passes(tmp_path: Path) -> None:
    copy = copy_of_schemas(tmp_path)
    schema_path = copy / f"{DRAFT_CREATED}.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["properties"]["embargo_hint"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    schema_path.write_text(json.dumps(schema), encoding="utf-8")

    result = make_compat(copy)

    assert result.returncode == 0, result.stderr
