"""Declarative mapping profiles: how the columns of a CSV/TSV export become events.

A profile is a TOML or YAML file (layout in ``docs/log-formats.md``; shipped profiles in
``evidencekit/parsers/profiles/``, a documented example in ``examples/profiles/``)::

    name = "operation_log"
    kind = "oplog"                      # event kind (plus ".<action value>" if ASCII)
    encoding = "auto"                   # utf-8, utf-16, cp932, euc_jp or auto
    delimiter = "auto"
    time_zone = "Asia/Tokyo"            # zone of local times (overridable with --tz)
    detect = ["日時", "操作"]            # header columns that identify the format (auto)

    [time]
    column = "日時"                     # or columns = ["日付", "時刻"] (joined by a space)
    formats = ["ymd", "jp"]

    [action]
    column = "操作"
    default = "other"
    map = { "ファイルコピー" = "copy", "印刷" = "print" }

    [fields]                            # event field = column
    "actor.user" = "ユーザー名"

    [values."device.drive_type"]        # column value -> field value
    "リムーバブル" = "removable"

    [constants]                         # event field = fixed value
    "attributes.product" = "ExampleGuard"

    [attributes]                        # column -> attribute key (other columns are
    "送信先" = "destination"             # kept as their ASCII name or col_<n>)

``ignore = ["AuditData"]`` leaves columns out of the attributes (a format module reads
them; the raw-record hash still covers their bytes).

Every problem in a profile is reported at once (:class:`ProfileError`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from evidencekit.errors import EvidenceKitError
from evidencekit.events.jptime import DEFAULT_ZONE, TimeParser
from evidencekit.model import ATTRIBUTE_KEY, KIND, Action

_GROUPS = {
    "actor": {"user", "domain", "sid", "email", "host", "ip", "process"},
    "object": {"kind", "path", "name", "url", "size", "md5", "sha1", "sha256", "mime"},
    "target": {"kind", "path", "name", "url", "size", "md5", "sha1", "sha256", "mime"},
    "device": {
        "drive_type",
        "usb_serial",
        "volume_serial",
        "volume_guid",
        "drive_letter",
        "label",
        "vendor",
        "product",
    },
}
_KIND = re.compile(KIND)
MAX_PROFILE_BYTES = 1 << 20
MAX_YAML_DEPTH = 32


class ProfileError(EvidenceKitError):
    """A mapping profile that cannot be used; ``problems`` lists every fault found."""

    def __init__(self, where: str, problems: list[str]) -> None:
        super().__init__(f"mapping profile {where}: " + "; ".join(problems))
        self.problems = problems

    def diagnostics(self) -> str:
        return "\n".join(f"profile error: {p}" for p in self.problems)


@dataclass(frozen=True)
class Profile:
    """A validated mapping profile."""

    name: str
    kind: str
    description: str = ""
    encoding: str = "auto"
    delimiter: str = "auto"
    skip_lines: int = 0
    columns: tuple[str, ...] = ()
    detect: tuple[str, ...] = ()
    time_zone: str = DEFAULT_ZONE
    utc: bool = False
    time_columns: tuple[str, ...] = ()
    time_formats: tuple[str, ...] = ("auto",)
    time_role: str = "logged"
    action_column: str | None = None
    action_map: dict[str, str] = field(default_factory=dict)
    action_default: str = "other"
    kind_from_action: bool = False
    fields: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    source: str = ""

    def time_parser(self, zone: str | None) -> TimeParser:
        """A time parser for this profile (``zone`` overrides the profile's zone)."""
        return TimeParser(self.time_formats, zone or self.time_zone, self.utc)


def load_profile(path: Path) -> Profile:
    """Read and validate a profile file: TOML, or YAML for ``.yaml`` / ``.yml`` (same
    layout; read with ``safe_load`` only, no tags, anchors or aliases)."""
    if path.stat().st_size > MAX_PROFILE_BYTES:
        raise ProfileError(str(path), ["larger than 1 MiB; not a mapping profile"])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(str(path), [f"not valid UTF-8: {exc}"]) from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        data = _yaml_data(text, str(path))
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError(str(path), [f"not valid UTF-8 TOML: {exc}"]) from exc
        except RecursionError as exc:  # tomllib recurses per nested array or inline table
            raise ProfileError(str(path), ["TOML nested too deeply"]) from exc
    return profile_from_dict(data, str(path))


def _yaml_data(text: str, where: str) -> dict[str, Any]:
    """A YAML profile as plain data. Refused: explicit tags, anchors and aliases (an alias
    tree can expand to billions of nodes), keys that YAML reads as other than text
    (``on``, ``yes``, ``1``: quote them) and a document that is not a mapping."""
    try:
        _check_events(text, where)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(where, [f"not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise ProfileError(where, ["a YAML profile must be a mapping"])
    problems = [
        f"key {k!r} is not text (quote it in YAML)" for k in _keys(data) if type(k) is not str
    ]
    if problems:
        raise ProfileError(where, problems)
    return data


def _check_events(text: str, where: str) -> None:
    """Refuse what ``safe_load`` would accept but a profile must not hold: anchors,
    aliases, explicit tags, merge keys (``<<``) and nesting deeper than
    ``MAX_YAML_DEPTH`` (the composer recurses once per level: ``[[[[...`` in 1 MiB
    exhausts Python's stack and takes minutes)."""
    stack: list[list[int]] = []  # per open collection: [is_mapping, items seen]
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ProfileError(where, ["YAML anchors and aliases are not allowed"])
        if getattr(event, "tag", None) is not None:  # only tags written in the text
            raise ProfileError(where, [f"YAML tag {event.tag} is not allowed"])
        if isinstance(event, yaml.CollectionEndEvent):
            stack.pop()
        if not isinstance(event, yaml.NodeEvent):
            continue
        if stack and stack[-1][0] and stack[-1][1] % 2 == 0 and _is_merge_key(event):
            raise ProfileError(where, ["YAML merge keys (<<) are not allowed"])
        if stack:
            stack[-1][1] += 1
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_YAML_DEPTH:
                raise ProfileError(where, [f"YAML nested deeper than {MAX_YAML_DEPTH} levels"])
            stack.append([int(isinstance(event, yaml.MappingStartEvent)), 0])


def _is_merge_key(event: Any) -> bool:
    return isinstance(event, yaml.ScalarEvent) and event.value == "<<" and event.style is None


def _keys(value: Any) -> Iterator[Any]:
    """Every mapping key in ``value`` (a tree: no aliases)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def builtin_profile(name: str) -> Profile:
    """A profile shipped in ``evidencekit/parsers/profiles/<name>.toml``."""
    text = (
        resources.files("evidencekit.parsers")
        .joinpath("profiles", f"{name}.toml")
        .read_text(encoding="utf-8")
    )
    return profile_from_dict(tomllib.loads(text), f"builtin:{name}")


def profile_from_dict(data: dict[str, Any], where: str) -> Profile:
    """Validate profile data, collecting every problem before raising."""
    problems: list[str] = []
    time = _table(data, "time", problems)
    action = _table(data, "action", problems)
    maps = _mappings(data, action, problems)
    kind = str(data.get("kind", ""))
    if not _KIND.match(kind):
        problems.append(f"kind {kind!r} must match {KIND}")
    time_columns, formats = _time(data, time, problems)
    delimiter = str(data.get("delimiter", "auto"))
    if delimiter != "auto" and len(delimiter) != 1:
        problems.append(f"delimiter {delimiter!r} must be one character or 'auto'")
    skip_lines = data.get("skip_lines", 0)
    if not isinstance(skip_lines, int) or skip_lines < 0:
        problems.append("skip_lines must be a whole number")
    if problems:
        raise ProfileError(where, problems)
    return Profile(
        name=str(data.get("name", Path(where).stem)),
        kind=kind,
        description=str(data.get("description", "")),
        encoding=str(data.get("encoding", "auto")),
        delimiter=delimiter,
        skip_lines=skip_lines,
        columns=tuple(str(c) for c in data.get("columns", ())),
        detect=tuple(str(c) for c in data.get("detect", ())),
        time_zone=str(data.get("time_zone", DEFAULT_ZONE)),
        utc=bool(data.get("utc", False)),
        time_columns=time_columns,
        time_formats=formats,
        time_role=str(time.get("role", "logged")),
        action_column=action.get("column"),
        action_default=str(action.get("default", "other")),
        kind_from_action=bool(action.get("kind_from_action", False)),
        ignore=tuple(str(c) for c in data.get("ignore", ())),
        source=where,
        **maps,
    )


def _mappings(data: dict[str, Any], action: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """Fields, value maps, constants, attribute names and the action map, checked."""
    fields = _strings(data.get("fields", {}), "fields", problems)
    values = {
        k: _strings(v, f"values.{k}", problems) for k, v in _table(data, "values", problems).items()
    }
    constants = _strings(data.get("constants", {}), "constants", problems)
    for target in [*fields, *values, *constants]:
        _check_target(target, problems)
    action_map = _strings(action.get("map", {}), "action.map", problems)
    known = sorted(a.value for a in Action)
    problems.extend(
        f"action {value!r} is not one of {known}"
        for value in [*action_map.values(), action.get("default", "other")]
        if value not in known
    )
    attributes = _strings(data.get("attributes", {}), "attributes", problems)
    problems.extend(
        f"attribute key {key!r} must match {ATTRIBUTE_KEY.pattern}"
        for key in attributes.values()
        if not ATTRIBUTE_KEY.match(key)
    )
    return {
        "fields": fields,
        "values": values,
        "constants": constants,
        "action_map": action_map,
        "attributes": attributes,
    }


def _time(
    data: dict[str, Any], time: dict[str, Any], problems: list[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Time columns and formats, checked (formats and zone by building a parser)."""
    columns = time.get("columns") or ([time["column"]] if "column" in time else [])
    if not columns:
        problems.append("time.column (or time.columns) is required")
    formats = tuple(str(f) for f in time.get("formats", ["auto"]))
    try:
        TimeParser(formats, str(data.get("time_zone", DEFAULT_ZONE)), bool(data.get("utc")))
    except ValueError as exc:  # unknown format or unknown zone
        problems.append(f"time: {exc}")
    role = str(time.get("role", "logged"))
    if not _KIND.match(role):
        problems.append(f"time.role {role!r} must match {KIND}")
    return tuple(str(c) for c in columns), formats


def _table(data: dict[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"{key} must be a table")
        return {}
    return value


def _strings(value: Any, where: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        problems.append(f"{where} must map names to strings")
        return {}
    return {str(k): v for k, v in value.items()}


def _check_target(target: str, problems: list[str]) -> None:
    group, _, name = target.partition(".")
    if group == "attributes":
        if not ATTRIBUTE_KEY.match(name):
            problems.append(
                f"attribute key {name!r} in {target!r} must match {ATTRIBUTE_KEY.pattern}"
            )
    elif group in _GROUPS:
        if name not in _GROUPS[group]:
            problems.append(f"unknown field {target!r} (known: {sorted(_GROUPS[group])})")
    elif target not in ("kind", "time_role"):
        problems.append(f"unknown target {target!r}")
