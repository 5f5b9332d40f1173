"""Correlation: *copy to removable media* events derived from the events of a case.

Rule ``copy_to_removable`` (version 1). A derived event is made for an ``open`` event
(LNK, jump list) of a file on a **removable** volume with a volume serial, when

1. a file with the same name (case-insensitive) and the same size exists on a fixed
   disk (events on a ``fixed`` drive or file-system events ``fs.*``);
2. the volume serial is tied to a USB serial by an event whose device names both
   (EMDMgmt) or whose ``Vbr0`` data holds it (Partition/Diagnostic 1006, decoded by
   :func:`evidencekit.events.devices.vbr_volume_serial`);
3. that USB device has a ``device_connect`` at or before the open, with no
   ``device_disconnect`` recorded between that connection and the open.

Each derived event cites, in ``attributes.derived_from`` (sorted), the ids of every
event it rests on: the open, each matching fixed-disk file event, each tie event,
the covering connection and, when present, the same link's ``target_created`` event,
whose time (the file's creation on the removable volume) becomes the copy's time.
Same-name files of a different size do not match.

Derived events belong to a source of kind ``derived``. Its hashes (MD5, SHA-1, SHA-256)
and size are over the *cited input bytes*: the RFC 8785 canonical JSON of every cited
event, sorted by event id, each followed by a newline. The same case therefore yields
the same source id and the same derived events; a changed input changes the source.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import rfc8785

from evidencekit.events.devices import event_volume_serial
from evidencekit.model import Action, Device, Event, Locator, ObjectRef, Source

RULE = "copy_to_removable"
RULE_VERSION = "1"
KIND = "correlation.copy_to_removable"


@dataclass(frozen=True)
class CopyFinding:
    """The events one derived copy event rests on."""

    opened: dict[str, Any]
    fixed: tuple[dict[str, Any], ...]
    ties: tuple[dict[str, Any], ...]
    connect: dict[str, Any]
    created: dict[str, Any] | None = None
    """The same link's ``target_created`` event: when the file appeared on the volume."""

    def cited(self) -> list[dict[str, Any]]:
        """Every cited event, sorted by id, without duplicates."""
        extra = (self.created,) if self.created else ()
        chain = (self.opened, *self.fixed, *self.ties, self.connect, *extra)
        events = {e["id"]: e for e in chain}
        return [events[k] for k in sorted(events)]


def _name_size(event: dict[str, Any]) -> tuple[str, int] | None:
    obj = event.get("object") or {}
    if obj.get("name") and isinstance(obj.get("size"), int):
        return str(obj["name"]).lower(), int(obj["size"])
    return None


