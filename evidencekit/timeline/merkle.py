"""Merkle tree heads and proofs in the RFC 9162 (Certificate Transparency v2) construction.

SHA-256; leaf hash ``H(0x00 || data)``; node hash ``H(0x01 || left || right)``; the
tree splits at the largest power of two below its size. Verifiers follow RFC 9162
sections 2.1.3.2 and 2.1.4.2, and also reject hashes that are not 32 bytes and
consistency proofs from the empty tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from evidencekit.errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class TreeBuilder:
    """Streaming tree head: O(log n) memory, leaves appended in order."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []
        self.size = 0

    def append_hash(self, leaf: bytes) -> None:
        size, h = 1, leaf
        stack = self._stack
        while stack and stack[-1][0] == size:
            _, left = stack.pop()
            h = node_hash(left, h)
            size *= 2
        stack.append((size, h))
        self.size += 1

    def append(self, data: bytes) -> None:
        self.append_hash(leaf_hash(data))

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h


def root(leaves: Sequence[bytes]) -> bytes:
    """Tree head over a sequence of leaf hashes."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 section 2.1.3.1, over leaf hashes."""
    if not 0 <= index < len(leaves):
        raise ProofError(f"leaf index {index} outside a tree of size {len(leaves)}")
    path: list[bytes] = []
    lo, hi = 0, len(leaves)
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            path.append(root(leaves[lo + k : hi]))
            hi = lo + k
        else:
            path.append(root(leaves[lo : lo + k]))
            lo = lo + k
    path.reverse()
    return path


def consistency_proof(leaves: Sequence[bytes], size1: int) -> list[bytes]:
    """PROOF(size1, D[n]) of RFC 9162 section 2.1.4.1."""
    n = len(leaves)
    if not 0 < size1 <= n:
        raise ProofError(f"no consistency proof from size {size1} to size {n}")
    return _subproof(size1, leaves, True)


def _subproof(m: int, d: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if complete else [root(d)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, d[:k], complete), root(d[k:])]
    return [*_subproof(m - k, d[k:], False), root(d[:k])]


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], head: bytes
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows leaf hash ``leaf`` at ``index``."""
    _check_hash(leaf, "leaf hash")
    _check_hash(head, "tree head")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof[{i}]")
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} outside a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the tree is deep")
    if r != head:
        raise ProofError("computed tree head does not match")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], head1: bytes, head2: bytes
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows tree ``size1`` is a prefix of ``size2``."""
    if size1 <= 0:
        raise ProofError("consistency from an empty tree proves nothing")
    if size2 < size1:
        raise ProofError(f"size1 {size1} is greater than size2 {size2}")
    if size1 == size2:
        # Equal trees: the heads must be the same bytes (the published probes compare
        # them as given), and there is nothing to prove.
        if proof:
            raise ProofError("sizes are equal but the proof is not empty")
        if head1 != head2:
            raise ProofError("sizes are equal but the tree heads differ")
        return
    _check_hash(head1, "first tree head")
    _check_hash(head2, "second tree head")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof[{i}]")
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, head1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof is longer than needed")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than needed")
    if fr != head1:
        raise ProofError("first tree head does not match")
    if sr != head2:
        raise ProofError("second tree head does not match")
