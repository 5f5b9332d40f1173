"""libmagic answers remembered by digest (content.classify's memo) are libmagic's."""

from __future__ import annotations

import random

import magic

from evidencekit.sources.content import MAGIC_HEAD, classify
from tests.sources.conftest import FAT_FILES, ext4_files


def test_remembered_answers_are_libmagics() -> None:
    samples = [*FAT_FILES.values(), *ext4_files().values(), random.Random(3).randbytes(9000),
               b"%PDF-1.4\n" + bytes(200)]  # fmt: skip
    fresh = magic.Magic(mime=True)
    expected = [fresh.from_buffer(s[:MAGIC_HEAD]) for s in samples]
    assert len(set(expected)) >= 4  # text, docx, binary, pdf
    memo: dict[bytes, str] = {}
    assert [classify(s, memo) for s in samples] == expected  # first answers
    assert len(memo) == len({s[:MAGIC_HEAD] for s in samples})
    assert [classify(s, memo) for s in samples] == expected  # remembered answers
    assert [classify(s) for s in samples] == expected  # without a memo


def test_only_the_head_decides() -> None:
    head = b"plain words of a note\n" * 500  # longer than the head libmagic sees
    assert len(head) > MAGIC_HEAD
    memo: dict[bytes, str] = {}
    assert classify(head + b"\x00\xff" * 100, memo) == classify(head)
    assert classify(head, memo) == classify(head) and len(memo) == 1
