"""Windows Prefetch (``*.pf``, versions 17/23/26/30, MAM-compressed or not) read with
libscca: one ``execute`` event per recorded run time (up to eight on Windows 8+), with the
run count, the volumes (device path, serial, creation time) and the files the program
loaded. Known wiping, anti-forensic, archiving and encryption tools are flagged from the
tools list. Reference: libyal/libscca "Windows Prefetch File (PF) format".
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyscca

from evidencekit.model import Action, Device, Event, Locator, ObjectRef, ParseIssue
from evidencekit.parsers.base import ParseContext, parsers
from evidencekit.parsers.winutil import (
    filetime_event,
    in_image_path,
    oversize_issue,
    read_bounded,
    time_fields,
    tool_flags,
    u32,
    volume_serial_text,
)

_MAX_PF = 32 << 20


def _volumes(pf: Any) -> list[dict[str, Any]]:
    out = []
    for index in range(pf.number_of_volumes):
        vol = pf.get_volume_information(index)
        out.append(
            {
                "device_path": vol.device_path,
                "serial": volume_serial_text(vol.serial_number),
                "created": time_fields(vol.get_creation_time_as_integer())["time"],
            }
        )
    return out


def _run_times(pf: Any) -> list[int]:
    times = []
    for index in range(8):
        try:
            value = pf.get_last_run_time_as_integer(index)
        except (OSError, IndexError, ValueError):
            break
        if value:
            times.append(value)
    return times


@parsers.register("prefetch")
class PrefetchParser:
    """Windows Prefetch files: program executions with run count, last run times,
    volumes and loaded files; flags known wipers, archivers and encryptors."""

    name: ClassVar[str] = "prefetch"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "artifact"
    image_globs: ClassVar[tuple[str, ...]] = ("Windows/Prefetch/*.pf",)

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        return head[4:8] == b"SCCA" or head[:3] == b"MAM"

    def parse(self, ctx: ParseContext) -> Iterator[Event | ParseIssue]:
        data = read_bounded(ctx.path, _MAX_PF)
        oversized = oversize_issue(ctx, data)
        if oversized:
            yield oversized
        path = in_image_path(ctx)
        locator = Locator(path=path, offset="0", length=len(data))
        pf = pyscca.file()
        try:
            pf.open_file_object(io.BytesIO(data))
            exe = pf.executable_filename or ""
            files = [pf.get_filename(i) for i in range(pf.number_of_filenames)]
            volumes, runs = _volumes(pf), _run_times(pf)
            attrs: dict[str, Any] = {
                "format_version": pf.format_version,
                "run_count": pf.run_count,
                "prefetch_hash": f"0x{pf.prefetch_hash:08x}",
                "volumes": volumes,
                "files_loaded": len(files),
            }
        except (OSError, ValueError, IndexError) as exc:
            yield ctx.issue(
                "unreadable_prefetch", f"libscca: {exc}", locator, data, severity="error"
            )
            yield from self._header_only(ctx, data, locator)
            return
        finally:
            pf.close()
        ctx.records_read += 1
        full = next((f for f in files if f.upper().endswith("\\" + exe.upper())), exe)
        attrs["executable_path"] = full
        flags = tuple(tool_flags(ctx, full))
        device = Device(volume_serial=volumes[0]["serial"]) if volumes else None
        obj = ObjectRef(kind="file", path=full, name=exe)
        for rank, filetime in enumerate(runs or [0]):
            yield filetime_event(
                ctx,
                filetime,
                role="last_run" if rank == 0 else f"run_{rank}",
                action=Action.EXECUTE,
                kind="prefetch.run",
                locator=locator,
                raw=data,
                flags=flags,
                object=obj,
                device=device,
                attributes={**attrs, "run_index": rank},
            )

    @staticmethod
    def _header_only(ctx: ParseContext, data: bytes, locator: Locator) -> Iterator[Event]:
        """Uncompressed header (version, name, hash) when libscca refuses the rest."""
        if data[4:8] != b"SCCA" or len(data) < 84:
            return
        exe = data[16:76].decode("utf-16-le", "replace").split("\x00", 1)[0]
        ctx.records_read += 1
        yield filetime_event(
            ctx,
            None,
            role="last_run",
            action=Action.EXECUTE,
            kind="prefetch.run",
            locator=locator,
            raw=data,
            flags=tuple(tool_flags(ctx, exe)),
            object=ObjectRef(kind="file", name=exe),
            attributes={
                "format_version": u32(data, 0),
                "prefetch_hash": f"0x{u32(data, 76):08x}",
                "header_only": True,
            },
        )
