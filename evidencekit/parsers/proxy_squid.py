"""Squid native access.log (``logformat squid``), one request a line.

``time elapsed client code/status bytes method URL user hierarchy/peer type``; the time
is Unix epoch seconds with milliseconds, UTC by definition (never shifted). ``bytes`` is
the reply size to the client: the native format does not record the request size, so a
POST/PUT counts as an upload only to a listed domain (flag ``request_size_unknown``).
Reference: Squid wiki, "Squid Log Files" (native access.log format).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from evidencekit.events.jptime import TimeParser
from evidencekit.model import ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.domainlist import DomainList
from evidencekit.parsers.logevent import problem_issue, record_issue, set_time
from evidencekit.parsers.webproxy import WebRequest, to_int, web_content
from evidencekit.sources.textlog import DEFAULT_MAX_LINE, Problem, TextLog, line_records

_LINE = re.compile(rb"^\s*\d{9,11}\.\d{3}\s+-?\d+\s+\S+\s+[A-Z_]+/\d{3}\s+\d+\s+\S+\s+\S+", re.M)


@parsers.register("proxy_squid")
class SquidAccessLog:
    """Squid native access.log (epoch times, UTC)."""

    name: ClassVar[str] = "proxy_squid"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "log"
    default_time_zone: ClassVar[str] = "UTC"
    utc_by_definition: ClassVar[bool] = True

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        first = head.lstrip().split(b"\n", 1)[0]
        return _LINE.match(first) is not None

    def parse(self, ctx: ParseContext) -> Iterator[EventContent | ParseIssue]:
        log = TextLog(
            ctx.path,
            str(ctx.options.get("encoding", "auto")),
            int(ctx.options.get("max_line", DEFAULT_MAX_LINE)),
        )
        domains = DomainList.for_options(ctx.options)
        times = TimeParser(["epoch"], utc=True)
        number = 0
        for record in line_records(log):
            if isinstance(record, Problem):
                yield problem_issue(ctx, record)
                continue
            number += 1
            parts = record.fields[0].split()
            if len(parts) < 7 or "/" not in parts[3]:
                yield record_issue(
                    ctx, record, "malformed_line", f"not a Squid native line ({len(parts)} fields)"
                )
                continue
            code, _, status = parts[3].partition("/")
            request = WebRequest(
                method=parts[5],
                url=parts[6],
                status=status,
                response_bytes=to_int(parts[4]),
                client_ip=parts[2],
                user=parts[7] if len(parts) > 7 and parts[7] != "-" else "",
                content_type=parts[9] if len(parts) > 9 and parts[9] != "-" else "",
            )
            content = web_content(ctx, record, number, "proxy.squid", request, domains)
            content["attributes"]["squid_code"] = code
            content["attributes"]["elapsed_ms"] = parts[1]
            issue = set_time(ctx, content, times, parts[0])
            if issue is not None:
                yield issue
            ctx.records_read += 1
            yield content
