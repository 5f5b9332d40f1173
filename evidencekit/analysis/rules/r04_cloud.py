"""R04 personal_cloud_upload — 個人クラウド・転送・ウェブメールへのアップロード (map §3.3 R04).

Webmail hosts (``lists.toml`` ``webmail``) count as personal destinations too: an upload
there attaches files to a private mailbox ("upload to personal cloud or webmail"). The log
parsers' own domain categories are not used here: they include corporate services
(SharePoint, Outlook on the web) that only the asset register can tell apart.

Inputs: proxy/CASB uploads (``action`` upload, ``object.url`` or ``attributes.host``,
``attributes.bytes_out``, ``attributes.tenant``), sync clients, SRUM. Destinations
from ``lists.toml`` ``cloud_personal`` (reviewed date recorded); the company's own
tenant or host in the asset register's ``[[destination]]`` is CI.03 and never fires.
Fires per person and day on >= 50 MB to personal destinations, or any upload within
60 minutes after staging (R06 artefacts) or after reading secret-set files.
Severity ``high`` with secret-set involvement, else ``medium``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from evidencekit.analysis.context import Draft, byte_count, epoch, obj_path, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import (
    _UNSET,
    Bucket,
    _object_facts,
    attr,
    file_key,
    host_matches,
    mib,
    size_en,
    size_ja,
    who,
)


def host_of(ev: dict[str, Any]) -> str | None:
    host = attr(ev, "host") or attr(ev, "domain")
    if host:
        return str(host).casefold()
    url = (ev.get("object") or {}).get("url") or (ev.get("target") or {}).get("url")
    return urlsplit(url).hostname if url else None


@rules.register("R04")
class PersonalCloudUpload(Rule):
    """Upload to personal cloud storage, a file-transfer service or webmail."""

    id = "R04"
    name = "personal_cloud_upload"
    actions = frozenset({"upload", "read", "download", "access"})
    person_only = True
    needs = ("proxy",)

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.groups: dict[tuple[str, str, str], Bucket] = {}
        self.last_secret: dict[str, str] = {}  # person -> time of the last secret read
        self.flags: dict[tuple[str, str, str], list[bool]] = {}
        self._hosts: dict[str, tuple[bool, str | None]] = {}

    def _host(self, host: str) -> tuple[bool, str | None]:
        """(corporate destination, personal-service list entry) of a host, memoised: the
        lists and the register are fixed for the run and uploads repeat their hosts."""
        hit = self._hosts.get(host)
        if hit is None:
            if len(self._hosts) > 10_000:
                self._hosts.clear()
            listed = host_matches(host, self.lists["cloud_personal"]) or host_matches(
                host, self.lists.get("webmail", [])
            )
            hit = self._hosts[host] = (self.ctx.assets.is_corporate_destination(host), listed)
        return hit

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None:
            return
        if ev["action"] != "upload":
            obj = ev.get("object")  # obj_path(ev) and secret_asset, inline (every read)
            if obj and (obj.get("path") or obj.get("url") or obj.get("name")):
                asset = ev.get("_asset", _UNSET)
                if asset is _UNSET:
                    asset = _object_facts(self.ctx, ev)[0]
                if asset is not None:
                    self.last_secret[person] = ev["time"]  # as seconds at an upload only
            return
        host = host_of(ev)
        if not host:
            return
        corporate, listed = self._host(host)
        if corporate:
            return
        tenant = attr(ev, "tenant")
        if tenant and self.ctx.assets.is_corporate_destination(str(tenant)):
            return
        if listed is None:
            return
        key = (person, listed, lt.day)
        b = self.groups.setdefault(key, Bucket(self.ctx.max_refs()))
        now, near = epoch(ev["time"]), self.p["cloud"]["after_staging_minutes"] * 60
        flags = self.flags.setdefault(key, [False, False])
        flags[0] |= (
            0 <= now - self.ctx.shared.get("last_staging", {}).get(person, -(10**12)) <= near
        )
        last = self.last_secret.get(person)
        flags[1] |= 0 <= now - (-(10**12) if last is None else epoch(last)) <= near
        name = obj_path(ev)
        b.add(ref(ev, idx, "upload"), 1, byte_count(ev), file_key(name))
        if self.ctx.assets.match(name, (ev.get("object") or {}).get("sha256")):
            b.secret += 1

    def finish(self) -> None:
        q = self.p["cloud"]
        for key in sorted(self.groups):
            person, service, day = key
            b = self.groups[key]
            after_staging, after_secret = self.flags[key]
            if b.bytes < q["bytes_per_day_min"] and not (after_staging or after_secret or b.secret):
                continue
            sev = "high" if (b.secret or after_secret) else "medium"
            wja, wen = who(self.ctx, person)
            amount = f"totalling {mib(b.bytes)}" if b.bytes else f"({size_en(0)})"
            self.ctx.emit(
                Draft(
                    rule="R04",
                    person=person,
                    title_ja="個人向けクラウド・転送・ウェブメールへのアップロードの記録",
                    title_en="Upload to a personal cloud, transfer or webmail service",
                    explanation_ja=(
                        f"{day}、{wja}により、{service}へ{size_ja(b.bytes)}（{b.files}回）の"
                        f"アップロードの記録がある。"
                        + (
                            "直前に持出し準備（圧縮・暗号化・拡張子変更）の記録がある。"
                            if after_staging
                            else ""
                        )
                    ),
                    explanation_en=(
                        f"On {day}, records show {b.files} upload(s) {amount} to "
                        f"{service} under {wen}."
                        + (
                            " Staging artefacts (archive, encryption, renaming) precede it."
                            if after_staging
                            else ""
                        )
                    ),
                    refs=b.refs,
                    total=b.files,
                    elements=[
                        ("misappropriation_act.acquisition", "direct", "SIG.ACT.02"),
                        ("crim.ryotoku", "direct", "SIG.ACT.02"),
                        ("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.02"),
                        ("remedy.injunction_threat", "strong_indirect", "SIG.ACT.02"),
                    ],
                    strength="direct",
                    severity=sev,
                    t0=b.t0,
                    t1=b.t1,
                    signals=["SIG.ACT.02", "SIG.BF.02"],
                    indicators=["private_dest"]
                    + (["secret_set"] if (b.secret or after_secret) else []),
                    facts={
                        "service": service,
                        "bytes": b.bytes,
                        "uploads": b.files,
                        "day": day,
                        "after_staging": after_staging,
                        "after_secret_read": after_secret,
                    },
                    params=dict(q),
                    files=set(b.keys),
                )
            )
