"""R06 staging_obfuscation — 持出し準備・偽装 (map §3.3 R06, SIG.BF.06).

Inputs: renames (USN, MFT) where the content type (``attributes.magic``) does not
match the new extension (``.xlsx`` → ``.jpg``); archiver runs (7z/WinRAR/zip) with
password or header-encryption switches, or archives created with
``attributes.encrypted`` or >= 20 files; encrypted containers (VeraCrypt); split
archives (``.001``, ``.z01``). Per person and day: >= 5 mismatched renames or any
archive/container artefact. Severity ``medium``; ``high`` when an R03/R04/R05
transfer by the same person follows within 24 hours. PPAP-style encryption alone
for a business recipient is not flagged here (R05 decides recipients).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, epoch, extension, obj_path, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, attr, who

_MAGIC_EXT = {
    "ooxml": {".docx", ".xlsx", ".pptx", ".zip"},
    "zip": {".zip", ".docx", ".xlsx", ".pptx"},
    "pdf": {".pdf"},
    "jpeg": {".jpg", ".jpeg"},
    "png": {".png"},
    "ole": {".doc", ".xls", ".ppt", ".msg"},
    "7z": {".7z"},
    "rar": {".rar"},
}
_ARCHIVE_EXT = {".7z", ".zip", ".rar", ".001", ".z01", ".tar", ".gz"}


@rules.register("R06")
class StagingObfuscation(Rule):
    """Staging before a transfer: renaming, encrypted archives, containers."""

    id = "R06"
    name = "staging_obfuscation"
    actions = frozenset({"rename", "create", "execute", "modify"})
    person_only = True
    needs = ("endpoint",)
    phase = 30

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.renames: dict[tuple[str, str], Bucket] = {}
        self.archives: dict[tuple[str, str], Bucket] = {}
        ctx.shared.setdefault("last_staging", {})

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None:
            return
        act = ev["action"]
        if act == "rename":
            magic = str(attr(ev, "magic") or "").lower()
            new = obj_path(ev, "target") or obj_path(ev)
            if magic in _MAGIC_EXT and extension(new) not in _MAGIC_EXT[magic]:
                b = self.renames.setdefault((person, lt.day), Bucket())
                b.add(ref(ev, idx, "rename"))
                self._mark(person, ev)
            return
        if self._is_archive(ev):
            b = self.archives.setdefault((person, lt.day), Bucket())
            b.add(ref(ev, idx, "archive"))
            self._mark(person, ev)

    def _is_archive(self, ev: dict[str, Any]) -> bool:
        path = obj_path(ev) or ""
        image = path.replace("/", "\\").rsplit("\\", 1)[-1].lower()
        cmd = str(attr(ev, "command_line") or "").lower()
        flags = ev.get("flags") or ()
        if ev["action"] == "execute":
            if image in self.lists["containers"] or "tool.encryptor" in flags:
                return True
            archiver = image in self.lists["archivers"] or "tool.archiver" in flags
            return archiver and any(s in cmd for s in (" -p", " -hp", "-mhe", "/p"))
        if extension(path) in _ARCHIVE_EXT:
            return (
                bool(attr(ev, "encrypted"))
                or (attr(ev, "file_count") or 0) >= self.p["staging"]["archive_files_min"]
            )
        return False

    def _mark(self, person: str, ev: dict[str, Any]) -> None:
        self.ctx.shared["last_staging"][person] = epoch(ev["time"])

    def finish(self) -> None:
        transfers = [d for d in self.ctx.drafts_of("R03", "R04", "R05") if d.t0]
        horizon = self.p["staging"]["before_transfer_hours"] * 3600
        keys = {k for k, b in self.renames.items() if b.files >= self.p["staging"]["renames_min"]}
        for person, day in sorted(keys | set(self.archives)):
            b = Bucket(self.ctx.max_refs())
            for src in (self.renames, self.archives):
                if (person, day) in src and (src is self.archives or (person, day) in keys):
                    b.merge(src[(person, day)])
            start = epoch(b.t0 or "")
            follow = [
                d
                for d in transfers
                if d.person == person and 0 <= epoch(d.t0 or "") - start <= horizon
            ]
            wja, wen = who(self.ctx, person)
            self.ctx.emit(
                Draft(
                    rule="R06",
                    person=person,
                    title_ja="持出し準備（拡張子変更・暗号化圧縮等）の記録",
                    title_en="Staging: renaming, encrypted archives or containers",
                    explanation_ja=(
                        f"{day}、{wja}により、内容と一致しない拡張子への変更または暗号化圧縮等の記録が{b.files}件ある。"
                        + (
                            f"24時間以内に外部への複製・送信の記録が{len(follow)}件続く。"
                            if follow
                            else ""
                        )
                    ),
                    explanation_en=(
                        f"On {day}, records show {b.files} renaming/encrypted-archive artefact(s) under {wen}."  # noqa: E501 - bilingual wording kept whole
                        + (
                            f" {len(follow)} transfer finding(s) follow within 24 hours."
                            if follow
                            else ""
                        )
                    ),
                    refs=b.refs,
                    total=b.files,
                    elements=[("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.06")],
                    strength="strong_indirect",
                    severity="high" if follow else "medium",
                    t0=b.t0,
                    t1=b.t1,
                    signals=["SIG.BF.06"],
                    indicators=["staging"],
                    facts={"artefacts": b.files, "followed_by_transfer": len(follow), "day": day},
                    params=dict(self.p["staging"]),
                )
            )
