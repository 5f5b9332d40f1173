"""File names as text the records can hold.

A name on a Linux disk is bytes; one written in another encoding (a CP932 name copied
from a Japanese Windows machine) is not valid Unicode, and the canonical JSON of the
records refuses lone surrogates. Such names keep their bytes visibly as ``\\xNN``.
"""

from __future__ import annotations

import os
from pathlib import Path


def path_text(path: Path | str) -> str:
    """``path`` as it is when it is valid Unicode; otherwise its bytes in UTF-8 with each
    byte that is not as a ``\\xNN`` escape (``\\x89\\x9f.img``)."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text
