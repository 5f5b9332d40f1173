"""R10 outside_authorization — 権限外・職務外アクセス (map §3.3 R10; [S3]).

Inputs: access-denied events, reads, logons (``actor.host`` = workstation), HR leave,
permission changes, identity-map host assignments. Fires on: (a) >= 10 denied
accesses in an hour on secret-set locations (``medium``; ``high`` when a read of the
same location follows within 24 h by another path or account); (b) reads of >= 50
files in repositories the person never touched in the previous 180 days
(``medium``); (c) the account of person B used from A's assigned host, or while B is
on leave (``high``); (d) a permission change by the person followed by a read of the
same object (``high``). Ticketed work (CI.02) is ``info``.
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, epoch, file_count, ref, top_folder
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, ci, has_marking, secret_asset, who

_READS = frozenset({"read", "download", "access"})
_NEVER = -(10**12)  # "no access-denied yet": further back than any event time
_SPAN = 9 * 10**11  # now - _NEVER exceeds this for every time after year 1


@rules.register("R10")
class OutsideAuthorization(Rule):
    """Access outside authorisation or need-to-know."""

    id = "R10"
    name = "outside_authorization"
    person_only = True
    actions = frozenset(
        {"read", "download", "access", "access_denied", "logon", "permission_change"}
    )
    needs = ("server_audit",)
    service_skips = _READS | {"logon"}  # reads and logons of service accounts are not judged

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.denied: dict[tuple[str, str], Bucket] = {}
        self.reads_after: dict[str, list[tuple[int, str, Any, str]]] = {}
        self.first_any: dict[str, int] = {}
        self.repo: dict[tuple[str, str], list[Any]] = {}
        self.last_denied: dict[str, int] = {}  # folder -> last access-denied time
        self.misuse: dict[tuple[str, str], Bucket] = {}
        self.grants: dict[str, list[tuple[int, str, Any]]] = {}
        self.selfgrant: dict[str, Bucket] = {}
        self._followup = self.p["denied_burst"]["followup_hours"] * 3600
        self._is_service = ctx.identities.is_service

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None:
            return
        act = ev["action"]
        obj = ev.get("object")  # obj_path(ev), inline: every read of the stream comes here
        path = (obj.get("path") or obj.get("url") or obj.get("name") or "") if obj else ""
        if act in _READS:
            if path.startswith("\\\\") and not self._is_service(person):
                self._read(ev, idx, person, lt, path)
        elif act == "logon":
            self._logon(ev, idx, person, lt)
        elif act == "access_denied":
            if self.ctx.assets.match(path, None) or has_marking(self.ctx, path):
                if path.startswith("\\\\"):
                    self.last_denied[top_folder(path)] = epoch(ev["time"])
                b = self.denied.setdefault((person, ev["time"][:13]), Bucket())
                b.add(
                    ref(ev, idx, "denied"),
                    key=top_folder(path) if path.startswith("\\\\") else None,
                )
        elif act == "permission_change":
            self.grants.setdefault(person, []).append(
                (epoch(ev["time"]), path.casefold(), ref(ev, idx, "acl_change"))
            )

    def _logon(self, ev: dict[str, Any], idx: int, person: str, lt: LocalTime) -> None:
        host = (ev.get("actor") or {}).get("host")
        owner = self.ctx.identities.host_owner(host)
        if owner and owner != person and not self.ctx.identities.is_service(person):
            hr = self.ctx.hr.get(person)
            role = (
                "logon_while_owner_on_leave" if hr and hr.on_leave(lt.day) else "logon_other_host"
            )
            self.misuse.setdefault((owner, person), Bucket()).add(ref(ev, idx, role))

    def _read(self, ev: dict[str, Any], idx: int, person: str, lt: LocalTime, path: str) -> None:
        folder = top_folder(path)
        day = lt.ordinal
        if person not in self.first_any:
            self.first_any[person] = day
        key = (person, folder)
        st = self.repo.get(key)
        if st is None:  # [first day, files in its first 30 days, sample refs]
            st = self.repo[key] = [day, 0, []]
        if day - st[0] <= 30:
            st[1] += file_count(ev) if ev.get("attributes") else 1  # 1: what it returns then
            if len(st[2]) < 3:
                st[2].append((idx, ev.get("time"), "read"))  # = ref(ev, idx, "read")
        followup = self._followup
        denied = self.last_denied.get(folder, _NEVER)
        grants = self.grants.get(person, ())
        if denied == _NEVER and not grants and followup < _SPAN:
            return  # nothing denied in this folder, no grant of the person: (a), (d) cannot apply
        low = path.casefold()
        now = epoch(ev["time"])
        recent = 0 <= now - denied <= followup
        if recent and secret_asset(self.ctx, ev) is not None:
            rows = self.reads_after.setdefault(folder, [])
            if len(rows) < 50_000:
                rows.append((now, person, ref(ev, idx, "read_after_denied"), low))
        for t, gpath, _ in grants:
            if gpath and low.startswith(gpath) and 0 <= now - t <= 86400:
                self.selfgrant.setdefault(person, Bucket()).add(ref(ev, idx, "read_after_grant"))

    def finish(self) -> None:
        self._denied()
        self._need_to_know()
        for (owner, account), b in sorted(self.misuse.items()):
            self._emit(
                owner,
                b,
                "c",
                f"{account}のアカウントが他者の端末又は休暇中に使用された",
                f"the account of {account} was used from another person's host or while on leave",
                account_owner=account,
            )
        for person, b in sorted(self.selfgrant.items()):
            refs = [g[2] for g in self.grants.get(person, [])][:4]
            b.refs[:0] = refs
            self._emit(
                person,
                b,
                "d",
                "権限変更の後に同じ対象を閲覧した",
                "a permission change was followed by reads of the same object",
            )

    def _denied(self) -> None:
        q = self.p["denied_burst"]
        for (person, _hour), b in sorted(self.denied.items()):
            if b.files < q["count"]:
                continue
            t = epoch(b.t0 or "")
            later = [
                r
                for folder in sorted(b.keys)
                for (rt, _, r, _) in self.reads_after.get(folder, [])
                if 0 <= rt - t <= q["followup_hours"] * 3600
            ][:8]
            b.refs.extend(later)
            self._emit(
                person,
                b,
                "a",
                f"1時間に{b.files}件のアクセス拒否"
                + ("の後、24時間以内に同じ場所の閲覧があった" if later else ""),
                f"{b.files} access-denied events within an hour"
                + (", followed within 24 hours by reads of the same location" if later else ""),
                high=bool(later),
            )

    def _need_to_know(self) -> None:
        """(b): a repository first read >= 30 days after the person's first activity, with
        >= files_min files in its first 30 days (nothing earlier in the data)."""
        q = self.p["need_to_know"]
        for (person, folder), (first, n, refs) in sorted(self.repo.items()):
            if first - self.first_any[person] < 30 or n < q["files_min"]:
                continue
            b = Bucket(3)
            for r in refs:
                b.add(r)
            b.files = n
            self._emit(
                person,
                b,
                "b",
                f"過去{q['lookback_days']}日間に利用のないリポジトリ（{folder}）から{n:,}件を閲覧した",
                f"{n:,} files were read from a repository ({folder}) not used in the "
                f"previous {q['lookback_days']} days",
            )

    def _emit(
        self,
        person: str,
        b: Bucket,
        cond: str,
        ja: str,
        en: str,
        high: bool | None = None,
        account_owner: str | None = None,
    ) -> None:
        strong = cond in ("c", "d") or bool(high)
        sev = "high" if strong else "medium"
        ticket = self.ctx.ticket_for(person, b.t0)
        wja, wen = who(self.ctx, person)
        self.ctx.emit(
            Draft(
                rule="R10",
                person=person,
                title_ja="権限外・職務外のアクセスの記録",
                title_en="Access outside authorisation or need-to-know",
                explanation_ja=f"{wja}に関し、{ja}記録がある。",
                explanation_en=f"Records concerning {wen} show that {en}.",
                refs=b.refs[: self.ctx.max_refs()],
                total=b.files,
                elements=[
                    (
                        "misappropriation_act.improper_means",
                        "direct" if strong else "weak_indirect",
                        "SIG.ACT.03",
                    ),
                    (
                        "crim.improper_acquisition",
                        "strong_indirect" if strong else "weak_indirect",
                        "SIG.ACT.03",
                    ),
                    ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.03"),
                ]
                + (
                    [("secrecy_management.measures", "strong_indirect", "SIG.SM.04")]
                    if cond == "a"
                    else []
                ),
                strength="direct" if strong else "weak_indirect",
                severity="info" if ticket else sev,
                t0=b.t0,
                t1=b.t1,
                signals=["SIG.ACT.03"],
                indicators=["outside_auth_strong" if cond in ("c", "d") else "outside_auth"],
                cis=[ci("CI.02", note=(f"チケット{ticket['id']}", f"ticket {ticket['id']}"))]
                if ticket
                else [],
                facts={"condition": cond, "events": b.files, "account_owner": account_owner},
                files=set(b.keys),
                params={**self.p["denied_burst"], **self.p["need_to_know"]},
            )
        )
