"""Event content of a plain CSV row, by a function made once per file from its mapping.

:class:`~evidencekit.parsers.tabular.Plan` says which column goes where; :func:`row_builder`
turns that into one function that builds each row's content dict with no per-row reading
of the plan (the same dicts as applying the plan step by step: constants, plain column
copies, then mapped and converted values; ``tests/parsers/test_rowbuild.py`` holds them
equal). :func:`time_fields` gives the time keys of a row, to be cached per time text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evidencekit.events.jptime import TimeParser
from evidencekit.events.time import TimeError
from evidencekit.parsers.base import EventContent
from evidencekit.parsers.logevent import put

Converter = Callable[[str], Any]
Resolver = Callable[[str], tuple[str, str, Any]]
Mapped = tuple[
    int, dict[str, tuple[str, str, Any]] | None, Resolver | None, Converter | None, str, str, str
]
"""A mapped column: index, then either its value cache and resolver (a value map) or its
converter, group, key and the attribute key a refused value is kept under."""
Special = tuple[int, str, str, dict[str, str] | None, Converter | None]
RowBuilder = Callable[[str, list[str], int, int, bytes, int, str], EventContent]
"""``(source, fields, line, offset, raw, number, raw_sha256) -> content`` (time not yet
placed)."""
_CACHE_LIMIT = 1 << 12  # distinct values remembered per column (action, mapped values)


def time_placer(times: TimeParser) -> Callable[[str], dict[str, str] | None]:
    """The time keys of a row's time text (see :func:`time_fields`). Nothing is kept per
    text here: a second of a known minute is placed from the parser's minute cache at
    less cost than remembering it (thousands of long-lived dicts also slow the garbage
    collector), other forms come from the parser's own text cache; callers reuse the
    keys of a row whose text equals the row before."""
    minutes, zone = times.minutes_placed, times.zone

    def place(text: str) -> dict[str, str] | None:
        # TimeParser.whole_second written out (the usual case: a second of a known minute)
        if text[-3:-2] == ":" and "0" <= text[-2] <= "5" and "0" <= text[-1] <= "9":
            hit = minutes.get(text[:-2])
            if hit is not None:
                return {
                    "time": f"{hit[0]}{text[-2:]}.000000000Z",
                    "time_original": text,
                    "time_offset": hit[1],
                    "time_zone": zone,
                    "time_precision": "1s",
                }
        return time_fields(times, text)

    return place


def time_fields(times: TimeParser, text: str) -> dict[str, str] | None:
    """The keys :func:`~evidencekit.parsers.logevent.place_time` sets for ``text``, or None
    when ``text`` is empty, cannot be placed, or is a date alone (which adds a flag)."""
    if not text:
        return None
    try:
        parsed = times.parse(text)
    except TimeError:
        return None
    if parsed.date_only:
        return None
    out = {"time": parsed.time, "time_original": text, "time_offset": parsed.offset}
    if parsed.zone is not None:
        out["time_zone"] = parsed.zone
    if parsed.precision != "unknown":
        out["time_precision"] = parsed.precision
    return out


def _resolver(
    group: str, key: str, vmap: dict[str, str] | None, convert: Converter | None
) -> Callable[[str], tuple[str, str, Any]]:
    """Where a mapped or converted value goes: ``(group, key, value)``; a value the
    converter refuses is kept as found under ``attributes."group.key"``."""

    def resolve(value: str) -> tuple[str, str, Any]:
        if vmap is not None:
            value = vmap.get(value, value)
        if convert is None:
            return group, key, value
        converted = convert(value)
        if converted is None:
            return "attributes", f"{group}.{key}", value
        return group, key, converted

    return resolve


def row_builder(
    kind: str,
    role: str,
    action_default: str,
    action_of: Callable[[str], tuple[str, str]] | None,
    action_idx: int | None,
    constants: dict[str, str],
    singles: list[tuple[str, int, str]],
    groups: list[tuple[str, list[tuple[int, str]]]],
    special: list[Special],
) -> RowBuilder:
    """The row function for a plan: ``action_of`` maps the cell in column ``action_idx``
    to (action, kind); without it every row has ``action_default`` and ``kind``."""
    preset: EventContent = {}
    for target, constant in constants.items():
        put(preset, target, constant)
    top = {k: v for k, v in preset.items() if type(v) is not dict}
    sub = [(g, v) for g, v in preset.items() if type(v) is dict]
    # The first column of a group no constant opened starts the group's dict; the others
    # add to theirs in plan order (a later column of the same key wins).
    fresh: list[tuple[str, int, str]] = []
    plain: list[tuple[str, int, str]] = []
    for g, i, k in [*singles, *((g, i, k) for g, pairs in groups for i, k in pairs)]:
        opened = g in preset or any(g == other for other, _, _ in [*fresh, *plain])
        (plain if opened else fresh).append((g, i, k))
    # Mapped values (few distinct ones) are remembered; a converter alone is just called.
    mapped: list[Mapped] = [
        (i, {}, _resolver(g, k, vmap, conv), None, g, k, "")
        if vmap is not None
        else (i, None, None, conv, g, k, f"{g}.{k}")
        for i, g, k, vmap, conv in special
    ]
    actions: dict[str, tuple[str, str]] = {}
    default = (action_default, kind)
    idx = action_idx if action_of is not None and action_idx is not None else -1

    def build(
        source: str, f: list[str], line: int, offset: int, raw: bytes, number: int, digest: str
    ) -> EventContent:
        if idx < 0:
            act, knd = default
        else:
            cell = f[idx]
            hit = actions.get(cell)
            if hit is None:
                hit = _remember(actions, cell, action_of(cell))  # type: ignore[misc]
            act, knd = hit
        content: EventContent = {
            "source": source,
            "kind": knd,
            "time_role": role,
            "action": act,
            "locator": {
                "record": str(number),
                "line": line,
                "offset": str(offset),
                "length": len(raw),
            },
            "raw_sha256": digest,
        }
        if preset:
            content.update(top)
            for group, values in sub:
                content[group] = values.copy()
        for group, i, key in fresh:
            value = f[i]
            if value:
                content[group] = {key: value}
        for group, i, key in plain:
            value = f[i]
            if value:
                have = content.get(group)
                if have is None:
                    content[group] = {key: value}
                else:
                    have[key] = value
        for i, seen, resolve, convert, group, key, kept in mapped:
            value = f[i]
            if value:
                if convert is not None:  # a converter alone: a refused value is kept as found
                    converted = convert(value)
                    if converted is None:
                        group, key = "attributes", kept
                    else:
                        value = converted
                else:
                    done = seen.get(value)  # type: ignore[union-attr]
                    if done is None:
                        done = _remember(seen, value, resolve(value))  # type: ignore[arg-type,misc]
                    group, key, value = done
                have = content.get(group)
                if have is None:
                    content[group] = {key: value}
                else:
                    have[key] = value
        return content

    return build


def _remember(seen: dict[str, Any], key: str, value: Any) -> Any:
    """Keep ``value`` for ``key`` in a cache of at most ``_CACHE_LIMIT`` entries."""
    if len(seen) >= _CACHE_LIMIT:
        seen.clear()
    seen[key] = value
    return value
