"""R07 deletion_after_exfil — 持出し後の削除 (map §3.3 R07; Denso 「すでにパソコンからは
データは消去されており」, [S3]).

Inputs: deletions (USN ``FILE_DELETE``, ``$I`` records, 4660, Sysmon 23/26, cloud
``FileDeleted``; ``attributes.file_count`` for summaries) and Recycle Bin emptying
(``attributes.operation = "empty_recycle_bin"``). Fires on (a) deletion of the
source or staging copies of files transferred by R03/R04/R05 within 7 days ("hot"
within 72 h), (b) >= 500 files or >= 1 GiB deleted by the person within one hour,
(c) the Recycle Bin emptied within 24 h after a transfer. Routine clean-up paths,
service accounts and ticketed deletions (CI.02) are excluded. Severity ``high``
with (a), ``medium`` otherwise. Supports bad faith and ``dtsa.seizure_grounds``.
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, Ref, epoch, file_count, obj_path, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import attr, domain_of, file_key, host_matches, who
from evidencekit.analysis.rules.r03_removable import destination
from evidencekit.analysis.rules.r04_cloud import host_of
from evidencekit.analysis.rules.r05_mail import recipients

_Del = tuple[int, str, str | None, int, Ref, bool]  # epoch, path, name key, files, ref, recycle


@rules.register("R07")
class DeletionAfterExfil(Rule):
    """Deletion or wiping after copying or sending."""

    id = "R07"
    name = "deletion_after_exfil"
    actions = frozenset({"delete", "wipe", "copy", "move", "create", "upload", "send"})
    person_only = True
    skips_service = True  # observe returns first thing for service accounts
    needs = ("endpoint",)
    phase = 35

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.dels: dict[str, list[_Del]] = {}
        self.hour: dict[str, list[Any]] = {}  # person -> [utc hour, files, bytes, refs]
        self.mass: dict[str, list[Ref]] = {}
        self.last_transfer: dict[str, int] = {}
        self.cleanup = tuple(self.lists["cleanup_paths"])
        self._dests = set(self.lists["freemail"]) | ctx.assets.watch_domains
        self._domains: dict[str, bool] = {}
        self._is_service = ctx.identities.is_service

    def _listed(self, domain: str) -> bool:
        """Free-mail or watch-listed domain (lists and register are fixed for the run)."""
        hit = self._domains.get(domain)
        if hit is None:
            if len(self._domains) > 10_000:
                self._domains.clear()
            hit = self._domains[domain] = bool(host_matches(domain, self._dests))
        return hit

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None or self._is_service(person):
            return
        if ev["action"] not in ("delete", "wipe"):
            # Only deletions after a possible transfer are kept (the stream is time-ordered),
            # which bounds memory; R03/R04/R05 decide at the end which transfers count.
            if self._maybe_transfer(ev):
                self.last_transfer[person] = epoch(ev["time"])
            return
        path = (obj_path(ev) or "").replace("/", "\\")
        low = path.casefold()
        if any(c in low for c in self.cleanup) or self.ctx.assets.is_corporate_destination(path):
            return
        if self.ctx.ticket_for(person, ev["time"]):
            return
        n, now = file_count(ev), epoch(ev["time"])
        r = ref(ev, idx, "delete")
        window = self.p["deletion_after_exfil"]["window_days"] * 86400
        if 0 <= now - self.last_transfer.get(person, -(10**12)) <= window:
            rows = self.dels.setdefault(person, [])
            recycle = attr(ev, "operation") == "empty_recycle_bin"
            if len(rows) < 200_000:
                rows.append((now, low, file_key(path), n, r, recycle))
        self._hour(person, ev, n, r)

    def _maybe_transfer(self, ev: dict[str, Any]) -> bool:
        """A copy to media, an upload to a non-corporate host, or mail to an external
        free-mail or watch-listed party: what R03/R04/R05 may later report."""
        act = ev["action"]
        if act == "upload":
            host = host_of(ev)
            return bool(host) and not self.ctx.assets.is_corporate_destination(host)
        if act == "send":
            return any(self._listed(domain_of(r)) for r in recipients(ev))
        return destination(ev) is not None

    def _hour(self, person: str, ev: dict[str, Any], n: int, r: Ref) -> None:
        """Per-person running hour (condition b), closed when the hour changes."""
        key = ev["time"][:13]
        cur = self.hour.get(person)
        if cur is None or cur[0] != key:
            if cur is not None:
                self._close(person, cur)
            cur = self.hour[person] = [key, 0, 0, []]
        cur[1] += n
        cur[2] += int(attr(ev, "bytes") or (ev.get("object") or {}).get("size") or 0)
        if len(cur[3]) < 8:
            cur[3].append(r)

    def _close(self, person: str, cur: list[Any]) -> None:
        q = self.p["deletion_after_exfil"]
        if cur[1] >= q["mass_files"] or cur[2] >= q["mass_bytes"]:
            self.mass.setdefault(person, []).extend(cur[3])

    def finish(self) -> None:
        q = self.p["deletion_after_exfil"]
        transfers = [
            d for d in self.ctx.drafts_of("R03", "R04", "R05") if d.t0 and d.severity != "info"
        ]
        for person, cur in list(self.hour.items()):
            self._close(person, cur)
        for person in sorted(set(self.dels) | set(self.mass)):
            mine = [d for d in transfers if d.person == person]
            a, c = self._after_transfer(person, mine, q)
            b = self.mass.get(person, [])
            if a or b or c:
                self._emit(person, a, b, c, q)

    def _after_transfer(
        self, person: str, mine: list[Any], q: dict[str, Any]
    ) -> tuple[list[_Del], list[_Del]]:
        a: list[_Del] = []
        c: list[_Del] = []
        for d in mine:
            t = epoch(d.t1 or d.t0)
            paths = {k[5:] for k in d.files if k.startswith("path:")}
            names = {k for k in d.files if not k.startswith("path:")}
            for row in self.dels.get(person, []):
                dt = row[0] - t
                if row[5] and 0 <= dt <= q["recycle_hours"] * 3600:
                    c.append(row)
                elif 0 <= dt <= q["window_days"] * 86400 and (
                    (row[2] in names)
                    or any(p.startswith(row[1].rstrip("\\")) for p in paths if row[1])
                ):
                    a.append(row)
        return a, c

    def _emit(
        self, person: str, a: list[_Del], b: list[Ref], c: list[_Del], q: dict[str, Any]
    ) -> None:
        refs = [row[4] for row in a + c][: self.ctx.max_refs()] + b[: self.ctx.max_refs()]
        refs = list(dict.fromkeys(refs))
        files = sum(row[3] for row in a)
        conds = [k for k, v in (("a", a), ("b", b), ("c", c)) if v]
        wja, wen = who(self.ctx, person)
        times = sorted(r[1] for r in refs if r[1])
        self.ctx.emit(
            Draft(
                rule="R07",
                person=person,
                title_ja="複製・送信後の削除の記録",
                title_en="Deletion after copying or sending",
                explanation_ja=(
                    f"{wja}により、"
                    + (
                        "外部への複製・送信の後7日以内に、その複製元・準備用ファイルの削除"
                        f"（{files:,}件）の記録がある。"
                        if a
                        else ""
                    )
                    + ("1時間以内の大量削除の記録がある。" if b else "")
                    + ("複製・送信の後24時間以内にごみ箱を空にした記録がある。" if c else "")
                ),
                explanation_en=(
                    f"Records under {wen} show "
                    + "; ".join(
                        {
                            "a": f"deletion of {files:,} source or staging files within 7 days after a transfer",  # noqa: E501 - bilingual wording kept whole
                            "b": "mass deletion within one hour",
                            "c": "the Recycle Bin emptied within 24 hours after a transfer",
                        }[k]
                        for k in conds
                    )
                    + "."
                ),
                refs=refs,
                total=len(a) + len(b) + len(c),
                elements=[
                    ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.07"),
                    ("dtsa.seizure_grounds", "strong_indirect", "SIG.BF.07"),
                ],
                strength="strong_indirect",
                severity="high" if a else "medium",
                t0=times[0] if times else None,
                t1=times[-1] if times else None,
                signals=["SIG.BF.07"],
                indicators=["deletion"],
                facts={"conditions": conds, "files_deleted_after_transfer": files},
                params=dict(q),
            )
        )
