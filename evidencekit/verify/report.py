"""The outcome of a verification: one line per check and a verdict.

Verification raises :class:`PackageVerificationError` (a
:class:`~evidencekit.errors.VerificationError`) carrying the whole report when
anything failed, because a returned result can be ignored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from evidencekit.errors import VerificationError
from evidencekit.verify.policy import SignatureResult

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class Check:
    """One verification step and what it found."""

    name: str
    status: Status
    detail: str
    problems: tuple[str, ...] = ()


@dataclass
class VerificationReport:
    """Every check, the signatures found, and the verdict."""

    package: str
    checks: list[Check] = field(default_factory=list)
    signatures: list[SignatureResult] = field(default_factory=list)
    timestamp: str | None = None

    def add(self, name: str, problems: list[str] | tuple[str, ...], detail: str) -> None:
        """Record a check: passed when ``problems`` is empty."""
        status: Status = "failed" if problems else "passed"
        self.checks.append(Check(name, status, detail, tuple(problems)))

    def skip(self, name: str, detail: str) -> None:
        """Record a check that could not run (shown, but not a failure)."""
        self.checks.append(Check(name, "skipped", detail))

    @property
    def failures(self) -> list[str]:
        """``check: problem`` for every failed check."""
        return [f"{c.name}: {p}" for c in self.checks if c.status == "failed" for p in c.problems]

    @property
    def integrity_ok(self) -> bool:
        """All checks passed except, possibly, signer trust."""
        return all(c.status != "failed" for c in self.checks if c.name != "signer trust")

    @property
    def passed(self) -> bool:
        """True when no check failed."""
        return all(c.status != "failed" for c in self.checks)

    @property
    def verdict(self) -> str:
        """One line for people: verified, untrusted signer, or how many checks failed."""
        if self.passed:
            return "VERIFIED: every check passed and the signer is trusted"
        if self.integrity_ok:
            return "NOT VERIFIED: contents intact, but the signer is not trusted"
        failed = sum(1 for c in self.checks if c.status == "failed")
        return f"NOT VERIFIED: {failed} check(s) failed"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "package": self.package,
            "verdict": self.verdict,
            "passed": self.passed,
            "checks": [asdict(c) for c in self.checks],
            "signatures": [asdict(s) for s in self.signatures],
            "timestamp": self.timestamp,
        }


class PackageVerificationError(VerificationError):
    """A package failed verification; ``report`` holds every check."""

    def __init__(self, report: VerificationReport) -> None:
        super().__init__(report.failures or [report.verdict])
        self.report = report
