"""Microsoft Purview Activity Explorer CSV exports.

Purview's activities (FileCopiedToRemovableMedia, FileUploadedToCloud, FilePrinted,
FileCopiedToNetworkShare, ...) become copy, upload, print, ... with the activity kept in
the kind (``purview.FileUploadedToCloud``). Times are UTC. Mapping: profiles/purview.toml.
"""

from __future__ import annotations

from typing import ClassVar

from evidencekit.parsers.base import parsers
from evidencekit.parsers.tabular import ProfileParser


@parsers.register("purview")
class Purview(ProfileParser):
    """Microsoft Purview Activity Explorer CSV export."""

    name: ClassVar[str] = "purview"
    version: ClassVar[str] = "1"
    profile_name: ClassVar[str] = "purview"
