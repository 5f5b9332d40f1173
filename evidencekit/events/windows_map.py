"""Per-event mapping rules of the Windows event normalizer (see :mod:`events.windows`).

Each handler fills actor/object/device parts and attributes of one event family and
returns its action. Handlers read only locale-independent fields. Device events live in
:mod:`events.windows_devices`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evidencekit.events.windows import WinRecord

ACCESS_RIGHTS: tuple[tuple[int, str], ...] = (
    (0x1, "ReadData/ListDirectory"),
    (0x2, "WriteData/AddFile"),
    (0x4, "AppendData/AddSubdirectory"),
    (0x8, "ReadEA"),
    (0x10, "WriteEA"),
    (0x20, "Execute/Traverse"),
    (0x40, "DeleteChild"),
    (0x80, "ReadAttributes"),
    (0x100, "WriteAttributes"),
    (0x10000, "DELETE"),
    (0x20000, "READ_CONTROL"),
    (0x40000, "WRITE_DAC"),
    (0x80000, "WRITE_OWNER"),
    (0x100000, "SYNCHRONIZE"),
    (0x1000000, "ACCESS_SYS_SEC"),
    (0x2000000, "MAXIMUM_ALLOWED"),
    (0x10000000, "GENERIC_ALL"),
    (0x20000000, "GENERIC_EXECUTE"),
    (0x40000000, "GENERIC_WRITE"),
    (0x80000000, "GENERIC_READ"),
)
KEY_RIGHTS: tuple[tuple[int, str], ...] = (
    (0x1, "QueryValue"),
    (0x2, "SetValue"),
    (0x4, "CreateSubKey"),
    (0x8, "EnumerateSubKeys"),
    (0x10, "Notify"),
    (0x20, "CreateLink"),
)
_STANDARD = tuple(r for r in ACCESS_RIGHTS if r[0] >= 0x10000)
_FILE_TYPES = frozenset({"", "File", "Directory"})
# (delete, modify, metadata change, read) bits per object family
_FILE_BITS = (0x10000 | 0x40, 0x2 | 0x4 | 0x40000000 | 0x10000000, 0x10 | 0x100 | 0x40000 | 0x80000,
              0x1 | 0x80000000)  # fmt: skip
_KEY_BITS = (0x10000, 0x2 | 0x4 | 0x20 | 0x40000000 | 0x10000000, 0x40000 | 0x80000,
             0x1 | 0x8 | 0x80000000)  # fmt: skip
_OTHER_BITS = (0x10000, 0x40000000 | 0x10000000, 0x40000 | 0x80000, 0x80000000)
LOGON_TYPES = {
    2: "Interactive",
    3: "Network",
    4: "Batch",
    5: "Service",
    7: "Unlock",
    8: "NetworkCleartext",
    9: "NewCredentials",
    10: "RemoteInteractive",
    11: "CachedInteractive",
    12: "CachedRemoteInteractive",
    13: "CachedUnlock",
}
_EMPTY = frozenset({"", "-", "%%1793"})  # "-" and "<value not set>" mean no value
_HASH = re.compile(r"(MD5|SHA1|SHA256)=([0-9A-Fa-f]+)")


@dataclass(slots=True)
class Ctx:
    """Working state of one normalization: the record, attributes and event parts."""

    rec: WinRecord
    attrs: dict[str, Any]
    failed: bool
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def d(self, name: str) -> str | None:
        """A data field as text, None when absent, empty or ``-``."""
        value = self.rec.data.get(name)
        if type(value) is str:
            return None if value in _EMPTY else value
        if value is None:
            return None
        text = str(value)
        return None if text in _EMPTY else text

    def put(self, part: str, **values: Any) -> None:
        """Set fields of an event part, leaving out empty values."""
        target = self.parts.get(part)
        if target is None:
            target = self.parts[part] = {}
        for key, value in values.items():
            if value is not None and value != "":
                target[key] = value


def decode_access_mask(
    text: str | None, object_type: str | None = None
) -> tuple[int, list[str]] | None:
    """Hex access mask text (``0x10080``) -> (value, right names in bit order).

    The low 16 bits are object-specific: file/directory names for ``File`` objects (and
    when the type is unknown), registry names for ``Key``; for other types they are given
    as ``Specific:0x...``. Standard and generic rights are named for every type.
    """
    found = _decoded(text, object_type)
    return None if found is None else (found[0], list(found[1]))


_MASKS: dict[tuple[str, str], tuple[int, tuple[str, ...]] | None] = {}


def _decoded(text: str | None, object_type: str | None) -> tuple[int, tuple[str, ...]] | None:
    """:func:`decode_access_mask` with the names as a tuple, cached by text and type (a
    log repeats a few masks millions of times)."""
    if not text:
        return None
    kind = object_type or ""
    key = (text, kind)
    if key in _MASKS:
        return _MASKS[key]
    try:
        value = int(text.strip(), 16)
    except ValueError:
        found = None
    else:
        found = value, tuple(_right_names(value, kind))
    if len(_MASKS) < 4096:
        _MASKS[key] = found
    return found


def _right_names(value: int, kind: str) -> list[str]:
    if kind in _FILE_TYPES:
        return [name for bit, name in ACCESS_RIGHTS if value & bit]
    table = KEY_RIGHTS if kind == "Key" else ()
    names = [name for bit, name in table if value & bit]
    if not table and value & 0xFFFF:
        names.append(f"Specific:{value & 0xFFFF:#x}")
    return names + [name for bit, name in _STANDARD if value & bit]


def texts(data: dict[str, Any], names: tuple[str, ...]) -> list[str | None]:
    """:meth:`Ctx.d` for several fields at once (handlers read many fields of each event)."""
    out: list[str | None] = []
    get, empty, append = data.get, _EMPTY, out.append
    for name in names:
        value = get(name)
        if value is not None:
            if type(value) is not str:
                value = str(value)
            if value in empty:
                value = None
        append(value)
    return out


def mask_action(mask: int, object_type: str | None = None) -> str:
    """The action an access mask implies: delete > modify > metadata change > read > access."""
    key = (mask, object_type or "")
    action = _ACTIONS.get(key)
    if action is None:
        action = _mask_action(*key)
        if len(_ACTIONS) < 4096:
            _ACTIONS[key] = action
    return action


_ACTIONS: dict[tuple[int, str], str] = {}


def _mask_action(mask: int, kind: str) -> str:
    bits = _FILE_BITS if kind in _FILE_TYPES else _KEY_BITS if kind == "Key" else _OTHER_BITS
    for bit_set, action in zip(bits, ("delete", "modify", "metadata_change", "read"), strict=True):
        if mask & bit_set:
            return action
    return "access"


# --- actors -----------------------------------------------------------------------------


def who(ctx: Ctx, prefix: str, process: str | None = None) -> None:
    """The actor from ``<prefix>UserName/DomainName/UserSid`` and ``IpAddress`` (as
    :meth:`Ctx.put` would set it, without its keyword-argument call: most events pass here)."""
    rec = ctx.rec
    user, domain, sid, ip = texts(rec.data, _WHO.get(prefix) or _who_fields(prefix))
    actor = ctx.parts.get("actor")
    if actor is None:
        actor = ctx.parts["actor"] = {}
    # unrolled (a loop over (key, value) pairs cost ~0.5 us an event); same test as put
    if user is not None and user != "":
        actor["user"] = user
    if domain is not None and domain != "":
        actor["domain"] = domain
    if not sid:
        sid = rec.user_sid
    if sid is not None and sid != "":
        actor["sid"] = sid
    host = rec.computer
    if host is not None and host != "":
        actor["host"] = host
    if ip is not None and ip != "":
        actor["ip"] = ip
    if process is not None and process != "":
        actor["process"] = process


def _who_fields(prefix: str) -> tuple[str, ...]:
    return prefix + "UserName", prefix + "DomainName", prefix + "UserSid", "IpAddress"


_WHO = {prefix: _who_fields(prefix) for prefix in ("Subject", "Target")}


def _mask_attrs(ctx: Ctx, object_type: str | None) -> int | None:
    """Access mask and right names into the attributes (``object_type``: the event's
    ObjectType field as :meth:`Ctx.d` gives it)."""
    text = ctx.d("AccessMask")
    if ctx.rec.message and _decoded(text, None) is None:
        m = re.search(r"(?:Access Mask|アクセス マスク):\s*(0x[0-9A-Fa-f]+)", ctx.rec.message)
        text = m.group(1) if m else None
    decoded = _decoded(text, object_type)
    if text is None or decoded is None:
        return None
    ctx.attrs["access_mask"] = text.strip()  # as recorded
    ctx.attrs["access_rights"] = list(decoded[1])
    return decoded[0]


# --- Security -----------------------------------------------------------------------------


def _object_access(ctx: Ctx) -> str:
    """4656 handle requested, 4663 access attempted: the access mask decides."""
    process, otype, oname, handle, server = texts(ctx.rec.data, _OBJECT_FIELDS)
    who(ctx, "Subject", process)
    obj = ctx.parts.get("object")  # as ctx.put("object", kind=..., path=...)
    if obj is None:
        obj = ctx.parts["object"] = {}
    if otype:
        kind = otype.lower()
        if kind:
            obj["kind"] = kind
    if oname is not None and oname != "":
        obj["path"] = oname
    if handle:
        ctx.attrs["handleid"] = handle
    if server:
        ctx.attrs["objectserver"] = server
    mask = _mask_attrs(ctx, otype)
    if ctx.failed:
        return "access_denied"
    return mask_action(mask, otype) if mask is not None else "access"


_OBJECT_FIELDS = ("ProcessName", "ObjectType", "ObjectName", "HandleId", "ObjectServer")


def _object_deleted(ctx: Ctx) -> str:
    who(ctx, "Subject", ctx.d("ProcessName"))
    ctx.put("object", path=ctx.d("ObjectName"))
    return "access_denied" if ctx.failed else "delete"


def _handle_closed(ctx: Ctx) -> str:
    who(ctx, "Subject", ctx.d("ProcessName"))
    ctx.attrs["handle_closed"] = True
    return "access"


def _share(ctx: Ctx) -> str:
    """5140 share accessed, 5145 share object checked (with mask)."""
    who(ctx, "Subject")
    share, local, rel = ctx.d("ShareName"), ctx.d("ShareLocalPath"), ctx.d("RelativeTargetName")
    path = f"{local.rstrip(chr(92))}\\{rel}" if local and rel else local
    ctx.put("object", kind="share" if not rel else "file", name=share, path=path)
    mask = _mask_attrs(ctx, ctx.d("ObjectType"))
    if ctx.failed:
        return "access_denied"
    if ctx.rec.event_id == 5140 or mask is None:
        return "access"
    return mask_action(mask)


def _logon(ctx: Ctx) -> str:
    process, kind, workstation, package, logon_id, port = texts(ctx.rec.data, _LOGON_FIELDS)
    who(ctx, "Target", process)
    attrs = ctx.attrs
    if kind and kind.isdigit():
        attrs["logon_type"] = int(kind)
        attrs["logon_type_name"] = LOGON_TYPES.get(int(kind), "unknown")
    if workstation:
        attrs["WorkstationName"] = workstation
    if package:
        attrs["AuthenticationPackageName"] = package
    if logon_id:
        attrs["TargetLogonId"] = logon_id
    if port:
        attrs["IpPort"] = port
    if ctx.rec.event_id == 4625:
        for name in ("Status", "SubStatus", "FailureReason"):
            if value := ctx.d(name):
                attrs[name] = value
        return "logon_failed"
    return _LOGON_ACTIONS[ctx.rec.event_id]


_LOGON_ACTIONS = {4624: "logon", 4634: "logoff", 4647: "logoff"}
_LOGON_FIELDS = ("ProcessName", "LogonType", "WorkstationName", "AuthenticationPackageName",
                 "TargetLogonId", "IpPort")  # fmt: skip


def _execute_4688(ctx: Ctx) -> str:
    who(ctx, "Subject", ctx.d("ParentProcessName"))
    ctx.put("object", kind="process", path=ctx.d("NewProcessName"))
    if value := ctx.d("CommandLine"):
        ctx.attrs["command_line"] = value
    return "execute"


def _permission(ctx: Ctx) -> str:
    """4670 object permissions changed; 4728/4732/4756 (and removals) group membership."""
    who(ctx, "Subject", ctx.d("ProcessName"))
    if ctx.rec.event_id == 4670:
        ctx.put(
            "object", kind=(ctx.d("ObjectType") or "").lower() or None, path=ctx.d("ObjectName")
        )
    else:
        ctx.put("object", kind="group", name=ctx.d("TargetUserName"))
        ctx.put("target", kind="account", name=ctx.d("MemberName") or ctx.d("MemberSid"))
        ctx.attrs["group_change"] = "added" if ctx.rec.event_id in (4728, 4732, 4756) else "removed"
    return "permission_change"


def _log_cleared(ctx: Ctx) -> str:
    who(ctx, "Subject")
    ctx.put("object", kind="log", name=ctx.d("Channel") or ctx.rec.channel or None)
    return "log_cleared"


# --- services, Sysmon, printing -----------------------------------------------------------------


def _service_7045(ctx: Ctx) -> str:
    ctx.put("actor", host=ctx.rec.computer, sid=ctx.rec.user_sid)
    ctx.put("object", kind="service", name=ctx.d("ServiceName"), path=ctx.d("ImagePath"))
    return "install"


def _sysmon(ctx: Ctx) -> str:
    """Sysmon 1 process create, 11 file create, 23/26 file delete."""
    eid = ctx.rec.event_id
    user_text, parent, image, target, hashes, command = texts(ctx.rec.data, _SYSMON_FIELDS)
    domain, _, user = (user_text or "").rpartition("\\")
    ctx.put(
        "actor",
        user=user or None,
        domain=domain or None,
        sid=ctx.rec.user_sid,
        host=ctx.rec.computer,
        process=parent if eid == 1 else image,
    )
    found = {k.lower(): v.lower() for k, v in _HASH.findall(hashes or "")}
    path = image if eid == 1 else target
    ctx.put("object", kind="process" if eid == 1 else "file", path=path, **found)
    if eid == 1 and command:
        ctx.attrs["command_line"] = command
    return {1: "execute", 11: "create"}.get(eid, "delete")


_SYSMON_FIELDS = ("User", "ParentImage", "Image", "TargetFilename", "Hashes", "CommandLine")


def _print_307(ctx: Ctx) -> str:
    """PrintService 307: Param1 job, 2 document, 3 user, 4 client, 5 printer, 6 port,
    7 size in bytes, 8 pages."""
    size = ctx.d("Param7")
    ctx.put(
        "actor",
        user=ctx.d("Param3"),
        host=ctx.d("Param4") or ctx.rec.computer,
        sid=ctx.rec.user_sid,
    )
    ctx.put(
        "object",
        kind="document",
        name=ctx.d("Param2"),
        size=int(size) if size and size.isdigit() and int(size) < 2**53 else None,
    )
    for key, name in (
        ("Param5", "printer"),
        ("Param6", "port"),
        ("Param8", "pages"),
        ("Param1", "job_id"),
    ):
        if value := ctx.d(key):
            ctx.attrs[name] = value
    return "print"


Handler = Callable[[Ctx], str]
HANDLERS: dict[tuple[str, int], Handler] = {
    **{("security", e): _object_access for e in (4656, 4663)},
    ("security", 4660): _object_deleted,
    ("security", 4658): _handle_closed,
    **{("security", e): _share for e in (5140, 5145)},
    **{("security", e): _logon for e in (4624, 4625, 4634, 4647)},
    ("security", 4688): _execute_4688,
    **{("security", e): _permission for e in (4670, 4728, 4729, 4732, 4733, 4756, 4757)},
    ("eventlog", 1102): _log_cleared,
    ("eventlog", 104): _log_cleared,
    ("scm", 7045): _service_7045,
    **{("sysmon", e): _sysmon for e in (1, 11, 23, 26)},
    ("printservice", 307): _print_307,
}
