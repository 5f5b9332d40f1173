"""evidencekit: evidence preservation and forensic packaging for trade-secret cases.

The pipeline in a few calls (see :mod:`evidencekit.api`)::

    import evidencekit as ek
    summary = ek.run("case.toml")
"""

from __future__ import annotations

import sys
import types
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


class _Facade(types.ModuleType):
    """``evidencekit`` itself: ``report``, ``package`` and ``verify`` are also sub-package
    names, and importing a sub-package binds it on its parent, which made ``ek.verify`` a
    module (not callable) once ``evidencekit.verify`` had loaded. Such bindings are left
    out, so the names keep resolving to the pipeline calls; the sub-packages stay in
    ``sys.modules`` for ``from evidencekit.report import ...``."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Facade
