"""R02 bulk_acquisition — 大量取得 (map §3.3 R02; Denso 「大量の図面データ…」, [S3]).

Inputs: server and cloud reads/downloads (5145/4663, M365, PDM, DB exports with
``attributes.rows``) by person. Fires on a local day when any holds: files in one hour
>= max(200, 5 x p95 of the busiest hour of the base days); daily bytes >= max(2 GiB,
5 x own p95); distinct top-level folders >= max(30, 3 x p95); rows in one export
>= max(10,000, 10 x p95); rolling 30-day count >= 3 x own median 30-day count in the
reference period
[D-150 d, D-60 d] (low and slow). The baseline uses the 60 days before the day,
excluding days that crossed an absolute minimum. Service accounts and allow-listed
processes (indexers, antivirus) are skipped; an approved ticket (CI.02) makes it info.
Severity ``medium``; ``high`` when >= 10 % of files are secret-set or marked.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date, timedelta
from statistics import median
from typing import Any

from evidencekit.analysis.context import (
    Draft,
    byte_count,
    file_count,
    top_folder,
)
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import (
    _UNSET,
    Bucket,
    ci,
    file_key,
    is_secret,
    size_en,
    size_ja,
    who,
)
from evidencekit.analysis.rules.common import span as ref_span

# What a bulk-acquisition finding supports, whichever baseline judged it (R02, R02P).
BULK_ELEMENTS = (
    ("misappropriation_act.acquisition", "direct", "SIG.ACT.01"),
    ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.04"),
)
BULK_SIGNALS = ("SIG.ACT.01", "SIG.BF.04")
_SERVER_KINDS = (
    "evtx.security.5145",
    "evtx.security.4663",
    "m365.",
    "gdrive.",
    "box.",
    "pdm.",
    "db.",
    "fileserver.",
    "sharepoint.",
    "nas.",
)


def p95(values: list[int]) -> int:
    if not values:
        return 0
    s = sorted(values)
    return s[min(len(s) - 1, (len(s) * 95 + 99) // 100 - 1)]


_NO_FOLDERS: set[str] = set()


class _Day:
    __slots__ = ("b", "cur_hour", "cur_n", "folders", "max_hour", "nfolders", "rows", "rows_ref")

    def __init__(self) -> None:
        self.b = Bucket(3, 200)
        self.cur_hour = -1  # running hour (events arrive in time order)
        self.cur_n = 0
        self.max_hour = 0  # most files in any one hour of the day
        self.folders: set[str] = set()
        self.nfolders = -1  # set when the day is closed (the folder set is dropped)
        self.rows = 0
        self.rows_ref: Any = None

    def folder_count(self) -> int:
        return len(self.folders) if self.nfolders < 0 else self.nfolders

    def close(self, q: dict[str, Any]) -> None:
        """The person's next day began: keep counts, drop what only anomalies need."""
        self.nfolders = len(self.folders)
        self.folders = _NO_FOLDERS
        if not (
            self.max_hour >= q["files_per_hour_min"]
            or self.b.bytes >= q["bytes_per_day_min"]
            or self.rows >= q["db_rows_min"]
            or self.nfolders >= q["folders_per_day_min"]
        ):
            self.b.refs = self.b.refs[:1]


