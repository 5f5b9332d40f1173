"""The evidencekit exception tree.

Every error carries a human-readable ``diagnostics()`` text. Parsers do not raise
on bad input; they record a :class:`~evidencekit.model.ParseIssue`. Errors are for
misuse, for verification failures and for input that cannot be read at all.
"""

from __future__ import annotations


class EvidenceKitError(Exception):
    """Base class of every error raised by evidencekit."""

    def diagnostics(self) -> str:
        """A human-readable explanation, suitable for a terminal or a report."""
        return str(self)


class ModelError(EvidenceKitError, ValueError):
    """Event, source or issue data that does not fit the model.

    ``field`` is a location path such as ``source.locator.offset``.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class CaseError(EvidenceKitError):
    """A case folder is missing, incomplete or used wrongly."""


class EvidenceWriteRefused(EvidenceKitError):
    """An output path lies inside an evidence folder and ``force`` was not given."""


class EvidenceChanged(EvidenceKitError):
    """A source's hash after processing differs from its hash before."""


class UnreadableInput(EvidenceKitError):
    """Nothing at all could be read from an input (an empty parse is not this)."""


class TimelineError(EvidenceKitError):
    """A timeline file is damaged. ``line`` is the 1-based number of the first bad line;
    ``path`` the file, when the reader knows it."""

    def __init__(self, line: int, reason: str, path: str | None = None) -> None:
        super().__init__(f"{path + ': ' if path else ''}line {line}: {reason}")
        self.line = line
        self.reason = reason
        self.path = path


class ProofError(EvidenceKitError):
    """A Merkle inclusion or consistency proof does not verify."""


class VerificationError(EvidenceKitError):
    """One or more verification checks failed. ``failures`` lists each one."""

    def __init__(self, failures: list[str]) -> None:
        super().__init__("; ".join(failures) if failures else "verification failed")
        self.failures = failures

    def diagnostics(self) -> str:
        return "\n".join(f"FAILED: {f}" for f in self.failures)
