"""Any CSV/TSV export through a user's mapping profile (``--mapping FILE``).

The profile (TOML, layout in ``docs/log-formats.md``) names the time column(s) and
formats, the source zone, the encoding, column -> field, value -> action and constant
fields. The CLI records the profile's path and SHA-256 in the source's parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from evidencekit.parsers.base import parsers
from evidencekit.parsers.profile import Profile, ProfileError, load_profile
from evidencekit.parsers.tabular import ProfileParser


@parsers.register("mapped_csv")
class MappedCsv(ProfileParser):
    """Generic CSV/TSV read through a declarative mapping profile (option ``mapping``)."""

    name: ClassVar[str] = "mapped_csv"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "log"

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        return False  # needs a profile; never chosen by auto-detection

    def profile_for(self, options: dict[str, Any]) -> Profile:
        mapping = options.get("mapping")
        if not mapping:
            raise ProfileError("(none)", ["mapped_csv needs the option mapping=<profile file>"])
        return load_profile(Path(str(mapping)))