@rules.register("R02")
class BulkAcquisition(Rule):
    """Bulk acquisition against the person's own baseline."""

    id = "R02"
    name = "bulk_acquisition"
    actions = frozenset({"read", "download", "access"})
    needs = ("server_audit",)
    skips_service = True  # observe returns first thing for service accounts

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.days: dict[str, dict[str, _Day]] = {}
        ctx.shared["bulk_days"] = self.days  # read by R02P (peer) and CI01 (own baseline)
        self.current: dict[str, str] = {}
        self.benign = frozenset(self.lists["benign_processes"])
        self._benign: dict[str, bool] = {}  # actor.process -> allow-listed
        self._empty_benign = "" in self.benign  # what the look-up says without a process
        self._is_service = ctx.identities.is_service

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        obj = ev.get("object")  # obj_path(ev), inline: every read of the stream comes here
        path = (obj.get("path") or obj.get("url") or obj.get("name")) if obj else None
        attrs = ev.get("attributes")
        rows = attrs.get("rows") if attrs else None
        unc = path is not None and path.startswith("\\\\")
        if (not unc and not ev["kind"].startswith(_SERVER_KINDS) and rows is None) or (
            person is None or self._is_service(person)
        ):
            return
        actor = ev.get("actor")
        proc = actor.get("process") if actor else None
        if (proc and self._proc_benign(proc)) or (not proc and self._empty_benign):
            return
        mine = self.days.get(person)
        if mine is None:
            mine = self.days[person] = {}
        day = mine.get(lt.day)
        if day is None:
            day = self._new_day(person, mine, lt.day)
        if attrs:
            n, nbytes = file_count(ev), byte_count(ev)
        else:  # what file_count / byte_count return without attributes
            size = obj.get("size") if obj else None
            n, nbytes = 1, size if isinstance(size, int) else 0
        t = ev.get("time")
        r = (idx, t, "read")  # = ref(ev, idx, "read"), without the call
        b = day.b  # b.add(r, n, nbytes), inline
        b.files += n
        b.bytes += nbytes
        if len(b.refs) < b.max_refs:
            b.refs.append(r)
        if t:
            if b.t0 is None or t < b.t0:
                b.t0 = t
            if b.t1 is None or t > b.t1:
                b.t1 = t
        if lt.hour != day.cur_hour:
            day.cur_hour, day.cur_n = lt.hour, 0
        day.cur_n += n
        if day.cur_n > day.max_hour:
            day.max_hour = day.cur_n
        if unc and len(day.folders) < 5000:
            day.folders.add(top_folder(path))  # type: ignore[arg-type]
        asset = ev.get("_asset", _UNSET)  # is_secret's memo, read inline (keys set together)
        if asset is _UNSET:
            secret = is_secret(self.ctx, ev)
        else:
            secret = asset is not None or ev["_mark"] is not None
        if secret:
            self._secret(day, path, n)
        if rows is not None:
            nrows = int(rows) if isinstance(rows, int | str) and str(rows).isdigit() else 0
            if nrows > day.rows:
                day.rows, day.rows_ref = nrows, r

    def _proc_benign(self, proc: str) -> bool:
        """Whether ``actor.process`` is allow-listed (indexers, antivirus), memoised."""
        benign = self._benign.get(proc)
        if benign is None:
            if len(self._benign) > 10_000:
                self._benign.clear()
            name = proc.replace("/", "\\").rsplit("\\", 1)[-1].lower()
            benign = self._benign[proc] = name in self.benign
        return benign

    def _new_day(self, person: str, mine: dict[str, _Day], day: str) -> _Day:
        """The person's next local day: the previous one is closed."""
        prev = self.current.get(person)
        if prev is not None and prev in mine:
            mine[prev].close(self.p["bulk"])
        self.current[person] = day
        new = mine[day] = _Day()
        return new

    def _secret(self, day: _Day, path: str | None, n: int) -> None:
        day.b.secret += n
        key = file_key(path)
        if key:
            day.b.add_key(key)
        names = self.ctx.shared.get("secret_names")  # setdefault built a set every call
        if names is None:
            names = self.ctx.shared["secret_names"] = set()
        if key and len(names) < 500_000:
            names.add(key)

    def finish(self) -> None:
        for person in sorted(self.days):
            hits = self._hits(person)
            for run in _runs(sorted(hits)):
                self._emit(person, run, hits)

    def _hits(self, person: str) -> dict[str, list[str]]:
        q = self.p["bulk"]
        days = self.days[person]
        absolute = {
            d
            for d, v in days.items()
            if v.max_hour >= q["files_per_hour_min"]
            or v.b.bytes >= q["bytes_per_day_min"]
            or v.rows >= q["db_rows_min"]
            or v.folder_count() >= q["folders_per_day_min"]
        }
        hits: dict[str, list[str]] = {}
        order = sorted(days)
        cum = _sums30(_cumulative(days))
        for i, d in enumerate(order):
            if d not in absolute:
                if self._rolling(cum, d):
                    hits[d] = ["rolling30"]
                continue  # below every absolute minimum: no baseline can make it fire
            start = (date.fromisoformat(d) - timedelta(days=q["baseline_days"])).isoformat()
            lo = bisect_left(order, start, 0, i)
            base = [days[k] for k in order[lo:i] if k not in absolute]
            v, why = days[d], []
            hourly = [b.max_hour for b in base if b.max_hour]  # busiest hour of each base day
            if v.max_hour >= max(q["files_per_hour_min"], q["baseline_multiplier"] * p95(hourly)):
                why.append("hourly_files")
            if v.b.bytes >= max(
                q["bytes_per_day_min"], q["baseline_multiplier"] * p95([b.b.bytes for b in base])
            ):
                why.append("daily_bytes")
            if v.folder_count() >= max(
                q["folders_per_day_min"], 3 * p95([b.folder_count() for b in base])
            ):
                why.append("folders")
            if v.rows >= max(
                q["db_rows_min"], q["db_rows_multiplier"] * p95([b.rows for b in base])
            ):
                why.append("db_rows")
            if self._rolling(cum, d):
                why.append("rolling30")
            if why:
                hits[d] = why
        return hits

    def _rolling(self, sums: tuple[int, list[int]], d: str) -> bool:
        q = self.p["bulk"]
        first, s30 = sums
        at = date.fromisoformat(d).toordinal() - first + _REACH  # s30[at] = _sum30(cum, end)
        ref_sums = [s for s in s30[at - 150 : at - 59 : 5] if s > 0]  # ends end-150 .. end-60
        if len(ref_sums) < 5:
            return False
        return bool(s30[at] >= q["rolling30_multiplier"] * max(1, int(median(ref_sums))))

    def _emit(self, person: str, run: list[str], hits: dict[str, list[str]]) -> None:
        days = self.days[person]
        total = Bucket(self.ctx.max_refs())
        for d in run:
            total.merge(days[d].b)
            if days[d].rows_ref is not None and days[d].rows_ref not in total.refs:
                total.refs.append(days[d].rows_ref)
        reasons = sorted({w for d in run for w in hits[d]})
        rows = max(days[d].rows for d in run)
        secret_share = 100 * total.secret // max(1, total.files)
        sev = "high" if secret_share >= self.p["bulk"]["secret_share_percent"] else "medium"
        ticket = self.ctx.ticket_for(person, total.t0)
        cis = (
            [ci("CI.02", note=(f"チケット{ticket['id']}", f"ticket {ticket['id']}"))]
            if ticket
            else []
        )
        if ticket:
            sev = "info"
        wja, wen = who(self.ctx, person)
        t0, t1 = ref_span(total.refs) if total.t0 is None else (total.t0, total.t1)
        rows_ja = f"、1回の出力で最大{rows:,}行" if rows else ""
        rows_en = f", up to {rows:,} rows in one export" if rows else ""
        self.ctx.emit(
            Draft(
                rule="R02",
                person=person,
                title_ja="大量取得の記録",
                title_en="Bulk acquisition",
                explanation_ja=(
                    f"{wja}により、{run[0]}から{run[-1]}までの{len(run)}日間に"
                    f"{total.files:,}件（{size_ja(total.bytes)}{rows_ja}）のファイル取得の"
                    f"記録がある。うち{total.secret:,}件は営業秘密候補または秘密表示のある"
                    f"ファイルである。本人の平常時の水準又は絶対的な最小値を超える"
                    f"（基準: {', '.join(reasons)}）。"
                ),
                explanation_en=(
                    f"Records show {total.files:,} files ({size_en(total.bytes)}{rows_en}) "
                    f"acquired under {wen} over {len(run)} day(s) from {run[0]} to "
                    f"{run[-1]}; {total.secret:,} are secret-set or marked files. This "
                    f"exceeds the person's own baseline or the absolute minimums (criteria: "
                    f"{', '.join(reasons)})."
                ),
                refs=total.refs,
                total=total.files,
                elements=list(BULK_ELEMENTS),
                strength="direct",
                severity=sev,
                t0=t0,
                t1=t1,
                signals=list(BULK_SIGNALS),
                indicators=["volume"] + (["secret_set"] if total.secret else []),
                cis=cis,
                facts={
                    "files": total.files,
                    "bytes": total.bytes,
                    "days": run,
                    "criteria": reasons,
                    "secret_files": total.secret,
                    "max_rows": rows,
                },
                params=dict(self.p["bulk"]),
                files=set(total.keys),
            )
        )


