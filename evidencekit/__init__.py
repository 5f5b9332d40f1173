"""evidencekit: evidence preservation and forensic packaging for trade-secret cases.

The pipeline in a few calls (see :mod:`evidencekit.api`)::

    import evidencekit as ek
    summary = ek.run("case.toml")
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = ("new_case", "open_case", "ingest", "seal", "analyze", "report", "package", "verify", "run")

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    # Imported on first use, so `import evidencekit` (and the CLI's start-up) stays light.
    if name in _API:
        from evidencekit import api

        return getattr(api, name)
    raise AttributeError(f"module 'evidencekit' has no attribute {name!r}")