def _index(events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    opens: list[dict[str, Any]] = []
    fixed: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    ties: dict[str, list[dict[str, Any]]] = defaultdict(list)
    changes: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    created: dict[tuple[str, str, str], dict[str, Any]] = {}
    for event in events:
        if not event.get("id") or str(event.get("kind", "")).startswith("correlation."):
            continue  # derived events never feed a correlation (no self-citation)
        dev = event.get("device") or {}
        key = _name_size(event)
        drive = dev.get("drive_type")
        if (
            event.get("action") == "open"
            and drive == "removable"
            and dev.get("volume_serial")
            and key
            and event.get("time")
        ):
            opens.append(event)
        elif drive == "removable" and event.get("time_role") == "target_created" and key:
            created[_link_key(event)] = event
        elif key and (drive == "fixed" or str(event.get("kind", "")).startswith("fs.")):
            fixed[key].append(event)
        volume = event_volume_serial(event)
        if dev.get("usb_serial") and volume:
            ties[volume].append(event)
        if (
            dev.get("usb_serial")
            and event.get("time")
            and event.get("action") in ("device_connect", "device_disconnect")
        ):
            serial = str(dev["usb_serial"]).upper()
            changes[serial].append((event["time"], event["action"], event))
    return {"opens": opens, "fixed": fixed, "ties": ties, "changes": changes, "created": created}


def _link_key(event: dict[str, Any]) -> tuple[str, str, str]:
    """Events of one link record share source, locator and raw hash."""
    locator = ",".join(f"{k}={v}" for k, v in sorted((event.get("locator") or {}).items()))
    return str(event.get("source")), locator, str(event.get("raw_sha256"))


def covering_connection(
    changes: list[tuple[str, str, dict[str, Any]]], when: str
) -> dict[str, Any] | None:
    """The latest connection at or before ``when`` with no removal after it and before."""
    latest: tuple[str, str, dict[str, Any]] | None = None
    for item in sorted(changes, key=lambda c: (c[0], c[2]["id"])):
        if item[0] > when:
            break
        latest = item
    return latest[2] if latest is not None and latest[1] == "device_connect" else None


def find_copies(events: Iterable[dict[str, Any]]) -> list[CopyFinding]:
    """Apply the rule to event dicts (canonical event JSON with ids)."""
    idx = _index(events)
    findings: list[CopyFinding] = []
    for opened in sorted(idx["opens"], key=lambda e: e["id"]):
        key = _name_size(opened)
        fixed = idx["fixed"].get(key)
        ties = idx["ties"].get(str(opened["device"]["volume_serial"]).upper(), [])
        if not fixed or not ties:
            continue
        serials = sorted({str(t["device"]["usb_serial"]).upper() for t in ties})
        for serial in serials:
            connect = covering_connection(idx["changes"].get(serial, []), opened["time"])
            if connect is None:
                continue
            tied = tuple(
                sorted(
                    (t for t in ties if str(t["device"]["usb_serial"]).upper() == serial),
                    key=lambda e: e["id"],
                )
            )
            findings.append(
                CopyFinding(
                    opened,
                    tuple(sorted(fixed, key=lambda e: e["id"])),
                    tied,
                    connect,
                    idx["created"].get(_link_key(opened)),
                )
            )
    return findings


def cited_bytes(finding_events: Iterable[dict[str, Any]]) -> bytes:
    """Canonical bytes of cited events: RFC 8785 JSON, sorted by id, newline after each."""
    unique = {e["id"]: e for e in finding_events}
    return b"".join(rfc8785.dumps(unique[k]) + b"\n" for k in sorted(unique))


def _device(finding: CopyFinding) -> Device:
    merged: dict[str, Any] = {"drive_type": "removable"}
    for event in (*finding.ties, finding.connect, finding.opened):
        for key, value in (event.get("device") or {}).items():
            if value and key != "drive_type":
                merged.setdefault(key, value)
    return Device(**merged)


def _file(event: dict[str, Any]) -> ObjectRef:
    obj = event.get("object") or {}
    return ObjectRef(kind="file", path=obj.get("path"), name=obj.get("name"), size=obj.get("size"))


def derived_events(findings: list[CopyFinding], source_id: str) -> list[Event]:
    """One ``copy`` event per finding. Its time is when the file was created on the
    removable volume (the link's target creation time: a copy creates the file there),
    or, when that is unknown, the time it was opened from the volume."""
    out = []
    for number, finding in enumerate(findings):
        cited = finding.cited()
        opened = finding.opened
        timed = finding.created if finding.created and finding.created.get("time") else opened
        attributes = {
            "derived_from": [e["id"] for e in cited],
            "rule": RULE,
            "rule_version": RULE_VERSION,
            "open_event": opened["id"],
            "opened_at": opened["time"],
            "fixed_file_events": [e["id"] for e in finding.fixed],
            "tie_events": [e["id"] for e in finding.ties],
            "connect_event": finding.connect["id"],
        }
        if finding.created:
            attributes["created_event"] = finding.created["id"]
        out.append(
            Event(
                time=timed["time"],
                time_precision=timed.get("time_precision", "unknown"),
                time_original=timed.get("time_original"),
                time_offset=timed.get("time_offset"),
                time_role="created_on_removable" if timed is not opened else "opened_on_removable",
                action=Action.COPY,
                kind=KIND,
                source=source_id,
                locator=Locator(path=RULE, record=str(number)),
                raw_sha256=hashlib.sha256(cited_bytes(cited)).hexdigest(),
                object=_file(finding.fixed[0]),
                target=_file(opened),
                device=_device(finding),
                flags=("derived",),
                attributes=attributes,
            )
        )
    return out


def derived_source(findings: list[CopyFinding], considered: int) -> Source:
    """The ``derived`` source: hashes over the canonical bytes of every cited event."""
    every = [e for f in findings for e in f.cited()]
    data = cited_bytes(every)
    sha256 = hashlib.sha256(data).hexdigest()
    return Source(
        id=hashlib.sha256(f"{sha256}:{RULE}/{RULE_VERSION}".encode()).hexdigest()[:16],
        kind="derived",
        format=KIND,
        name=RULE,
        path=f"derived:{RULE}",
        size=len(data),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha1=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        sha256=sha256,
        sha256_after=sha256,
        parser="correlate",
        parser_version=RULE_VERSION,
        parameters={"rule": RULE, "hash_input": "RFC 8785 JSON of cited events, sorted by id"},
        records_read=considered,
        events=len(findings),
    )


def store_correlations(store: Any, events: Iterable[dict[str, Any]]) -> tuple[Source, int]:
    """Correlate ``events`` and store the derived events as one batch of a derived source.

    ``store`` is the case's event store (``case.store``; typed loosely because this
    stage does not import the case layer).

    Returns the source and the number of events stored now (0 when the same derived
    source is already in the case, or when nothing correlates).
    """
    seen = [0]
    # Findings an earlier run already stored (same cited events) are not stored again:
    # the store is append-only, so a new derived source must hold only new findings.
    done: set[tuple[str, ...]] = set()

    def counted() -> Iterator[dict[str, Any]]:
        for event in events:  # streamed: only the events the rule needs are kept
            seen[0] += 1
            if event.get("kind") == KIND:
                done.add(tuple((event.get("attributes") or {}).get("derived_from", ())))
            yield event

    found = find_copies(counted())
    findings = [f for f in found if tuple(e["id"] for e in f.cited()) not in done]
    source = derived_source(findings, seen[0])
    if not findings or store.find_source(source.id) is not None:
        return source, 0
    with store.batch(source.id) as batch:
        for event in derived_events(findings, source.id):
            batch.add_event(event)
        batch.finish(source)
    return source, len(findings)
