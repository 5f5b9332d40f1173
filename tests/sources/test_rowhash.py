"""The C row hasher gives exactly the reference's hex digests (hashlib's SHA-256)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.sources import rowhash

try:  # the extension itself, whatever EVIDENCEKIT_PURE_PYTHON says
    from evidencekit.sources._rowhash import sha256_hex_all as _native
except ImportError:
    _native = None


def test_reference_is_hashlib() -> None:
    raws = [b"", b"abc", "日時,ユーザー名".encode("cp932"), bytes(range(256)) * 300]
    assert rowhash.sha256_hex_all_py(raws) == [hashlib.sha256(r).hexdigest() for r in raws]
    # FIPS 180-2 example: SHA-256("abc")
    assert rowhash.sha256_hex_all_py([b"abc"])[0] == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


@pytest.mark.skipif(_native is None, reason="C extension _rowhash not built")
@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=40))
def test_c_equals_reference(raws: list[bytes]) -> None:
    assert _native is not None
    got = _native(raws)
    assert got == rowhash.sha256_hex_all_py(raws)
    assert all(type(text) is str and text.isascii() for text in got)


@pytest.mark.skipif(_native is None, reason="C extension _rowhash not built")
def test_c_refuses_what_is_not_a_list_of_bytes() -> None:
    assert _native is not None
    with pytest.raises(TypeError):
        _native((b"a",))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _native([b"a", "b"])  # type: ignore[list-item]
    assert _native([b"a" * (1 << 20)]) == [hashlib.sha256(b"a" * (1 << 20)).hexdigest()]
