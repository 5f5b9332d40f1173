"""R03 removable_copy — 外部記録媒体・スマートフォン・光学メディアへの複製 (map §3.3 R03).

Inputs: copies or creates whose ``device.drive_type`` is removable, mtp or optical;
targets on WPD shell paths (``This PC\\<device>\\…``, no drive letter: Benesse [P20],
[P21]); the Explorer burn staging folder; LNK/ShellBag traces opened on removable
volumes. A connection alone (a phone plugged in to charge, [S3]) never fires.
Severity: >= 1 secret-set or marked file ``high``; >= 20 value-class files or
>= 100 MB of them in a day ``medium``; otherwise ``info``. An unregistered device
(R17) and a first connection inside an R01 window each add a level. A device in the
corporate register is CI.03. Personal files (photos, payslips) form their own
finding with CI.05 so they never dilute or suppress the rest (P2).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, byte_count, file_count, obj_path, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import (
    Bucket,
    bump,
    ci,
    file_key,
    has_marking,
    is_block,
    is_personal,
    is_value_class,
    size_en,
    size_ja,
    who,
)

_MEDIA = frozenset({"removable", "mtp", "optical"})
_WPD = ("this pc\\", "pc\\", "コンピューター\\", "::{")
_BURN = "\\microsoft\\windows\\burn\\burn"


def destination(ev: dict[str, Any]) -> tuple[str, str] | None:
    """(medium, device id) when the event writes to or traces removable media."""
    dev = ev.get("device") or {}
    target = obj_path(ev, "target") or ""
    low = target.casefold()
    if dev.get("drive_type") in _MEDIA:
        medium = str(dev["drive_type"])
    elif low.startswith(_WPD):
        medium = "mtp"
    elif _BURN in low or _BURN in (obj_path(ev) or "").casefold():
        medium = "optical"
    else:
        return None
    ident = dev.get("usb_serial") or dev.get("volume_serial") or dev.get("label")
    if not ident and medium == "mtp" and target:
        ident = target.split("\\")[1] if "\\" in target else target
    return medium, str(ident or f"unknown-{medium}")


@rules.register("R03")
class RemovableCopy(Rule):
    """Copy to removable media, phones (MTP) or optical discs."""

    id = "R03"
    name = "removable_copy"
    actions = frozenset({"copy", "create", "move", "open", "access", "device_connect"})
    needs = ("endpoint",)

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.groups: dict[tuple[str, str, str, str, bool], Bucket] = {}
        self.first_seen: dict[str, str] = {}
        self.copied: dict[tuple[str, str, str, str, bool], list[int]] = {}

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if ev["action"] == "device_connect":
            serial = (ev.get("device") or {}).get("usb_serial")
            if serial and serial not in self.first_seen:
                self.first_seen[serial] = ev["time"]
            return
        dest = destination(ev)
        if dest is None or person is None or is_block(ev):
            return
        src = obj_path(ev) or obj_path(ev, "target")
        personal = is_personal(self.ctx, src)
        obj = ev.get("object") or {}
        asset = self.ctx.assets.match(src, obj.get("sha256"))
        linked = file_key(src) in self.ctx.shared.get("secret_names", ())
        secret = asset is not None or has_marking(self.ctx, src) is not None or linked
        personal = personal and not secret
        key = (person, dest[1], dest[0], lt.day, personal)
        b = self.groups.get(key)
        if b is None:
            b = self.groups[key] = Bucket(self.ctx.max_refs())
        n = file_count(ev)
        copy = ev["action"] in ("copy", "move")
        b.add(ref(ev, idx, "copy" if copy else "trace"), n, byte_count(ev), file_key(src))
        if copy:  # copy records carry the counts; per-file traces only name the files
            c = self.copied.setdefault(key, [0, 0])
            c[0] += n
            c[1] += byte_count(ev)
        b.secret += n if secret else 0
        b.value += n if is_value_class(self.ctx, src) else 0
        b.personal += n if personal else 0
        if asset is not None:
            b.add_asset(asset.id)
        if src:
            b.add_key("path:" + src.replace("/", "\\").casefold())

    def finish(self) -> None:
        q = self.p["removable"]
        for key in sorted(self.groups):
            person, device, medium, day, personal = key
            b = self.groups[key]
            if key in self.copied:
                b.files, b.bytes = max(self.copied[key][0], b.secret), self.copied[key][1]
            if b.secret:
                sev = "high"
            elif b.value >= q["files_min"] or (b.value and b.bytes >= q["bytes_min"]):
                sev = "medium"
            else:
                sev = "info"
            registered = self.ctx.assets.is_registered_device(device)
            if personal:  # personal subset: only the destination counts (B4, P2)
                sev = "info" if registered else "low"
                self._emit(person, device, medium, day, personal, b, sev, registered)
                continue
            if not registered:
                sev = bump(sev)
            first = self.first_seen.get(device)
            window = self.ctx.window(person, self.ctx.local(first).day) if first else None
            if first and first[:10] >= (b.t0 or "")[:10] and window in ("pre", "hot", "exit_leave"):
                sev = bump(sev)
            self._emit(person, device, medium, day, personal, b, sev, registered)

    def _emit(
        self,
        person: str,
        device: str,
        medium: str,
        day: str,
        personal: bool,
        b: Bucket,
        sev: str,
        registered: bool,
    ) -> None:
        cis = [ci("CI.03")] if registered else []
        if personal:
            cis.append(ci("CI.05"))
        exit_check = self.ctx.hr.get(person)
        if exit_check and exit_check.covers("exit_checklist", day, 0, 0):
            cis.append(ci("CI.06"))
        wja, wen = who(self.ctx, person)
        mja = {
            "removable": "外部記録媒体",
            "mtp": "スマートフォン等（MTP）",
            "optical": "光学メディア",
        }[medium]
        reg_ja = "会社登録済みの" if registered else "会社の機器台帳に登録のない"
        reg_en = "registered corporate" if registered else "unregistered"
        name_ja, name_en = f"（{device}）", f" {device}"
        if device.startswith("unknown-"):  # no serial or label: nothing to look up
            reg_ja, reg_en = "識別情報（シリアル番号等）の記録がない", "unidentified"
            name_ja, name_en = "", " (no serial or label in the records)"
        kind_ja = "私的な内容と整合するファイル" if personal else "ファイル"
        elements = [
            ("misappropriation_act.acquisition", "direct", "SIG.ACT.02"),
            ("crim.ryotoku", "direct", "SIG.ACT.02"),
            ("remedy.injunction_threat", "strong_indirect", "SIG.ACT.02"),
        ]
        if not registered and not personal:
            elements.append(("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.02"))
        self.ctx.emit(
            Draft(
                rule="R03",
                person=person,
                title_ja=f"{mja}への複製の記録",
                title_en=f"Copy to {medium} media",
                explanation_ja=(
                    f"{day}、{wja}により、{reg_ja}{mja}{name_ja}へ{kind_ja}{b.files:,}件"
                    f"（{size_ja(b.bytes)}）を複製した記録がある。うち営業秘密候補または秘密表示の"
                    f"あるファイルは{b.secret:,}件である。"
                ),
                explanation_en=(
                    f"On {day}, records show {b.files:,} {'personal ' if personal else ''}"
                    f"files ({size_en(b.bytes)}) copied under {wen} to {reg_en} {medium} "
                    f"device{name_en}; {b.secret:,} are secret-set or marked files."
                ),
                refs=b.refs,
                total=b.files,
                elements=elements,
                strength="direct",
                severity=sev,
                t0=b.t0,
                t1=b.t1,
                signals=["SIG.ACT.02"] + ([] if registered else ["SIG.BF.02"]),
                indicators=([] if registered else ["private_dest"])
                + (["secret_set"] if b.secret else []),
                cis=cis,
                files=set(b.keys),
                facts={
                    "device": device,
                    "medium": medium,
                    "registered": registered,
                    "day": day,
                    "files": b.files,
                    "bytes": b.bytes,
                    "secret_files": b.secret,
                    "value_files": b.value,
                    "assets": sorted(b.assets),
                    "personal": personal,
                },
                params=dict(self.p["removable"]),
            )
        )
