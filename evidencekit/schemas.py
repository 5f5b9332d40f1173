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
    "analysis": "evidencekit.analysis.model:json_schema",
}


def load_model(ref: str) -> type[BaseModel]:
    module, name = ref.split(":")
    model = getattr(importlib.import_module(module), name)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{ref} is not a pydantic model")
    return model


def schema_text(stem: str, ref: str) -> str:
    schema: dict[str, Any] = load_model(ref).model_json_schema(mode="serialization")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://evidencekit.invalid/schemas/{stem}.schema.json",
        **schema,
    }
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


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
