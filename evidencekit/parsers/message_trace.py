"""Exchange Online / Microsoft 365 message trace CSV exports.

One event per traced message: action ``send`` by the sender (``actor.email``), the
message (subject, size) in ``object``, recipients in ``attributes.recipients`` (a list;
the first also in ``target.name``), attachments when the export has them. ``Received``
is UTC by definition. With the option ``internal_domains`` (comma-separated) the
direction (outbound / inbound / internal) is added. Mapping: profiles/message_trace.toml.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import ClassVar

from evidencekit.domains import within
from evidencekit.model import ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.logevent import put
from evidencekit.parsers.tabular import Plan, ProfileParser
from evidencekit.sources.textlog import Record

_ATTACHMENT_COLUMNS = ("Attachments", "AttachmentNames", "attachment_names", "添付ファイル")


@parsers.register("message_trace")
class MessageTrace(ProfileParser):
    """Exchange / Microsoft 365 message trace CSV export."""

    name: ClassVar[str] = "message_trace"
    version: ClassVar[str] = "1"
    profile_name: ClassVar[str] = "message_trace"
    refines: ClassVar[bool] = True

    def refine(
        self, ctx: ParseContext, plan: Plan, record: Record, content: EventContent
    ) -> Iterator[ParseIssue]:
        fields = record.fields
        recipients = split_addresses(plan.column(fields, "RecipientAddress"))
        attributes = content.setdefault("attributes", {})
        attributes.pop("RecipientAddress", None)
        if recipients:
            attributes["recipients"] = recipients
            put(content, "target.name", recipients[0])
            put(content, "target.kind", "mailbox")
        for column in _ATTACHMENT_COLUMNS:
            names = split_addresses(plan.column(fields, column))
            if names:
                attributes["attachments"] = names
                attributes.pop(column, None)
                break
        direction = _direction(ctx, content.get("actor", {}).get("email", ""), recipients)
        if direction:
            attributes["direction"] = direction
        return iter(())


def split_addresses(text: str) -> list[str]:
    """``a@x; b@y`` / ``a@x,b@y`` -> ``["a@x", "b@y"]`` (order kept)."""
    parts = text.replace(",", ";").split(";")
    return [p.strip() for p in parts if p.strip()]


@lru_cache(maxsize=8)
def _domains(option: str) -> frozenset[str]:
    """The ``internal_domains`` option as a set (parsed once, not for every row)."""
    return frozenset(d.strip().lower() for d in option.split(",")) - {""}


def _direction(ctx: ParseContext, sender: str, recipients: list[str]) -> str | None:
    domains = _domains(str(ctx.options.get("internal_domains", "")))
    if not domains:
        return None

    def internal(address: str) -> bool:  # a listed domain or a sub-domain of one
        return within(address.rpartition("@")[2], domains)

    outside = [r for r in recipients if not internal(r)]
    if internal(sender):
        return "outbound" if outside else "internal"
    return "inbound"
