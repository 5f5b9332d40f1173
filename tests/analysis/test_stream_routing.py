"""The stream's shortcuts against a plain loop: the action read from the line's bytes, lines
no rule observes left unparsed (counted by kind from their bytes), and the dispatch variants
(no person, service account, person with HR facts, off-hours minute) must leave every rule
in exactly the state a loop that parses every line and calls every rule would."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

import orjson
import pytest

from evidencekit.analysis.config import AnalysisError
from evidencekit.analysis.context import Context
from evidencekit.analysis.engine import AnalysisOptions, build_context
from evidencekit.analysis.hr import HrFact
from evidencekit.analysis.rules import Rule, rules
from evidencekit.analysis.stream import hr_prepass, stream
from evidencekit.model import Action
from evidencekit.timeline.canonical import dumps
from evidencekit.timeline.chain import GENESIS, build_line
from evidencekit.timeline.seal import TIMELINE_FILE
from tests.analysis.conftest import Built

ZONE = "Asia/Tokyo"
DAY, NIGHT = "2025-03-19T05:10:00.000000000Z", "2025-03-22T14:30:00.000000000Z"


def _state(instances: list[Rule], ctx: Context) -> bytes:
    """What a rule has recorded (private ``_`` attributes are memo caches, not records)."""
    own = [
        {k: v for k, v in vars(r).items() if k not in ("ctx", "p", "lists") and k[0] != "_"}
        for r in instances
    ]
    return pickle.dumps((own, ctx.shared, ctx.drafts, sorted(ctx.kinds.items())))


def _plain(ctx: Context, path: Path, instances: list[Rule]) -> tuple[int, int, int]:
    """Reference loop: parse every line, call every active rule that names the action."""
    active = [r for r in instances if r.active()]
    read = undated = unattributed = 0
    with open(path, "rb") as fp:
        for idx, line in enumerate(fp):
            read += 1
            ev = orjson.loads(line)["event"]
            ctx.kinds[ev["kind"]] = ctx.kinds.get(ev["kind"], 0) + 1
            wanted = [r for r in active if ev["action"] in r.actions]
            if not wanted:
                continue
            if ev.get("time") is None:
                undated += 1
                continue
            person = ctx.identities.resolve(ev.get("actor"))
            if person is None or person.startswith("account:"):
                unattributed += 1
            for rule in wanted:
                rule.observe(ev, idx, person, ctx.local(ev["time"]))
    return read, undated, unattributed


def _both(built: Built) -> tuple[bytes, bytes, tuple[int, ...], tuple[int, ...]]:
    case, opts, _ = built
    path = case.timeline_dir() / TIMELINE_FILE
    out = []
    for fast in (True, False):
        ctx, _ = build_context(case.meta.time_zone, opts)
        hr_prepass(ctx, path)
        instances = [cls(ctx) for _, cls in rules]
        if fast:
            s = stream(ctx, path, case.head().timeline_sha256, instances)
            counts: tuple[int, ...] = (s.read, s.undated, s.unattributed)
        else:
            counts = _plain(ctx, path, instances)
        out.append((_state(instances, ctx), counts))
    return out[0][0], out[1][0], out[0][1], out[1][1]


def test_stream_matches_plain_loop_on_every_scenario(
    positives: dict[str, Built], benign: dict[str, Built]
) -> None:
    for name, built in {**positives, **benign}.items():
        fast, plain, fast_counts, plain_counts = _both(built)
        assert fast_counts == plain_counts, name
        assert fast == plain, name


def _line_file(tmp_path: Path, events: list[dict[str, Any]], odd: int | None = None) -> Path:
    """A chained timeline of ``events``; line ``odd`` is written with spaces (not canonical)."""
    prev, path = GENESIS, tmp_path / "timeline.jsonl"
    with open(path, "wb") as fp:
        for i, ev in enumerate(events):
            line, prev = build_line("event", dumps(ev), prev, i)
            if i == odd:
                line = (
                    orjson.dumps(orjson.loads(line), option=orjson.OPT_INDENT_2).replace(
                        b"\n", b" "
                    )
                    + b"\n"
                )
            fp.write(line)
    return path


def _ev(i: int, action: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "action": action,
        "kind": kind,
        "id": f"{i:032x}",
        "salt": f"{i:032x}",
        "source": "00000000000000aa",
        "locator": {"line": i + 1},
        "time": DAY,
        "time_role": "logged",
        "actor": {"user": "u1", "domain": "CORP"},
        **extra,
    }


def test_unobserved_lines_are_counted_by_their_own_kind(tmp_path: Path) -> None:
    ctx, _ = build_context(ZONE, AnalysisOptions())
    instances = [cls(ctx) for _, cls in rules]
    observed = {a for r in instances if r.active() for a in r.actions}
    unobserved = sorted(a.value for a in Action if a.value not in observed)
    assert unobserved, "every action is observed: nothing to skip"
    tricky = {
        "attributes": {"kind": "attr.kind", "x": [{"kind": "nested.kind"}]},
        "object": {"kind": "file", "path": 'C:\\a,"kind":"b.txt'},
        "target": {"kind": "folder", "path": "D:\\"},
    }
    events = [_ev(i, a, f"k.{a}", **tricky) for i, a in enumerate(unobserved)]
    events.append(_ev(len(events), "read", "evtx.security.5145", **tricky))
    events.append(_ev(len(events), unobserved[0], "k.odd", **tricky))
    path = _line_file(tmp_path, events, odd=len(events) - 1)
    stats = stream(ctx, path, hashlib.sha256(path.read_bytes()).hexdigest(), instances)
    assert stats.read == len(events)
    expected: dict[str, int] = {}
    for ev in events:
        expected[ev["kind"]] = expected.get(ev["kind"], 0) + 1
    assert ctx.kinds == expected


def test_a_changed_line_is_refused_even_when_not_parsed(tmp_path: Path) -> None:
    ctx, _ = build_context(ZONE, AnalysisOptions())
    instances = [cls(ctx) for _, cls in rules]
    path = _line_file(tmp_path, [_ev(0, "visit", "proxy.visit")])
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_bytes(path.read_bytes().replace(b"proxy.visit", b"proxy.visiT"))
    with pytest.raises(AnalysisError, match="does not match its sealed head"):
        stream(ctx, path, sha, instances)


def _event(action: str, time: str, user: str) -> dict[str, Any]:
    return {
        "time": time,
        "action": action,
        "kind": "evtx.security.5145",
        "source": "00000000000000aa",
        "actor": {"user": user, "domain": "CORP", "host": "PC-1"},
        "object": {"path": "\\\\fs1\\share\\【秘】設計\\a.7z", "size": 5_000_000},
        "target": {"path": "E:\\a.7z"},
        "device": {"drive_type": "removable", "usb_serial": "X1"},
        "flags": ["timestomp"],
        "attributes": {
            "host": "www.dropbox.com",
            "to": ["x@gmail.com"],
            "attachments": ["a.7z", "b.dwg"],
            "file_count": 900,
            "encrypted": True,
            "blocked": True,
            "marking_removed": True,
        },
    }


def _feed(rule: Rule, person: str | None, times: tuple[str, ...]) -> None:
    for n, action in enumerate(sorted(rule.actions)):
        for t in times:
            rule.observe(_event(action, t, "u0001"), n, person, rule.ctx.local(t))


def _own(rule: Rule) -> bytes:
    return _state([rule], rule.ctx)


def _ctx_with_hr() -> tuple[Context, str]:
    ctx, _ = build_context(ZONE, AnalysisOptions())
    person = ctx.identities.resolve({"user": "u0001", "domain": "CORP"})
    assert person is not None
    for hr_type, day in (("resignation_notice", "2025-03-01"), ("exit_pledge", "2025-03-02")):
        ctx.add_hr(HrFact(person, hr_type, day))
    ctx.add_hr(HrFact(person, "last_working_day", "2025-03-10"))
    ctx.add_hr(HrFact(person, "retirement", "2025-03-15"))  # DAY and NIGHT are after it
    return ctx, person


@pytest.mark.parametrize("cls", [c for _, c in rules if c.person_only], ids=lambda c: c.id)
def test_person_only_rules_ignore_events_without_a_person(cls: type[Rule]) -> None:
    ctx, _ = _ctx_with_hr()
    rule = cls(ctx)
    before = _own(rule)
    _feed(rule, None, (DAY, NIGHT))
    assert _own(rule) == before


@pytest.mark.parametrize("cls", [c for _, c in rules if c.hr_only], ids=lambda c: c.id)
def test_hr_only_rules_ignore_persons_without_hr_facts(cls: type[Rule]) -> None:
    ctx, person = _ctx_with_hr()
    rule = cls(ctx)
    before = _own(rule)
    _feed(rule, "account:nobody", (DAY, NIGHT))
    assert _own(rule) == before
    _feed(rule, person, (DAY, NIGHT))  # the same events of the person with HR facts count
    assert _own(rule) != before


@pytest.mark.parametrize("cls", [c for _, c in rules if c.off_hours_only], ids=lambda c: c.id)
def test_off_hours_rules_ignore_business_hours(cls: type[Rule]) -> None:
    ctx, person = _ctx_with_hr()
    assert not ctx.local(DAY).off_hours and ctx.local(NIGHT).off_hours
    rule = cls(ctx)
    before = _own(rule)
    _feed(rule, person, (DAY,))
    assert _own(rule) == before
    _feed(rule, person, (NIGHT,))
    assert _own(rule) != before


def test_declarations_in_use() -> None:
    declared = {c.id for _, c in rules if c.person_only}
    assert {"R04", "R05", "R07", "R09", "R10", "R11", "R16"} <= declared
    assert {c.id for _, c in rules if c.hr_only} >= {"R11", "R16"}
    assert {c.id for _, c in rules if c.off_hours_only} == {"R09"}


def test_hr_prepass_takes_only_events_whose_action_is_hr_event(tmp_path: Path) -> None:
    hr = {"time": "2025-03-01T00:00:00.000000000Z", "action": "hr_event", "kind": "hr.event"}
    hr["attributes"] = {"hr_type": "resignation_notice", "person": "u0001"}
    decoy = _event("read", "2025-03-02T01:00:00.000000000Z", "u0002")
    # a nested key/value pair (e.g. an exported record kept as an attribute), not the action
    decoy["attributes"] = {"exported": {"action": "hr_event"}, "hr_type": "retirement"}
    path = tmp_path / "timeline.jsonl"
    path.write_bytes(b"".join(dumps({"event": e}) + b"\n" for e in (hr, decoy)))
    ctx, _ = build_context(ZONE, AnalysisOptions())
    hr_prepass(ctx, path)
    facts = [(f.person, f.hr_type, f.day) for p in ctx.hr.values() for f in p.facts]
    assert facts == [(ctx.identities.resolve({"user": "u0001"}) or "u0001", "resignation_notice",
                      "2025-03-01")]  # fmt: skip
