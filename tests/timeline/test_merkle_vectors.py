"""RFC 9162 Merkle proofs against the published transparency-dev probes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from evidencekit.errors import ProofError
from evidencekit.timeline import merkle
from tests.conftest import VECTORS

MERKLE = VECTORS / "merkle"


def _probes(kind: str) -> list[Path]:
    return sorted((MERKLE / kind).rglob("*.json")) if MERKLE.exists() else []


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


@pytest.mark.parametrize("probe", _probes("inclusion"), ids=lambda p: str(p.relative_to(MERKLE)))
def test_inclusion_probe(probe: Path) -> None:
    d = json.loads(probe.read_text())
    proof = [_b64(p) for p in d["proof"] or []]
    if d["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(
                _b64(d["leafHash"]), d["leafIdx"], d["treeSize"], proof, _b64(d["root"])
            )
    else:
        merkle.verify_inclusion(
            _b64(d["leafHash"]), d["leafIdx"], d["treeSize"], proof, _b64(d["root"])
        )


@pytest.mark.parametrize("probe", _probes("consistency"), ids=lambda p: str(p.relative_to(MERKLE)))
def test_consistency_probe(probe: Path) -> None:
    d = json.loads(probe.read_text())
    args = (
        d["size1"],
        d["size2"],
        [_b64(p) for p in d["proof"] or []],
        _b64(d["root1"]),
        _b64(d["root2"]),
    )
    if d["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


def test_all_published_probes_are_present() -> None:
    if not MERKLE.exists():
        pytest.skip("../shared/vectors is absent")
    assert len(_probes("inclusion")) == 98
    assert len(_probes("consistency")) == 98


def _classic() -> dict[str, object]:
    path = MERKLE / "classic_8_leaf_roots.json"
    if not path.exists():
        pytest.skip("../shared/vectors is absent")
    data: dict[str, object] = json.loads(path.read_text())
    return data


def test_tree_heads_of_the_classic_leaves() -> None:
    data = _classic()
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in data["leaves_hex"]]  # type: ignore[attr-defined]
    assert merkle.root([]).hex() == data["empty_tree_root"]
    for size, expected in data["roots_by_size"].items():  # type: ignore[attr-defined]
        n = int(size)
        assert merkle.root(leaves[:n]).hex() == expected
        builder = merkle.TreeBuilder()
        for leaf in leaves[:n]:
            builder.append_hash(leaf)
        assert builder.root().hex() == expected


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 9, 16, 17, 33])
def test_our_proofs_verify_for_every_leaf_and_prefix(size: int) -> None:
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(size)]
    head = merkle.root(leaves)
    for index in range(size):
        merkle.verify_inclusion(
            leaves[index], index, size, merkle.inclusion_proof(leaves, index), head
        )
    for m in range(1, size + 1):
        merkle.verify_consistency(
            m, size, merkle.consistency_proof(leaves, m), merkle.root(leaves[:m]), head
        )


def test_a_proof_for_one_leaf_fails_for_its_neighbour() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(6)]
    proof = merkle.inclusion_proof(leaves, 2)
    with pytest.raises(ProofError, match="does not match"):
        merkle.verify_inclusion(leaves[3], 2, 6, proof, merkle.root(leaves))
