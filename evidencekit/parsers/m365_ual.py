"""Microsoft 365 Unified Audit Log, CSV export (Purview portal or Search-UnifiedAuditLog).

Each row's AuditData column holds the audit record as JSON; its ``Operation`` gives the
action: FileAccessed, FileDownloaded, FileSyncDownloadedFull, FileUploaded, FileCopied,
FileMoved, FileDeleted, FileRecycled, SharingSet, AnonymousLinkCreated,
MailItemsAccessed, Send, ... (others keep action ``other``; the operation is always in
the kind, ``m365.FileDownloaded``). Times are UTC by definition and never shifted.
Reference: Microsoft Learn, "Detailed properties in the audit log" and "Audit log
activities".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import orjson

from evidencekit.events.jptime import TimeParser
from evidencekit.events.time import TimeError
from evidencekit.model import ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.logevent import issue_at, place_time, put
from evidencekit.parsers.tabular import Plan, ProfileParser
from evidencekit.sources.textlog import Record

ACTIONS = {
    "FileAccessed": "read",
    "FileAccessedExtended": "read",
    "FilePreviewed": "read",
    "FileDownloaded": "download",
    "FileSyncDownloadedFull": "download",
    "FileSyncDownloadedPartial": "download",
    "FileUploaded": "upload",
    "FileSyncUploadedFull": "upload",
    "FileCopied": "copy",
    "FileMoved": "move",
    "FileRenamed": "rename",
    "FileModified": "modify",
    "FileDeleted": "delete",
    "FileRecycled": "delete",
    "FileDeletedFirstStageRecycleBin": "delete",
    "FileDeletedSecondStageRecycleBin": "delete",
    "SharingSet": "share",
    "SharingInvitationCreated": "share",
    "AddedToSecureLink": "share",
    "AnonymousLinkCreated": "share",
    "CompanyLinkCreated": "share",
    "SecureLinkCreated": "share",
    "MailItemsAccessed": "read",
    "Send": "send",
    "SendAs": "send",
    "SendOnBehalf": "send",
    "HardDelete": "delete",
    "SoftDelete": "delete",
    "UserLoggedIn": "logon",
    "UserLoginFailed": "logon_failed",
    "FilePrinted": "print",
}
_ATTRIBUTES = (
    "Id",
    "Workload",
    "RecordType",
    "UserType",
    "UserAgent",
    "SiteUrl",
    "SourceRelativeUrl",
    "ItemType",
    "EventSource",
    "ListItemUniqueId",
    "TargetUserOrGroupName",
    "TargetUserOrGroupType",
    "SharingType",
    "DestinationRelativeUrl",
    "ResultStatus",
    "MailboxOwnerUPN",
    "ClientInfoString",
)
_MAX_AUDITDATA = 1 << 20
_KIND_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:/-")


@parsers.register("m365_ual")
class M365UnifiedAuditLog(ProfileParser):
    """Microsoft 365 Unified Audit Log CSV export (AuditData JSON column)."""

    name: ClassVar[str] = "m365_ual"
    version: ClassVar[str] = "1"
    profile_name: ClassVar[str] = "m365_ual"
    refines: ClassVar[bool] = True

    def refine(
        self, ctx: ParseContext, plan: Plan, record: Record, content: EventContent
    ) -> Iterator[ParseIssue]:
        fields = record.fields
        operation = plan.column(fields, "Operation") or plan.column(fields, "Operations")
        data, problem = _audit_data(plan.column(fields, "AuditData"))
        if problem:
            yield issue_at(ctx, content, "malformed_auditdata", problem)
        created = data.get("CreationTime")
        if isinstance(created, str) and created and "time" in content:
            yield from _creation_time(ctx, content, created)
        operation = str(data.get("Operation") or operation)
        content["action"] = ACTIONS.get(operation, "other")
        if operation and set(operation) <= _KIND_CHARS and len(operation) < 100:
            content["kind"] = f"m365.{operation}"
        elif operation:
            put(content, "attributes.operation", operation)
        _actor(content, data, plan.column(fields, "UserId") or plan.column(fields, "UserIds"))
        _objects(content, data, operation)
        for key in _ATTRIBUTES:
            value = data.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                put(content, f"attributes.m365.{key}", str(value))


_RECORD_TIME = TimeParser(["ymd"], utc=True)


def _creation_time(ctx: ParseContext, content: EventContent, created: str) -> Iterator[ParseIssue]:
    """AuditData's CreationTime is the record's own time, UTC by definition; the CreationDate
    column is written by the exporting tool (Export-Csv formats it in the session's culture).
    When the two disagree, the event takes CreationTime and an issue shows both."""
    try:
        parsed = _RECORD_TIME.parse(created)
    except TimeError as exc:
        yield issue_at(ctx, content, "malformed_auditdata", f"AuditData CreationTime: {exc}")
        return
    if parsed.time == content["time"]:
        return
    column = content["time_original"]
    yield issue_at(
        ctx,
        content,
        "time_disagrees",
        f"CreationDate {column!r} and AuditData CreationTime {created!r} differ; "
        "the event takes CreationTime (UTC by definition)",
    )
    for key in ("time_zone", "time_precision"):  # of the column's time
        content.pop(key, None)
    place_time(content, parsed, created)
    put(content, "attributes.m365.CreationDate", column)


def _audit_data(text: str) -> tuple[dict[str, Any], str | None]:
    if not text:
        return {}, "AuditData column is empty"
    if len(text) > _MAX_AUDITDATA:
        return {}, f"AuditData of {len(text)} characters exceeds the limit"
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return {}, f"AuditData is not JSON: {exc}"
    if not isinstance(data, dict):
        return {}, "AuditData is not a JSON object"
    return data, None


def _actor(content: EventContent, data: dict[str, Any], column_user: str) -> None:
    user = str(data.get("UserId") or column_user or "")
    if "@" in user:
        put(content, "actor.email", user)
    elif user:
        put(content, "actor.user", user)
    for key, target in (("ClientIP", "actor.ip"), ("ClientIPAddress", "actor.ip")):
        if isinstance(data.get(key), str) and data[key]:
            put(content, target, data[key])
            break


def _objects(content: EventContent, data: dict[str, Any], operation: str) -> None:
    if isinstance(data.get("ObjectId"), str) and data["ObjectId"]:
        object_id = data["ObjectId"]
        put(content, "object.url" if "://" in object_id else "object.path", object_id)
    if isinstance(data.get("SourceFileName"), str):
        put(content, "object.name", data["SourceFileName"])
    if isinstance(data.get("DestinationFileName"), str):
        put(content, "target.name", data["DestinationFileName"])
    if isinstance(data.get("DestinationRelativeUrl"), str):
        put(content, "target.path", data["DestinationRelativeUrl"])
    if operation in ("SharingSet", "SharingInvitationCreated", "AddedToSecureLink"):
        who = data.get("TargetUserOrGroupName")
        if isinstance(who, str) and who:
            put(content, "target.name", who)
    if operation in ("Send", "SendAs", "SendOnBehalf"):
        item = data.get("Item")
        if isinstance(item, dict):
            _mail_item(content, item)
    if operation == "MailItemsAccessed":
        folders = data.get("Folders")
        if isinstance(folders, list):
            items = [f.get("FolderItems") for f in folders if isinstance(f, dict)]
            count = sum(len(i) for i in items if isinstance(i, list))
            put(content, "attributes.m365.items_accessed", count)


def _mail_item(content: EventContent, item: dict[str, Any]) -> None:
    put(content, "object.kind", "message")
    if isinstance(item.get("Subject"), str):
        put(content, "object.name", item["Subject"])
    size = item.get("SizeInBytes")
    if isinstance(size, int) and not isinstance(size, bool) and 0 <= size < 2**53:
        put(content, "object.size", size)
    attachments = item.get("Attachments")
    if isinstance(attachments, str) and attachments:
        put(content, "attributes.m365.attachments", attachments)
