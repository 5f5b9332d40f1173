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
from evidencekit.analysis.rules.common import attr, file_key, who

_Del = tuple[int, str, str | None, int, Ref, bool]  # epoch, path, name key, files, ref, recycle


@rules.register("R07")
class DeletionAfterExfil(Rule):
    """Deletion or wiping after copying or sending."""

    id = "R07"
    name = "deletion_after_exfil"
    actions = frozenset({"delete", "wipe"})
    needs = ("endpoint",)
    phase = 35

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.dels: dict[str, list[_Del]] = {}
        self.hours: dict[tuple[str, str], list[Any]] = {}
        self.cleanup = tuple(self.lists["cleanup_paths"])

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None or self.ctx.identities.is_service(person):
            return
        path = (obj_path(ev) or "").replace("/", "\\")
        low = path.casefold()
        recycle = attr(ev, "operation") == "empty_recycle_bin"
        if any(c in low for c in self.cleanup) or self.ctx.assets.is_corporate_destination(path):
            return
        if self.ctx.ticket_for(person, ev["time"]):
            return
        n = file_count(ev)
        r = ref(ev, idx, "delete")
        rows = self.dels.setdefault(person, [])
        if len(rows) < 200_000:
            rows.append((epoch(ev["time"]), low, file_key(path), n, r, recycle))
        hour = self.hours.setdefault((person, ev["time"][:13]), [0, 0, []])
        hour[0] += n
        hour[1] += int(attr(ev, "bytes") or (ev.get("object") or {}).get("size") or 0)
        if len(hour[2]) < 8:
            hour[2].append(r)

    def finish(self) -> None:
        q = self.p["deletion_after_exfil"]
        transfers = [
            d for d in self.ctx.drafts_of("R03", "R04", "R05") if d.t0 and d.severity != "info"
        ]
        for person in sorted(self.dels):
            mine = [d for d in transfers if d.person == person]
            a, c = self._after_transfer(person, mine, q)
            b = [
                r
                for (p, _), h in sorted(self.hours.items())
                if p == person and (h[0] >= q["mass_files"] or h[1] >= q["mass_bytes"])
                for r in h[2]
            ]
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
            for row in self.dels[person]:
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
        times = sorted(r[2] for r in refs if r[2])
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
