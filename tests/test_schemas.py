"""The checked-in JSON Schemas match the models, and real data validates against them."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencekit.schemas import PUBLIC_MODELS, schema_text
from tests.conftest import REPO


@pytest.mark.parametrize("stem", sorted(PUBLIC_MODELS))
def test_schema_file_matches_model(stem: str) -> None:
    path = REPO / "schemas" / f"{stem}.schema.json"
    assert path.is_file(), f"{path} missing: run python -m evidencekit.schemas"
    assert path.read_text(encoding="utf-8") == schema_text(stem, PUBLIC_MODELS[stem]), (
        f"{path.name} drifted from {PUBLIC_MODELS[stem]}: run python -m evidencekit.schemas"
    )


def test_every_schema_file_belongs_to_a_model() -> None:
    stems = {p.name.removesuffix(".schema.json") for p in (REPO / "schemas").glob("*.json")}
    unknown = stems - set(PUBLIC_MODELS)
    # Schemas written by other stages register themselves in PUBLIC_MODELS too.
    assert not unknown, f"schema files without a model: {sorted(unknown)}"


def test_event_schema_describes_the_closed_action_vocabulary(tmp_path: Path) -> None:
    import json

    schema = json.loads((REPO / "schemas" / "event.schema.json").read_text())
    actions = schema["$defs"]["Action"]["enum"]
    for needed in [
        "read",
        "open",
        "create",
        "modify",
        "metadata_change",
        "copy",
        "move",
        "rename",
        "delete",
        "wipe",
        "upload",
        "download",
        "send",
        "print",
        "device_connect",
        "device_disconnect",
        "logon",
        "logoff",
        "access_denied",
        "execute",
        "access",
    ]:
        assert needed in actions
