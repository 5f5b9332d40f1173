"""TSK error texts from pytsk3 (TSK 4.15, with the binding's place) and from the native
core (Debian's TSK 4.11) come out in one form, so parse issues do not depend on the
build that read the image."""

from __future__ import annotations

import pytest

from evidencekit.sources.tsk_text import tsk_message

# The same NTFS failure as the two builds word it (seen on a fuzzed image).
PYTSK3 = "Directory_Con: (tsk3.cpp:517) Error opening directory (- ntfs_dir_open_meta)"
NATIVE = "Error opening directory ( - ntfs_dir_open_meta)"


@pytest.mark.parametrize("text", [PYTSK3, NATIVE, OSError(NATIVE), OSError(PYTSK3)])
def test_both_builds_give_one_message(text: str | OSError) -> None:
    assert tsk_message(text) == "Error opening directory (- ntfs_dir_open_meta)"


def test_other_text_is_kept_as_it_is() -> None:
    text = "Invalid magic value (not a FAT file system (magic)) at offset 510"
    assert tsk_message(text) == text
