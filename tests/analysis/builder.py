"""Scenario builder: synthesises the domain map's §6 scenarios as real keyed events in a
real case folder through the public API (Case.init, store batches of Event objects,
case.seal()). Times are given as Japan wall-clock text and converted with
``evidencekit.events.time.from_local``; each event keeps its original text and offset.

Each synthetic "source" stands for one export (audit log, endpoint image, proxy log, HR
CSV); its hashes are computed over the canonical bytes of the events it holds, so the
source record is honest about what it contains.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from evidencekit.case.workspace import Case
from evidencekit.events.time import from_local
from evidencekit.model import Actor, Device, Event, Locator, ObjectRef, Source, TimePrecision
from evidencekit.timeline.canonical import dumps

ZONE = "Asia/Tokyo"

# source name -> (kind, format)
SOURCES = {
    "fileserver": ("log", "evtx.security"),
    "endpoint": ("image", "ntfs"),
    "proxy": ("log", "proxy"),
    "mail": ("log", "messagetrace"),
    "hr": ("log", "hr.csv"),
    "dlp": ("log", "dlp"),
    "badge": ("log", "badge"),
    "vpn": ("log", "vpn"),
    "print": ("log", "print"),
}

KIND_OF = {
    "fileserver": "evtx.security.5145",
    "endpoint": "ntfs.usn",
    "proxy": "proxy.access",
    "mail": "mail.message",
    "hr": "hr.event",
    "dlp": "dlp.event",
    "badge": "badge.entry",
    "vpn": "vpn.session",
    "print": "print.job",
}


def sid(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:16]


class Scenario:
    """Collects events per source, then stores and seals them in a new case."""

    def __init__(self, root: Path, case_id: str) -> None:
        self.root = root
        self.case = Case.init(root / "case", case_id, examiner="test")
        self.events: dict[str, list[Event]] = {}
        self.files: dict[str, Path] = {}

    def add(
        self,
        src: str,
        local: str,
        action: str,
        user: str | None = None,
        *,
        kind: str | None = None,
        path: str | None = None,
        target: str | None = None,
        url: str | None = None,
        size: int | None = None,
        device: dict[str, Any] | None = None,
        attrs: dict[str, Any] | None = None,
        host: str | None = None,
        process: str | None = None,
        email: str | None = None,
        date_only: bool = False,
        flags: tuple[str, ...] = (),
        domain: str | None = None,
    ) -> None:
        """One event at Japan wall-clock ``local`` ("2025-03-20 14:05[:ss]" or a date)."""
        fmt = (
            "%Y-%m-%d"
            if date_only
            else ("%Y-%m-%d %H:%M:%S" if local.count(":") == 2 else "%Y-%m-%d %H:%M")
        )
        naive = datetime.strptime(local, fmt)  # noqa: DTZ007 - zone applied by from_local
        utc, offset = from_local(naive, ZONE)
        name = src
        rows = self.events.setdefault(name, [])
        actor = (
            Actor(user=user, domain=domain, host=host, process=process, email=email)
            if (user or host or process or email)
            else None
        )
        obj = (
            ObjectRef(path=path, url=url, size=size) if (path or url or size is not None) else None
        )
        tgt = ObjectRef(path=target) if target else None
        content = {"a": action, "t": local, "p": path, "x": target, "u": url, "attrs": attrs or {}}
        self_raw = hashlib.sha256(dumps(content)).hexdigest()
        rows.append(
            Event(
                time=utc,
                time_precision=TimePrecision.DAY if date_only else TimePrecision.S,
                time_original=local,
                time_offset=offset,
                time_zone=ZONE,
                time_role="logged",
                action=action,
                kind=kind or KIND_OF[src],
                actor=actor,
                object=obj,
                target=tgt,
                device=Device(**device) if device else None,
                source=sid(name),
                locator=Locator(path=f"{name}.export", line=len(rows) + 1),
                raw_sha256=self_raw,
                flags=flags,
                attributes=attrs or {},
            )
        )

    def hr(self, person: str, hr_type: str, local: str, **extra: Any) -> None:
        self.add(
            "hr",
            local,
            "hr_event",
            person,
            attrs={"hr_type": hr_type, "person": person, **extra},
            date_only=":" not in local,
        )

    def write(self, name: str, text: str) -> Path:
        """An input file (identity map, asset register, HR CSV) beside the case."""
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        self.files[name] = path
        return path

    def seal(self) -> Case:
        for name, rows in sorted(self.events.items()):
            blob = b"".join(dumps(e.content()) + b"\n" for e in rows)
            kind, fmt = SOURCES[name]
            with self.case.store.batch(sid(name)) as w:
                for e in rows:
                    w.add_event(e)
                w.finish(
                    Source(
                        id=sid(name),
                        kind=kind,
                        format=fmt,
                        name=f"{name}.export",
                        path=f"{name}.export",
                        size=len(blob),
                        md5=hashlib.md5(blob).hexdigest(),  # noqa: S324 - fixity, not security
                        sha1=hashlib.sha1(blob).hexdigest(),  # noqa: S324 - evidence fixity, not security
                        sha256=hashlib.sha256(blob).hexdigest(),
                        parser="events_jsonl",
                        parser_version="1",
                        time_zone=ZONE,
                        events=len(rows),
                        records_read=len(rows),
                    )
                )
        self.case.seal()
        return self.case


def days(first: str, last: str, weekdays_only: bool = False) -> Iterator[str]:
    d, end = date.fromisoformat(first), date.fromisoformat(last)
    while d <= end:
        if not weekdays_only or d.weekday() < 5:
            yield d.isoformat()
        d += timedelta(days=1)


def spread(day: str, start: str, end: str, n: int) -> Iterator[str]:
    """``n`` evenly spaced wall-clock times between ``start`` and ``end`` on ``day``."""
    a = datetime.fromisoformat(f"{day} {start}")
    b = datetime.fromisoformat(f"{day} {end}")
    if b <= a:
        b += timedelta(days=1)
    step = (b - a) / max(1, n)
    for i in range(n):
        yield (a + step * i).strftime("%Y-%m-%d %H:%M:%S")