def _cumulative(days: dict[str, _Day]) -> tuple[int, list[int]]:
    """(first day ordinal, cumulative file counts per calendar day) for O(1) 30-day sums."""
    ords = {date.fromisoformat(k).toordinal(): v.b.files for k, v in days.items()}
    first, last = min(ords), max(ords)
    cum, acc = [], 0
    for o in range(first, last + 1):
        acc += ords.get(o, 0)
        cum.append(acc)
    return first, cum


_REACH = 150  # the reference period reaches 150 days back


def _sums30(cum: tuple[int, list[int]]) -> tuple[int, list[int]]:
    """(first day ordinal, 30-day file counts ending on each day from ``first - 150`` to the
    last day): ``[_sum30(cum, first + i) for i in range(-150, len)]``, with one pass."""
    first, values = cum
    ends = range(first - _REACH, first + len(values))
    return first, [_sum30(cum, end) for end in ends]


def _sum30(cum: tuple[int, list[int]], end: int) -> int:
    """Files in the 30 days ending at day ordinal ``end`` (inclusive)."""
    first, values = cum
    last = len(values) - 1
    hi = values[min(end - first, last)] if end >= first else 0
    lo = values[min(end - 30 - first, last)] if end - 30 >= first else 0
    return hi - lo


def _runs(days: list[str], gap: int = 3) -> list[list[str]]:
    """Group sorted local days into runs with at most ``gap`` days between them."""
    runs: list[list[str]] = []
    for d in days:
        if runs and (date.fromisoformat(d) - date.fromisoformat(runs[-1][-1])).days <= gap:
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs
