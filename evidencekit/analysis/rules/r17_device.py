"""R17 unregistered_device — 未登録機器の接続 (map §3.3 R17; [S3] 「登録されたもの以外が…」).

Inputs: device connections (USBSTOR, Partition/Diagnostic 1006, Kernel-PnP 400/410,
6416) with a serial. Storage, phone (MTP/WPD) and optical classes only: keyboards,
mice and chargers are ignored. A serial missing from the asset register's
``[[device]]`` list is ``low`` alone; R03 uses it as a modifier.
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, Ref, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import attr, who

_CLASSES = frozenset(
    {"storage", "disk", "mtp", "wpd", "optical", "cdrom", "removable", "mass_storage"}
)


@rules.register("R17")
class UnregisteredDevice(Rule):
    """New or unregistered storage, phone or optical device."""

    id = "R17"
    name = "unregistered_device"
    actions = frozenset({"device_connect"})
    needs = ("endpoint",)

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.seen: dict[str, tuple[str | None, list[Ref], int]] = {}

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        dev = ev.get("device") or {}
        serial = dev.get("usb_serial") or dev.get("volume_serial")
        cls = str(attr(ev, "device_class") or dev.get("drive_type") or "").lower()
        if not serial or cls not in _CLASSES or self.ctx.assets.is_registered_device(serial):
            return
        owner = person or self.ctx.identities.host_owner((ev.get("actor") or {}).get("host"))
        prev = self.seen.get(serial)
        if prev is None:
            self.seen[serial] = (owner, [ref(ev, idx, "connect")], 1)
        else:
            refs = prev[1] if len(prev[1]) >= 8 else [*prev[1], ref(ev, idx, "connect")]
            self.seen[serial] = (prev[0] or owner, refs, prev[2] + 1)

    def finish(self) -> None:
        for serial in sorted(self.seen):
            person, refs, count = self.seen[serial]
            wja, wen = who(self.ctx, person)
            self.ctx.emit(
                Draft(
                    rule="R17",
                    person=person,
                    title_ja="台帳に登録のない機器の接続の記録",
                    title_en="Connection of an unregistered device",
                    explanation_ja=f"会社の機器台帳に登録のない機器（{serial}）が{count}回接続された記録がある（{wja}の端末）。",
                    explanation_en=f"Records show {count} connection(s) of device {serial}, which is not in the corporate device register ({wen}).",  # noqa: E501 - bilingual wording kept whole
                    refs=refs,
                    total=count,
                    elements=[("bad_faith.tori_kagai", "context", "SIG.BF.02")],
                    strength="context",
                    severity="low",
                    t0=refs[0][1],
                    t1=refs[-1][1],
                    signals=["SIG.BF.02"],
                    facts={"device": serial, "connections": count},
                ),
                windowed=False,
            )
