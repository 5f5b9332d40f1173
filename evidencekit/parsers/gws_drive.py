"""Google Workspace Drive audit log CSV exports (Admin console, Drive log events).

Events view, download, copy, delete/trash, edit, upload, rename, move, print and the
sharing changes (change_user_access, visibility) become read, download, copy, delete,
modify, upload, rename, move, print and share; the event name is kept in the kind
(``gws.drive.download``). Mapping: profiles/gws_drive.toml.
"""

from __future__ import annotations

from typing import ClassVar

from evidencekit.parsers.base import parsers
from evidencekit.parsers.tabular import ProfileParser


@parsers.register("gws_drive")
class GwsDrive(ProfileParser):
    """Google Workspace Drive audit log CSV export."""

    name: ClassVar[str] = "gws_drive"
    version: ClassVar[str] = "1"
    profile_name: ClassVar[str] = "gws_drive"
