"""The streaming pass over a sealed timeline: each line is hashed (the file must match the
sealed head) and routed by its action, read from the line's canonical bytes, to the rules
that observe it; only lines some rule wants are parsed. Also the HR pre-pass (R01 windows
must be known before any rule observes an event)."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from evidencekit.analysis.config import AnalysisError
from evidencekit.analysis.context import Context, ref
from evidencekit.analysis.hr import HrFact, normalise_type
from evidencekit.analysis.rules import Rule


@dataclass
class StreamStats:
    read: int = 0
    undated: int = 0
    unattributed: int = 0


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the pass (reference counting still frees
    each event as soon as the rules are done with it).

    The pass allocates a few containers per event while the rules' state keeps growing,
    so the collector's full collections walk that whole state again and again (about
    15 % of the CPU over 1M events). The pass and the rules' ``finish`` create no
    reference cycles (``tests/analysis/test_stream_gc.py``), so nothing waits for the
    collector; it is enabled again afterwards if it was enabled before.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def dispatch_table(instances: list[Rule], service: bool = False) -> dict[str, tuple[Any, ...]]:
    """Action -> the ``observe`` methods of the active rules that want it (registry order).

    With ``service``, the table for service-account events: rules that ignore those
    (:attr:`Rule.skips_service`, or :attr:`Rule.service_skips` naming the action) are left
    out, every action keeps its entry.
    """
    tables = dispatch_tables(instances)
    return {
        a.decode(): t[_SERVICE | _HR | _OFF if service else _HR | _OFF] for a, t in tables.items()
    }


# Event variants of the dispatch: bits of what the rules' declarations depend on.
_NOBODY, _SERVICE, _HR, _OFF = 1, 2, 4, 8


def _wants(rule: Rule, variant: int, action: str) -> bool:
    """Whether ``rule.observe`` can have an effect on an event of this variant and action
    (its declarations :attr:`Rule.skips_service`, ``service_skips``, ``person_only``,
    ``hr_only``, ``off_hours_only``)."""
    return not (
        (variant & _SERVICE and (rule.skips_service or action in rule.service_skips))
        or (variant & _NOBODY and rule.person_only)
        or (not variant & _HR and rule.hr_only)
        or (not variant & _OFF and rule.off_hours_only)
    )


def dispatch_tables(instances: list[Rule]) -> dict[bytes, tuple[tuple[Any, ...], ...]]:
    """Action (as the bytes of the timeline line) -> 16 handler tuples, one per variant
    (bit 1 no person, 2 service account, 4 person with HR facts, 8 off-hours local time).

    Only actions some active rule observes are keys: lines with any other action are not
    parsed at all. Each tuple keeps registry order.
    """
    active = [rule for rule in instances if rule.active()]
    actions = sorted({a for rule in active for a in rule.actions})
    return {
        a.encode(): tuple(
            tuple(r.observe for r in active if a in r.actions and _wants(r, v, a))
            for v in range(16)
        )
        for a in actions
    }


_PREFIX = b'{"event":{"action":"'  # canonical lines: "action" is the event's first key
_KIND = b',"kind":"'  # the last one in a line is the event's (object kinds open their dict)


def stream(ctx: Context, path: Path, expected_sha256: str, instances: list[Rule]) -> StreamStats:
    """One pass over ``timeline.jsonl``; refuses a file that differs from its sealed head.

    The action is read from the line's bytes (canonical JSON: it is the event's first
    key), so lines no rule observes are hashed and counted by kind but never parsed.
    The hot loop keeps its own small caches: actor -> (person, attribution, variant bits)
    and UTC hour (minute, in a zone whose offset is not whole hours) -> (local time,
    off-hours bit) (pure functions of their keys for the whole run), so most events cost
    a few dict look-ups before the rules see them.
    """
    tables = dispatch_tables(instances)
    is_service = ctx.identities.is_service
    hr = ctx.hr
    stats = StreamStats()
    kinds = ctx.kinds
    raw_kinds: dict[bytes, int] = {}
    h = hashlib.sha256()
    update, loads = h.update, orjson.loads
    resolve, local_hour = ctx.identities.resolve, ctx.calendar.local_hour
    people: dict[tuple[Any, ...], tuple[str | None, bool, int]] = {}
    hours: dict[str, tuple[Any, int]] = {}
    minutes: dict[str, tuple[Any, int]] = {}
    undated = unattributed = 0
    idx = -1
    with open(path, "rb", buffering=1 << 20) as fp:
        for idx, line in enumerate(fp):
            update(line)
            if line.startswith(_PREFIX):
                action = line[20 : line.index(b'"', 20)]
                ev = None
            else:  # not the canonical shape: parse to find out
                ev = loads(line)["event"]
                action = ev["action"].encode()
            table = tables.get(action)
            if table is None:
                k = line.rfind(_KIND) if ev is None else -1
                if k >= 0:
                    kind_b = line[k + 9 : line.index(b'"', k + 9)]
                    raw_kinds[kind_b] = raw_kinds.get(kind_b, 0) + 1
                else:
                    kind = (ev or loads(line)["event"])["kind"]
                    kinds[kind] = kinds.get(kind, 0) + 1
                continue
            if ev is None:
                ev = loads(line)["event"]
            kind = ev["kind"]
            kinds[kind] = kinds.get(kind, 0) + 1
            t = ev.get("time")
            if t is None:
                undated += 1
                continue
            actor = ev.get("actor")
            if actor:
                key = (actor.get("user"), actor.get("domain"), actor.get("sid"), actor.get("email"))
                who = people.get(key)
                if who is None:
                    who = _who(resolve(actor), is_service, hr)
                    if len(people) < 100_000:
                        people[key] = who
                person, unattr, variant = who
            else:
                person, unattr, variant = None, True, _NOBODY
            if unattr:
                unattributed += 1
            m = hours.get(t[:13])
            if m is None:
                m = _local_bits(t, hours, minutes, local_hour)
            handlers = table[variant | m[1]]
            if handlers:
                lt = m[0]
                for observe in handlers:
                    observe(ev, idx, person, lt)
    for kind_b, n in raw_kinds.items():
        kinds[kind_b.decode()] = kinds.get(kind_b.decode(), 0) + n
    stats.read, stats.undated, stats.unattributed = idx + 1, undated, unattributed
    if h.hexdigest() != expected_sha256:
        raise AnalysisError(
            f"{path} does not match its sealed head (SHA-256 differs); run 'timeline verify'"
        )
    return stats


def _local_bits(
    t: str, hours: dict[str, Any], minutes: dict[str, Any], local_hour: Any
) -> tuple[Any, int]:
    """(local time, off-hours bit) of an event time, kept for its UTC hour when the answer
    holds for the whole hour, else for its minute (half-hour zones)."""
    m: tuple[Any, int] | None = minutes.get(t[:16])
    if m is not None:
        return m
    lt, whole = local_hour(t)
    m = (lt, _OFF if lt.off_hours else 0)
    if whole:
        if len(hours) > 200_000:
            hours.clear()
        hours[t[:13]] = m
    else:
        if len(minutes) > 50_000:
            minutes.clear()
        minutes[t[:16]] = m
    return m


def _who(person: str | None, is_service: Any, hr: dict[str, Any]) -> tuple[str | None, bool, int]:
    """(person, unattributed, variant bits) of a resolved actor."""
    variant = (_NOBODY if person is None else 0) | (_SERVICE if is_service(person) else 0)
    if person is not None and person in hr:
        variant |= _HR
    return person, person is None or person.startswith("account:"), variant


def hr_prepass(ctx: Context, path: Path) -> None:
    """Collect HR facts first: R01 windows must be known before any rule observes an event
    (a retirement date sorts after the acts it frames). Only lines whose action is
    ``hr_event`` are parsed; the words in an attribute value do not make an HR fact."""
    exact = _PREFIX + b'hr_event"'
    with open(path, "rb", buffering=1 << 20) as fp:
        for idx, line in enumerate(fp):
            if line.startswith(exact):
                _hr_event(ctx, orjson.loads(line)["event"], idx)
            elif not line.startswith(_PREFIX) and b'"hr_event"' in line:
                ev = orjson.loads(line)["event"]  # not the canonical shape: parse to know
                if ev.get("action") == "hr_event":
                    _hr_event(ctx, ev, idx)


def _hr_event(ctx: Context, ev: dict[str, Any], idx: int) -> None:
    attrs = ev.get("attributes") or {}
    hr_type = normalise_type(str(attrs.get("hr_type", "")))
    person = str(attrs.get("person") or "") or ctx.identities.resolve(ev.get("actor"))
    if not hr_type or not person or not ev.get("time"):
        return
    mapped = (
        ctx.identities.resolve({"user": person}) if person not in ctx.identities.people else person
    )
    day = ctx.calendar.local(ev["time"]).day
    end = attrs.get("end_date")
    ctx.add_hr(
        HrFact(
            mapped or person,
            hr_type,
            day,
            str(end)[:10] if end else None,
            ref(ev, idx, "hr"),
            "timeline",
        )
    )
