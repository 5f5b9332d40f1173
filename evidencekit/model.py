"""Public data types: sources, timeline events and parse issues.

All models are frozen pydantic v2 models. Their JSON form is the canonical public
format (RFC 8785 when serialised with :func:`evidencekit.timeline.canonical.dumps`).

Constraints that keep the canonical form exact and portable:

* no floating-point numbers anywhere (keep the original text as a string);
* integers stay within +-(2**53 - 1); larger values (FILETIMEs, MFT references,
  USNs, byte offsets of huge images) are decimal strings;
* strings are valid Unicode (no lone surrogates);
* times are fixed-width UTC strings with nine fractional digits, so text order is
  time order: ``2024-03-23T13:00:00.000000000Z``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from evidencekit.errors import ModelError

MAX_SAFE_INT = 2**53 - 1
TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$"
HEX32 = r"^[0-9a-f]{32}$"
HEX64 = r"^[0-9a-f]{64}$"
DIGITS = r"^(0|[1-9][0-9]*)$"
KIND = r"^[A-Za-z0-9_.:/-]{1,120}$"
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")


class Action(StrEnum):
    """What happened, from a closed vocabulary shared by every parser and rule."""

    ACCESS = "access"
    READ = "read"
    OPEN = "open"
    CREATE = "create"
    MODIFY = "modify"
    METADATA_CHANGE = "metadata_change"
    COPY = "copy"
    MOVE = "move"
    RENAME = "rename"
    DELETE = "delete"
    WIPE = "wipe"
    UPLOAD = "upload"
    DOWNLOAD = "download"
    SEND = "send"
    RECEIVE = "receive"
    SHARE = "share"
    PRINT = "print"
    DEVICE_CONNECT = "device_connect"
    DEVICE_DISCONNECT = "device_disconnect"
    LOGON = "logon"
    LOGOFF = "logoff"
    LOGON_FAILED = "logon_failed"
    ACCESS_DENIED = "access_denied"
    PERMISSION_CHANGE = "permission_change"
    EXECUTE = "execute"
    INSTALL = "install"
    LOG_CLEARED = "log_cleared"
    VISIT = "visit"
    BADGE_IN = "badge_in"
    BADGE_OUT = "badge_out"
    HR_EVENT = "hr_event"
    OTHER = "other"


class TimePrecision(StrEnum):
    """The resolution of the clock that wrote a time (not of its text form)."""

    NS = "1ns"
    NS100 = "100ns"
    US = "1us"
    MS = "1ms"
    S = "1s"
    S2 = "2s"
    MIN = "1min"
    DAY = "1d"
    UNKNOWN = "unknown"


def _check_json(value: Any, path: str) -> Any:
    """Reject JSON values that cannot be carried exactly by the canonical form."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            raise ValueError(f"{path}: integer beyond 2^53; store it as a decimal string")
        return value
    if isinstance(value, float):
        raise ValueError(f"{path}: floating-point values are not allowed; keep the text")
    if isinstance(value, str):
        _check_text(value, path)
        return value
    if isinstance(value, list | tuple):
        return [_check_json(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or not ATTRIBUTE_KEY.match(k):
                raise ValueError(f"{path}: key {k!r} must match {ATTRIBUTE_KEY.pattern}")
            out[k] = _check_json(v, f"{path}.{k}")
        return out
    raise ValueError(f"{path}: unsupported type {type(value).__name__}")


def _check_text(value: str, path: str = "value") -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{path}: not valid Unicode (lone surrogate at {exc.start})") from exc
    return value


Text = Annotated[str, AfterValidator(_check_text)]
JsonMap = Annotated[dict[str, Any], AfterValidator(lambda v: _check_json(v, "attributes"))]
Digits = Annotated[str, Field(pattern=DIGITS, max_length=40)]
Sha256 = Annotated[str, Field(pattern=HEX64)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Locator(_Frozen):
    """The exact place of a record inside its source.

    Disk images: ``partition`` + ``inode`` (inode or MFT entry) + ``sequence`` +
    ``attribute``. Files and logs: ``path`` (file inside the source, if any) +
    ``record`` / ``line`` + ``offset`` (byte offset) + ``length``.
    """

    partition: int | None = Field(default=None, ge=0, le=MAX_SAFE_INT)
    inode: Digits | None = None
    sequence: int | None = Field(default=None, ge=0, le=MAX_SAFE_INT)
    attribute: Text | None = None
    path: Text | None = None
    record: Digits | None = None
    line: int | None = Field(default=None, ge=1, le=MAX_SAFE_INT)
    offset: Digits | None = None
    length: int | None = Field(default=None, ge=0, le=MAX_SAFE_INT)


class Actor(_Frozen):
    """Who acted, as the record names them (identity resolution happens in analysis)."""

    user: Text | None = None
    domain: Text | None = None
    sid: Text | None = None
    email: Text | None = None
    host: Text | None = None
    ip: Text | None = None
    process: Text | None = None


class ObjectRef(_Frozen):
    """What was acted on: a file, folder, URL, message or account."""

    kind: Text | None = None
    path: Text | None = None
    name: Text | None = None
    url: Text | None = None
    size: int | None = Field(default=None, ge=0, le=MAX_SAFE_INT)
    md5: Annotated[str, Field(pattern=HEX32)] | None = None
    sha1: Annotated[str, Field(pattern=r"^[0-9a-f]{40}$")] | None = None
    sha256: Sha256 | None = None
    mime: Text | None = None


class Device(_Frozen):
    """A storage or other device involved in the event."""

    drive_type: (
        Literal["removable", "fixed", "network", "optical", "mtp", "ram", "unknown"] | None
    ) = None
    usb_serial: Text | None = None
    volume_serial: Text | None = None
    volume_guid: Text | None = None
    drive_letter: Text | None = None
    label: Text | None = None
    vendor: Text | None = None
    product: Text | None = None


class Event(_Frozen):
    """One timeline event: one timestamp role of one record.

    ``id`` and ``salt`` are keyed (HMAC under the case secret) and assigned by
    :class:`evidencekit.events.keys.EventKeyer`; parsers leave them empty.
    """

    id: Annotated[str, Field(pattern=HEX32)] | None = None
    salt: Annotated[str, Field(pattern=HEX32)] | None = None
    time: Annotated[str, Field(pattern=TIME_PATTERN)] | None = None
    time_precision: TimePrecision = TimePrecision.UNKNOWN
    time_original: Text | None = None
    time_offset: (
        Annotated[str, Field(pattern=r"^(Z|[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?)$")] | None
    ) = None
    time_zone: Text | None = None
    time_role: Annotated[str, Field(pattern=KIND)]
    action: Action
    kind: Annotated[str, Field(pattern=KIND)]
    actor: Actor | None = None
    object: ObjectRef | None = None
    target: ObjectRef | None = None
    device: Device | None = None
    source: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    locator: Locator
    raw_sha256: Sha256 | None = None
    flags: tuple[Annotated[str, Field(pattern=KIND)], ...] = ()
    attributes: JsonMap = Field(default_factory=dict)

    def content(self) -> dict[str, Any]:
        """The keyed content: every field except ``id`` and ``salt``; fields that are unset
        or at their default are left out, so the canonical form stays compact."""
        return self.model_dump(
            mode="json", exclude={"id", "salt"}, exclude_none=True, exclude_defaults=True
        )

    def canonical_dict(self) -> dict[str, Any]:
        """The event as it stands in a timeline line (content plus ``id`` and ``salt``)."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


class Source(_Frozen):
    """One piece of evidence (an image, a log export, a loose artifact) and its hashes."""

    id: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    kind: Annotated[str, Field(pattern=KIND)]
    format: Annotated[str, Field(pattern=KIND)]
    name: Text
    path: Text
    size: int = Field(ge=0, le=MAX_SAFE_INT)
    md5: Annotated[str, Field(pattern=HEX32)]
    sha1: Annotated[str, Field(pattern=r"^[0-9a-f]{40}$")]
    sha256: Sha256
    sha256_after: Sha256 | None = None
    segments: tuple[dict[str, Any], ...] = ()
    parser: Annotated[str, Field(pattern=KIND)]
    parser_version: Text
    time_zone: Text | None = None
    parameters: JsonMap = Field(default_factory=dict)
    acquisition: JsonMap = Field(default_factory=dict)
    records_read: int = Field(default=0, ge=0)
    records_failed: int = Field(default=0, ge=0)
    events: int = Field(default=0, ge=0)


class ParseIssue(_Frozen):
    """Something that could not be read, where it is, and why."""

    source: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    locator: Locator
    parser: Annotated[str, Field(pattern=KIND)]
    parser_version: Text
    code: Annotated[str, Field(pattern=KIND)]
    message: Text
    severity: Literal["info", "warning", "error"] = "warning"
    raw_sha256: Sha256 | None = None
    records_lost: int | None = Field(default=None, ge=0)

    def canonical_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], data: Any) -> M:
    """Validate ``data`` as ``model``, raising :class:`ModelError` that names the field.

    Accepts JSON-mode data (strings for enums), so it can read back what was written.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or model.__name__
        raise ModelError(where, first["msg"]) from exc
