"""Trust anchors given from outside a package, signature results, and signer policies.

Policies compose: :class:`SignedBy` one anchor, :class:`AllOf` and :class:`AnyOf`
of other policies. An empty composition fails closed. A policy never looks at a
key or certificate the package carries unless an outside anchor vouches for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from evidencekit.errors import EvidenceKitError
from evidencekit.package.signing import key_fingerprint

_FINGERPRINT = re.compile(r"^sha256:[0-9a-f]{64}$")


class TrustError(EvidenceKitError):
    """A trust anchor given to the verifier cannot be read."""


@dataclass(frozen=True)
class Anchor:
    """One trust anchor: a certificate (CA or signer), an Ed25519 key, or a key fingerprint."""

    label: str
    certificate: x509.Certificate | None = None
    ed25519_key: ed25519.Ed25519PublicKey | None = None
    fingerprint: str | None = None

    @property
    def key_fingerprint(self) -> str:
        """Fingerprint of the anchor's public key (or the pinned fingerprint itself)."""
        if self.certificate is not None:
            return key_fingerprint(self.certificate)
        if self.ed25519_key is not None:
            return key_fingerprint(self.ed25519_key)
        return self.fingerprint or ""


def load_anchors(spec: str) -> list[Anchor]:
    """Anchors from a PEM file (certificates and/or public keys) or a ``sha256:`` fingerprint.

    Raises:
        TrustError: the file is missing or holds nothing usable.
    """
    text = spec.strip().lower()
    if _FINGERPRINT.match(text):
        return [Anchor(label=f"fingerprint {text}", fingerprint=text)]
    path = Path(spec)
    if not path.is_file():
        raise TrustError(f"--trust {spec}: no such file and not a sha256: fingerprint")
    data = path.read_bytes()
    anchors: list[Anchor] = []
    if b"CERTIFICATE-----" in data:
        anchors.extend(
            Anchor(label=f"{path.name}: {cert.subject.rfc4514_string()}", certificate=cert)
            for cert in x509.load_pem_x509_certificates(data)
        )
    for block in re.findall(rb"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", data, re.S):
        key = serialization.load_pem_public_key(block)
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise TrustError(f"{path}: only Ed25519 public keys are accepted as bare keys")
        anchors.append(
            Anchor(label=f"{path.name}: Ed25519 {key_fingerprint(key)}", ed25519_key=key)
        )
    if not anchors:
        raise TrustError(f"{path}: no certificate or public key found")
    return anchors


@dataclass(frozen=True)
class SignatureResult:
    """One signature file after checking: who it claims to be and who vouches for it."""

    file: str
    kind: str
    signer: str
    key_fingerprint: str
    valid: bool
    problems: tuple[str, ...] = ()
    trusted_by: tuple[str, ...] = ()
    signing_time: str | None = None
    details: dict[str, str] = field(default_factory=dict)


class Policy(Protocol):
    """Decides whether the checked signatures satisfy the verifier's requirement."""

    def failures(self, results: Sequence[SignatureResult]) -> list[str]:
        """Why the policy is not met (empty when it is)."""
        ...


@dataclass(frozen=True)
class SignedBy:
    """Met when a valid signature is trusted by ``anchor``."""

    anchor: Anchor

    def failures(self, results: Sequence[SignatureResult]) -> list[str]:
        """Empty when a valid signature is trusted through this anchor."""
        if any(r.valid and self.anchor.label in r.trusted_by for r in results):
            return []
        return [f"no valid signature by a signer trusted through {self.anchor.label}"]


@dataclass(frozen=True)
class AllOf:
    """Met when every member policy is met; an empty AllOf fails closed."""

    policies: tuple[Policy, ...]

    def failures(self, results: Sequence[SignatureResult]) -> list[str]:
        """Every member's failures (empty when all are met)."""
        if not self.policies:
            return ["empty policy: nothing is trusted (fails closed)"]
        return [f for p in self.policies for f in p.failures(results)]


_NONE_TRUSTED = "no signature by any trusted signer: "


@dataclass(frozen=True)
class AnyOf:
    """Met when at least one member policy is met; an empty AnyOf fails closed."""

    policies: tuple[Policy, ...]

    def failures(self, results: Sequence[SignatureResult]) -> list[str]:
        """Empty when one member is met; else every member's failures in one line."""
        if not self.policies:
            return ["empty policy: nothing is trusted (fails closed)"]
        found = [p.failures(results) for p in self.policies]
        if any(not f for f in found):
            return []
        reasons = (f.removeprefix(_NONE_TRUSTED) for fs in found for f in fs)  # nested AnyOf
        return [_NONE_TRUSTED + "; ".join(reasons)]


def policy_for(anchors: Sequence[Anchor], require_all: bool = False) -> Policy:
    """``AnyOf`` (or ``AllOf`` with ``require_all``) of ``SignedBy`` each anchor."""
    members = tuple(SignedBy(a) for a in anchors)
    return AllOf(members) if require_all else AnyOf(members)


def policy_for_groups(groups: Sequence[Sequence[Anchor]], require_all: bool = False) -> Policy:
    """One member per group of anchors (e.g. per ``--trust`` file, which may hold a CA
    bundle): a group is met by a signature trusted through any of its anchors."""
    members: tuple[Policy, ...] = tuple(
        AnyOf(tuple(SignedBy(a) for a in group)) for group in groups
    )
    return AllOf(members) if require_all else AnyOf(members)
