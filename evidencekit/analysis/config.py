"""Rule parameters and lists: shipped defaults (data files) merged with user overrides."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from evidencekit.errors import EvidenceKitError


class AnalysisError(EvidenceKitError):
    """Bad analysis input (profile, identity map, asset register, HR file, parameters)."""


def _data(name: str) -> dict[str, Any]:
    text = resources.files("evidencekit.analysis").joinpath("data", name).read_text("utf-8")
    return tomllib.loads(text)


def load_parameters(override: Path | None = None, zone: str | None = None) -> dict[str, Any]:
    """The default thresholds (map §3.5), with tables from ``override`` merged key by key.

    ``zone`` (the case's zone) replaces the default ``timezone`` before the override is
    applied, so an override file that does not name a zone keeps the case's.
    """
    params = _data("defaults.toml")
    if zone is not None:
        params["timezone"] = zone
    if override is not None:
        try:
            extra = tomllib.loads(override.read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError, RecursionError) as exc:
            raise AnalysisError(f"cannot read parameters {override}: {exc}") from exc
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(params.get(key), dict):
                unknown = set(value) - set(params[key])
                if unknown:
                    raise AnalysisError(f"unknown parameter(s) {key}.{sorted(unknown)}")
                params[key] = {**params[key], **value}
            elif key in params:
                params[key] = value
            else:
                raise AnalysisError(f"unknown parameter {key!r} in {override}")
    _check_no_floats(params, "parameters")
    return params


def load_lists() -> dict[str, Any]:
    """Domain, tool, marking and value-class lists (reviewed date included)."""
    return _data("lists.toml")


def _check_no_floats(value: Any, path: str) -> None:
    """Parameters land in canonical JSON, which carries no floats: refuse them early."""
    if isinstance(value, float):
        raise AnalysisError(f"{path}: use an integer (floats are not allowed)")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_no_floats(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_no_floats(v, f"{path}[{i}]")
