"""The row function made from a plan builds the content that applying the plan step by
step builds (the reference below is the interpretation the builder replaced: constants,
plain column copies group by group, then mapped and converted values, in plan order)."""

from __future__ import annotations

from hashlib import sha256
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.events.jptime import TimeParser
from evidencekit.parsers.logevent import place_time, put
from evidencekit.parsers.profile import profile_from_dict
from evidencekit.parsers.rowbuild import time_fields, time_placer
from evidencekit.parsers.tabular import _KIND, Plan


def _reference(plan: Plan, source: str, f: list[str], line: int, offset: int, raw: bytes, n: int):  # type: ignore[no-untyped-def]
    p = plan.profile
    action, kind = p.action_default, p.kind
    if plan.action_idx is not None:
        cell = f[plan.action_idx]
        action = p.action_map.get(cell, p.action_default)
        if p.kind_from_action and cell and plan_kind_ok(f"{p.kind}.{cell}"):
            kind = f"{p.kind}.{cell}"
    content: dict[str, Any] = {
        "source": source,
        "kind": kind,
        "time_role": p.time_role,
        "action": action,
        "locator": {"record": str(n), "line": line, "offset": str(offset), "length": len(raw)},
        "raw_sha256": sha256(raw).hexdigest(),
    }
    for target, constant in p.constants.items():
        put(content, target, constant)
    for group, idx, key in plan.singles:
        if f[idx]:
            content.setdefault(group, {})[key] = f[idx]
    for group, pairs in plan.groups:
        sub = {key: f[idx] for idx, key in pairs if f[idx]}
        if sub:
            content.setdefault(group, {}).update(sub)
    for idx, group, key, vmap, convert in plan.special:
        value: Any = f[idx]
        if not value:
            continue
        if vmap is not None:
            value = vmap.get(value, value)
        if convert is not None:
            converted = convert(value)
            if converted is None:
                put(content, f"attributes.{group}.{key}", value)
                continue
            value = converted
        content.setdefault(group, {})[key] = value
    return content


def plan_kind_ok(kind: str) -> bool:
    return _KIND.match(kind) is not None


_NAMES = ["日時", "user", "host", "op", "path", "size", "drive", "md5", "object.size", "x", "x"]
_TARGETS = [
    "actor.user",
    "actor.host",
    "object.path",
    "object.size",
    "object.md5",
    "device.drive_type",
    "target.path",
    "attributes.object.size",
    "attributes.x",
    "attributes.note",
]
_VALUES = [
    "",
    "a",
    "1024",
    "1,024 B",
    "12²",
    "removable",
    "リムーバブル",
    "D41D8CD98F00B204E9800998ECF8427E",
    "copy",
    "謎",
    "x",
]


@st.composite
def _case(draw: st.DrawFn) -> tuple[Plan, list[list[str]]]:
    header = ["日時", *draw(st.lists(st.sampled_from(_NAMES[1:]), min_size=1, max_size=8))]
    fields = draw(st.dictionaries(st.sampled_from(_TARGETS), st.sampled_from(header), max_size=6))
    values: dict[str, dict[str, str]] = {}
    if fields:
        values = draw(
            st.dictionaries(
                st.sampled_from(sorted(fields)),
                st.dictionaries(st.sampled_from(_VALUES), st.sampled_from(_VALUES), max_size=3),
                max_size=2,
            )
        )
    constants = draw(
        st.dictionaries(
            st.sampled_from(
                [
                    "kind",
                    "time_role",
                    "actor.domain",
                    "attributes.x",
                    "attributes.note",
                    "object.kind",
                ]
            ),
            st.sampled_from(["c1", "c2", "oplog.z"]),
            max_size=3,
        )
    )
    data: dict[str, Any] = {
        "kind": "oplog",
        "time": {"column": "日時"},
        "fields": fields,
        "values": values,
        "constants": constants,
        "attributes": draw(
            st.dictionaries(
                st.sampled_from(header), st.sampled_from(["x", "y", "object.size"]), max_size=2
            )
        ),
        "ignore": draw(st.lists(st.sampled_from(header), max_size=2)),
    }
    if draw(st.booleans()):
        data["action"] = {
            "column": draw(st.sampled_from(header)),
            "map": {"copy": "copy", "謎": "print"},
            "kind_from_action": draw(st.booleans()),
        }
    plan = Plan(profile_from_dict(data, "hypothesis"), header)
    rows = draw(
        st.lists(
            st.lists(st.sampled_from(_VALUES), min_size=len(header), max_size=len(header)),
            min_size=1,
            max_size=12,
        )
    )
    return plan, rows


@settings(max_examples=300, deadline=None)
@given(_case())
def test_builder_equals_step_by_step_reference(case: tuple[Plan, list[list[str]]]) -> None:
    plan, rows = case
    for n, f in enumerate(rows, 1):
        raw = ",".join(f).encode()
        expected = _reference(plan, "s" * 16, f, n + 1, 10 * n, raw, n)
        digest = sha256(raw).hexdigest()
        assert plan.build("s" * 16, f, n + 1, 10 * n, raw, n, digest) == expected
        assert plan.row_content("s" * 16, f, n + 1, 10 * n, raw, n) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "2024/04/01 9:05:03",
                "2024/04/01 9:05:59",
                "2024/04/01 9:06:00",
                "2024/04/01 9:05:0３",
                "2024/04/01",
                "令和6年4月1日 9時5分3秒",
                "2024/04/01 9:05",
                "2024/04/01 9時",
                "2024-04-01T09:05:03.5+09:00",
                "2024/03/10 2:30:00",
                "",
                "garbage",
            ]
        ),
        max_size=30,
    ),
    st.sampled_from(["Asia/Tokyo", "America/New_York"]),
)
def test_time_placer_gives_place_time_keys(texts: list[str], zone: str) -> None:
    """From the minute cache or not, the keys equal what place_time sets (None: the
    careful path)."""
    place = time_placer(TimeParser(("ymd", "jp"), zone))
    reference = TimeParser(("ymd", "jp"), zone)
    for text in texts:
        got = place(text)
        try:
            parsed = reference.parse(text) if text else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.date_only:
            assert got is None
            continue
        expected: dict[str, Any] = {}
        place_time(expected, parsed, text)
        assert got == expected
        assert time_fields(reference, text) == expected
