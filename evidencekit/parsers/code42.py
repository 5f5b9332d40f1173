"""Code42 Incydr file events, CSV exported from Forensic Search.

``eventType`` gives the base action (CREATED, MODIFIED, DELETED, READ_BY_APP, EMAILED);
the ``exposure`` column refines it, because Incydr records exfiltration as exposure:
RemovableMedia -> ``copy`` to a removable device (vendor, name, serial, volume),
ApplicationRead with a cloud / web destination -> ``upload``, SharedViaLink /
IsPublic / OutsideTrustedDomains -> ``share``; the exposure stays in
``attributes.exposure`` and flag ``code42.<exposure>``. Times are UTC.
Mapping: profiles/code42.toml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from evidencekit.model import ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.logevent import add_flag, put
from evidencekit.parsers.tabular import Plan, ProfileParser
from evidencekit.sources.textlog import Record

_SHARE = {"SharedViaLink", "IsPublic", "OutsideTrustedDomains", "SharedToDomain"}
_FLAG = re.compile(r"^[A-Za-z0-9_]{1,60}$")


@parsers.register("code42")
class Code42FileEvents(ProfileParser):
    """Code42 Incydr file-event CSV export (Forensic Search)."""

    name: ClassVar[str] = "code42"
    version: ClassVar[str] = "1"
    profile_name: ClassVar[str] = "code42"
    refines: ClassVar[bool] = True

    def refine(
        self, ctx: ParseContext, plan: Plan, record: Record, content: EventContent
    ) -> Iterator[ParseIssue]:
        fields = record.fields
        exposures = [e.strip() for e in plan.column(fields, "exposure").split(",") if e.strip()]
        for exposure in exposures:
            if _FLAG.match(exposure):
                add_flag(content, f"code42.{exposure}")
        if "RemovableMedia" in exposures:
            content["action"] = "copy"
            put(content, "device.drive_type", "removable")
        elif "ApplicationRead" in exposures and plan.column(fields, "destinationCategory"):
            content["action"] = "upload"
        elif _SHARE.intersection(exposures):
            content["action"] = "share"
        return iter(())
