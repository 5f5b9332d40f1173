"""The optional C extensions: each hot path has a pure-Python reference, used when its
extension is not built, is a stale build, or ``EVIDENCEKIT_PURE_PYTHON=1`` is set."""

from __future__ import annotations

import importlib
import os
from typing import Any


def optional_extension(module: str, *names: str) -> Any:
    """The extension ``module`` if it can be used, else None.

    Args:
        module: Dotted name, e.g. ``"evidencekit.timeline._sealcore"``.
        names: Attributes it must have (a build from older sources lacks some).
    """
    if os.environ.get("EVIDENCEKIT_PURE_PYTHON") == "1":
        return None
    try:
        ext = importlib.import_module(module)
    except ImportError:
        return None
    return ext if all(hasattr(ext, name) for name in names) else None
