"""R08 antiforensic_execution — 証拠隠滅ツールの実行 (map §3.3 R08; [P22] SDelete).

Inputs: program execution (Prefetch, Amcache, 4688/Sysmon 1 with
``attributes.command_line``, parser flags ``tool.wiper`` / ``tool.antiforensic``),
registry keys (Sysinternals SDelete ``EulaAccepted``, Piriform CCleaner). Tools and
command fragments come from ``lists.toml``. Severity ``high`` inside an R01 window
or within 30 days after an R03/R04/R05 transfer by the person; ``medium`` otherwise;
CCleaner alone ``low`` (common consumer software). Ticketed IT sanitisation (CI.02)
is ``info``.
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, epoch, obj_path, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, attr, ci, who

_UNSET: Any = object()


@rules.register("R08")
class AntiforensicExecution(Rule):
    """Execution of wiping, log-clearing or other anti-forensic tools."""

    id = "R08"
    name = "antiforensic_execution"
    actions = frozenset({"execute", "create", "modify", "install", "wipe"})
    needs = ("endpoint",)
    phase = 35

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.hits: dict[tuple[str, str], tuple[Bucket, set[str], bool]] = {}
        self._cmds: dict[str, str | None] = {}  # command line -> listed command in it

    def _command(self, raw: Any) -> str | None:
        """The first listed anti-forensic command in a command line (memoised: command
        lines repeat far more than they vary)."""
        key = str(raw or "")
        hit = self._cmds.get(key, _UNSET)
        if hit is _UNSET:
            if len(self._cmds) > 10_000:
                self._cmds.clear()
            cmd = " ".join(key.lower().split())
            hit = self._cmds[key] = next(
                (c for c in self.lists["antiforensic_commands"] if c in cmd), None
            )
        return hit  # type: ignore[no-any-return]

    def _tool(self, ev: dict[str, Any]) -> tuple[str, bool] | None:
        path = (obj_path(ev) or (ev.get("actor") or {}).get("process") or "").replace("/", "\\")
        image = path.rsplit("\\", 1)[-1].lower()
        if image in self.lists["antiforensic_images"]:
            return image, True
        command = self._command(attr(ev, "command_line"))
        if command is not None:
            return command, True
        if image in self.lists["antiforensic_low_images"]:
            return image, False
        low = path.casefold()
        if ev["kind"].startswith("registry") and any(
            k in low for k in self.lists["antiforensic_registry"]
        ):
            return low.rsplit("\\software\\", 1)[-1], "ccleaner" not in low
        flags = ev.get("flags") or ()
        if ev["action"] == "execute" and ("tool.wiper" in flags or "tool.antiforensic" in flags):
            return image or "flagged tool", True
        return None

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        found = self._tool(ev)
        if found is None:
            return
        who_ = (
            person
            or self.ctx.identities.host_owner((ev.get("actor") or {}).get("host"))
            or "account:unknown"
        )
        entry = self.hits.get((who_, lt.day))
        if entry is None:
            entry = self.hits[(who_, lt.day)] = (Bucket(), set(), False)
        entry[0].add(ref(ev, idx, "execution"))
        entry[1].add(found[0])
        if found[1] and not entry[2]:
            self.hits[(who_, lt.day)] = (entry[0], entry[1], True)

    def finish(self) -> None:
        days = self.p["antiforensic"]["after_transfer_days"] * 86400
        transfers = [
            d for d in self.ctx.drafts_of("R03", "R04", "R05") if d.t1 and d.severity != "info"
        ]
        for (person, day), (b, tools, strong) in sorted(self.hits.items()):
            t = epoch(b.t0 or "")
            after = any(
                d.person == person and 0 <= t - epoch(d.t1 or "") <= days for d in transfers
            )
            window = self.ctx.window(person, day)
            sev = (
                "high"
                if strong and (after or window in ("pre", "hot", "exit_leave"))
                else "medium"
                if strong
                else "low"
            )
            ticket = self.ctx.ticket_for(person, b.t0)
            cis = (
                [ci("CI.02", note=(f"チケット{ticket['id']}", f"ticket {ticket['id']}"))]
                if ticket
                else []
            )
            wja, wen = who(self.ctx, person)
            names = ", ".join(sorted(tools))
            self.ctx.emit(
                Draft(
                    rule="R08",
                    person=person,
                    title_ja="証拠隠滅に用いられ得るツールの実行の記録",
                    title_en="Execution of anti-forensic tools",
                    explanation_ja=f"{day}、{wja}の操作として、{names} の実行の記録がある。"
                    + ("外部への複製・送信の後30日以内である。" if after else ""),
                    explanation_en=f"On {day}, records show execution of {names} under {wen}."
                    + (" This is within 30 days after a transfer." if after else ""),
                    refs=b.refs,
                    total=b.files,
                    elements=[
                        ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.07"),
                        ("dtsa.seizure_grounds", "strong_indirect", "SIG.BF.07"),
                    ],
                    strength="strong_indirect",
                    severity="info" if ticket else sev,
                    t0=b.t0,
                    t1=b.t1,
                    signals=["SIG.BF.07"],
                    indicators=["antiforensic"],
                    cis=cis,
                    window=window,
                    facts={"tools": sorted(tools), "after_transfer": after, "day": day},
                    params=dict(self.p["antiforensic"]),
                ),
                windowed=False,
            )
