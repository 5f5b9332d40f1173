"""JSON Schemas of the public formats, generated from the models.

``python -m evidencekit.schemas`` writes them to ``schemas/``; a test fails when the
checked-in files drift from the models. Later stages add their models to
:data:`PUBLIC_MODELS` by name.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

#: schema file stem -> "module:Model", or "module:function" returning a finished schema
PUBLIC_MODELS: dict[str, str] = {
    "event": "evidencekit.model:Event",
    "source": "evidencekit.model:Source",
    "parse-issue": "evidencekit.model:ParseIssue",
    "timeline-head": "evidencekit.timeline.seal:TimelineHead",
    "inclusion-proof": "evidencekit.timeline.seal:InclusionProof",
    "custody-entry": "evidencekit.case.custody:CustodyEntry",
    "case": "evidencekit.case.workspace:CaseMeta",
    "store-batch": "evidencekit.case.store:BatchRecord",
    "case-definition": "evidencekit.case.definition:CaseDefinition",
    "analysis": "evidencekit.analysis.model:json_schema",
    "manifest": "evidencekit.package.manifest:PackageManifest",
}


def build_schema(stem: str, ref: str) -> dict[str, Any]:
    """The schema for ``ref``: a pydantic model, or a function returning a finished schema."""
    module, name = ref.split(":")
    target = getattr(importlib.import_module(module), name)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://evidencekit.invalid/schemas/{stem}.schema.json",
            **target.model_json_schema(mode="serialization"),
        }
    if callable(target):
        schema: dict[str, Any] = target()
        return schema
    raise TypeError(f"{ref} is neither a pydantic model nor a schema function")


def schema_text(stem: str, ref: str) -> str:
    text = json.dumps(build_schema(stem, ref), indent=2, ensure_ascii=False, sort_keys=True)
    return text + "\n"


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, ref in PUBLIC_MODELS.items():
        path = folder / f"{stem}.schema.json"
        path.write_text(schema_text(stem, ref), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("schemas")
    for p in write_all(target):
        sys.stdout.write(f"{p}\n")
