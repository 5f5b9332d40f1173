"""The sealer's per-event work, done in blocks: hash chain and RFC 9162 Merkle tree head.

:class:`Sealer` turns canonical event payloads into chained timeline lines, byte for
byte what :mod:`evidencekit.timeline.chain` writes with the payload key ``event``,
and keeps the Merkle compact range (leaf = ``SHA-256(0x00 || payload)``).

The optional C extension ``_sealcore`` (built by setup.py when a compiler and the OpenSSL
headers are there) provides the sealer, with SHA-256 on the x86 SHA extensions when the
CPU has them and OpenSSL otherwise, and the sorter's hot helpers used by
:mod:`evidencekit.timeline.order`. Without it, or with ``EVIDENCEKIT_PURE_PYTHON=1``,
the pure-Python references are used: :class:`PySealer` here and the ``py_*`` functions in
order.py. Property tests hold each C function byte-identical to its reference.
:data:`IMPLEMENTATION` says which is active (``"c"`` or ``"python"``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from hashlib import sha256
from typing import Any, Protocol

from evidencekit.extensions import optional_extension
from evidencekit.timeline.merkle import TreeBuilder

GENESIS = "0" * 64


class SealerLike(Protocol):
    """The interface both implementations share."""

    @property
    def head(self) -> str: ...

    @property
    def size(self) -> int: ...

    def add_block(self, payloads: Sequence[bytes], leaves: list[bytes] | None = None) -> bytes: ...

    def root(self) -> bytes: ...


class PySealer:
    """Pure-Python sealer: chained lines and the Merkle tree head, block by block."""

    def __init__(self) -> None:
        self._head = GENESIS.encode()
        self._tree = TreeBuilder()

    @property
    def head(self) -> str:
        """Hash (hex) of the last line; 64 zeros before the first."""
        return self._head.decode()

    @property
    def size(self) -> int:
        """Number of lines (Merkle leaves) so far; also the next sequence number."""
        return self._tree.size

    def add_block(self, payloads: Sequence[bytes], leaves: list[bytes] | None = None) -> bytes:
        """Chain and hash canonical event payloads (bytes without newline).

        Args:
            payloads: Canonical event bytes, in timeline order.
            leaves: When given, each event's Merkle leaf hash is appended to it.

        Returns:
            The block's chained lines, newline-terminated, as one bytes object.

        Raises:
            TypeError: A payload is not bytes (nothing is written).
            ValueError: A payload contains a newline (nothing is written).
        """
        items = tuple(payloads)
        _check(items)
        head, seq, tree = self._head, self._tree.size, self._tree
        out = []
        for payload in items:
            body = b'{"event":%s,"prev":"%s","seq":%d' % (payload, head, seq)
            head = sha256(body + b"}").hexdigest().encode()
            out.append(b'%s,"sha256":"%s"}\n' % (body, head))
            leaf = sha256(b"\x00" + payload).digest()
            tree.append_hash(leaf)
            if leaves is not None:
                leaves.append(leaf)
            seq += 1
        self._head = head
        return b"".join(out)

    def root(self) -> bytes:
        """RFC 9162 tree head over every leaf so far (32 bytes)."""
        return self._tree.root()


def _check(items: tuple[bytes, ...]) -> None:
    for i, payload in enumerate(items):
        if type(payload) is not bytes:
            raise TypeError(f"payload {i} is {type(payload).__name__}, not bytes")
        if b"\n" in payload:
            raise ValueError(f"payload {i} contains a newline")


_C_FUNCTIONS = (
    "Sealer", "sort_key", "sort_item", "pack_items", "unpack_items", "split_sorted", "_sha_ni",
)  # fmt: skip


def _choose() -> tuple[type[SealerLike], str, Any]:
    ext = optional_extension("evidencekit.timeline._sealcore", *_C_FUNCTIONS)
    return (PySealer, "python", None) if ext is None else (ext.Sealer, "c", ext)


Sealer, IMPLEMENTATION, NATIVE = _choose()
"""The active sealer class; ``"c"`` or ``"python"``; the C module (None without it), whose
sort and run functions order.py uses in place of its Python references."""
C_SORT_KEY: Callable[..., bytes] | None = NATIVE.sort_key if NATIVE else None
C_SORT_ITEM: Callable[..., bytes] | None = NATIVE.sort_item if NATIVE else None


def sha256_backend() -> str:
    """Where the sealer's SHA-256 runs: ``"sha-ni"`` (x86 SHA extensions), ``"openssl"``
    (the C core through libcrypto) or ``"hashlib"`` (the Python sealer)."""
    if NATIVE is None:
        return "hashlib"
    return "sha-ni" if NATIVE._sha_ni() else "openssl"
