"""Door / badge access logs (入退室記録) exported as CSV by access-control systems.

区分 入室 / 退室 become ``badge_in`` / ``badge_out`` with the door in ``object.name``
and the area in ``attributes.area``; a refused badge (結果 拒否 / NG / denied) becomes
``access_denied`` with flag ``badge_denied``. ``attributes.person`` holds the employee
id (社員番号), ``actor.user`` the name. Local time, Asia/Tokyo unless ``--tz``.
Mapping: profiles/door.toml.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from evidencekit.model import ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.logevent import add_flag
from evidencekit.parsers.tabular import Plan, ProfileParser
from evidencekit.sources.textlog import Record

_DENIED = frozenset({"拒否", "NG", "エラー", "denied", "Denied", "DENIED", "失敗"})


@parsers.register("door")
class DoorAccess(ProfileParser):
    """Door / badge access log (入退室記録) CSV."""

    name: ClassVar[str] = "door"
    version: ClassVar[str] = "1"
    profile_name: ClassVar[str] = "door"
    refines: ClassVar[bool] = True

    def refine(
        self, ctx: ParseContext, plan: Plan, record: Record, content: EventContent
    ) -> Iterator[ParseIssue]:
        result = content.get("attributes", {}).get("result")
        if result in _DENIED:
            content["action"] = "access_denied"
            add_flag(content, "badge_denied")
        return iter(())
