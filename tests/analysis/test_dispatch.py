"""The engine's dispatch tables: rules left out for service accounts or absent inputs must
be rules whose ``observe`` would have done nothing (the declarations are checked here)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from evidencekit.analysis.engine import AnalysisOptions, build_context
from evidencekit.analysis.rules import Rule, rules
from evidencekit.analysis.stream import dispatch_table

ZONE = "Asia/Tokyo"
TIMES = ("2025-03-20T05:10:00.000000000Z", "2025-03-22T14:30:00.000000000Z")  # day, night


def _state(rule: Rule) -> bytes:
    own = {k: v for k, v in vars(rule).items() if k not in ("ctx", "p", "lists")}
    return pickle.dumps((own, rule.ctx.shared, rule.ctx.drafts, rule.ctx.not_assessed))


def _event(action: str, time: str) -> dict[str, Any]:
    return {
        "time": time,
        "action": action,
        "kind": "evtx.security.5145",
        "source": "00000000000000aa",
        "actor": {"user": "svc_backup", "domain": "CORP", "host": "SRV-1"},
        "object": {"path": "\\\\fs1\\share\\【秘】設計\\a.dwg", "size": 5_000_000},
        "target": {"path": "E:\\a.dwg"},
        "device": {"drive_type": "removable", "usb_serial": "X1"},
        "attributes": {"host": "www.dropbox.com", "to": ["x@gmail.com"], "file_count": 900},
    }


SKIPPING = [cls for _, cls in rules if cls.skips_service]


def test_some_rules_skip_service_accounts() -> None:
    assert {cls.id for cls in SKIPPING} >= {"R02", "R07", "R09"}


@pytest.mark.parametrize("cls", SKIPPING, ids=lambda c: c.id)
def test_skipping_rules_ignore_service_events(cls: type[Rule]) -> None:
    ctx, _ = build_context(ZONE, AnalysisOptions())
    rule = cls(ctx)
    person = ctx.identities.resolve({"user": "svc_backup", "domain": "CORP"})
    assert person is not None and ctx.identities.is_service(person)
    before = _state(rule)
    for n, action in enumerate(sorted(cls.actions)):
        for t in TIMES:
            rule.observe(_event(action, t), n, person, ctx.local(t))
    assert _state(rule) == before
    control = cls(ctx)  # the same events under a person's account do change the state
    plain = ctx.identities.resolve({"user": "u0001", "domain": "CORP"})
    for n, action in enumerate(sorted(cls.actions)):
        for t in TIMES:
            control.observe(_event(action, t), n, plain, ctx.local(t))
    assert _state(control) != before


PARTIAL = [cls for _, cls in rules if cls.service_skips]


def test_some_rules_skip_service_accounts_for_some_actions() -> None:
    assert "R10" in {cls.id for cls in PARTIAL}
    for cls in PARTIAL:
        assert cls.service_skips < cls.actions  # a subset: else skips_service says it


@pytest.mark.parametrize("cls", PARTIAL, ids=lambda c: c.id)
def test_partly_skipping_rules_ignore_service_events_of_those_actions(
    cls: type[Rule], tmp_path: Path
) -> None:
    ids = tmp_path / "ids.toml"  # SRV-1 assigned to someone: a logon there is judged
    ids.write_text(
        '[[person]]\nperson = "u0002"\naccounts = ["CORP\\\\u0002"]\nhosts = ["SRV-1"]\n'
    )
    ctx, _ = build_context(ZONE, AnalysisOptions(identities=ids))
    rule = cls(ctx)
    person = ctx.identities.resolve({"user": "svc_backup", "domain": "CORP"})
    assert person is not None and ctx.identities.is_service(person)
    before = _state(rule)
    for n, action in enumerate(sorted(cls.service_skips)):
        for t in TIMES:
            rule.observe(_event(action, t), n, person, ctx.local(t))
    assert _state(rule) == before
    for action in sorted(cls.service_skips):  # each action changes a person's state
        control = cls(ctx)
        plain = ctx.identities.resolve({"user": "u0001", "domain": "CORP"})
        for n, t in enumerate(TIMES):
            control.observe(_event(action, t), n, plain, ctx.local(t))
        assert _state(control) != before, action


def test_service_table_keeps_every_action_and_drops_only_skipping_rules() -> None:
    ctx, _ = build_context(ZONE, AnalysisOptions())
    instances = [cls(ctx) for _, cls in rules]
    full = dispatch_table(instances)
    svc = dispatch_table(instances, service=True)
    assert set(svc) == set(full)
    for action, handlers in full.items():
        kept = [
            h
            for h in handlers
            if not h.__self__.skips_service and action not in h.__self__.service_skips
        ]
        assert list(svc[action]) == kept


def test_inactive_rules_are_not_dispatched_without_their_inputs() -> None:
    ctx, _ = build_context(ZONE, AnalysisOptions())  # no HR, no watch list
    instances = [cls(ctx) for _, cls in rules]
    dispatched = {h.__self__.id for hs in dispatch_table(instances).values() for h in hs}
    assert {"R11", "R15", "R16"}.isdisjoint(dispatched)
    assert {"R02", "R03", "R09"} <= dispatched
