"""W3C extended log files (IIS, proxies such as Blue Coat, TMG, Zscaler exports).

``#Fields:`` directives name the space-separated columns (they may change mid-file);
``date time`` are UTC by definition (never shifted). Request size ``cs-bytes`` makes a
POST/PUT an upload; hosts come from ``cs-host`` / ``cs(Host)`` / ``cs-uri``. Values are
separated by white space; a string value may be quoted (``"Mozilla/5.0 (Windows NT 10.0)"``,
``""`` for a quote inside it, as Blue Coat writes), IIS writes ``+`` for spaces instead.
The URL is ``cs-uri``, else built from ``cs-uri-scheme``, the host, ``cs-uri-stem`` (or
Blue Coat's ``cs-uri-path``) and ``cs-uri-query``.
Reference: W3C Working Draft WD-logfile-960323, "Extended Log File Format"; Microsoft
Learn, "W3C Logging" (IIS field names).
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
from evidencekit.sources.textlog import DEFAULT_MAX_LINE, Problem, Record, TextLog, line_records

_VALUE = re.compile(r'"((?:[^"]|"")*)"(?=\s|$)|(\S+)')


@parsers.register("proxy_w3c")
class W3cExtendedLog:
    """W3C extended log format (IIS and web proxies), UTC."""

    name: ClassVar[str] = "proxy_w3c"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "log"
    default_time_zone: ClassVar[str] = "UTC"
    utc_by_definition: ClassVar[bool] = True

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        start = head.lstrip(b"\xef\xbb\xbf")
        return start.startswith((b"#Software:", b"#Version:", b"#Fields:")) and (
            b"#Fields:" in head
        )

    def parse(self, ctx: ParseContext) -> Iterator[EventContent | ParseIssue]:
        log = TextLog(
            ctx.path,
            str(ctx.options.get("encoding", "auto")),
            int(ctx.options.get("max_line", DEFAULT_MAX_LINE)),
        )
        domains = DomainList.for_options(ctx.options)
        times = TimeParser(["ymd"], utc=True)
        names: list[str] = []
        number = 0
        for record in line_records(log):
            if isinstance(record, Problem):
                yield problem_issue(ctx, record)
                continue
            text = record.fields[0]
            if text.startswith("#"):
                if text.startswith("#Fields:"):
                    names = text[len("#Fields:") :].split()
                continue
            number += 1
            values = split_values(text)
            if not names or len(values) != len(names):
                reason = (
                    "data before any #Fields directive"
                    if not names
                    else (f"{len(values)} fields where #Fields names {len(names)}")
                )
                yield record_issue(ctx, record, "column_count", reason)
                continue
            yield from self._event(
                ctx, record, number, dict(zip(names, values, strict=True)), times, domains
            )

    @staticmethod
    def _event(
        ctx: ParseContext,
        record: Record,
        number: int,
        row: dict[str, str],
        times: TimeParser,
        domains: DomainList,
    ) -> Iterator[EventContent | ParseIssue]:
        def get(*keys: str) -> str:
            for key in keys:
                value = row.get(key, "-")
                if value != "-":
                    return value
            return ""

        host = get("cs-host", "cs(Host)", "r-host")
        url = get("cs-uri")
        if not url:
            stem, query = get("cs-uri-stem", "cs-uri-path"), get("cs-uri-query")
            port = get("s-port", "cs-uri-port")
            scheme = get("cs-uri-scheme") or ("https" if port == "443" else "http")
            url = (f"{scheme}://{host}{stem}" if host else stem) + (f"?{query}" if query else "")
        request = WebRequest(
            method=get("cs-method"),
            url=url,
            host=host,
            status=get("sc-status"),
            request_bytes=to_int(get("cs-bytes")),
            response_bytes=to_int(get("sc-bytes")),
            user=get("cs-username"),
            client_ip=get("c-ip"),
            user_agent=get("cs(User-Agent)").replace("+", " "),
            content_type=get("rs(Content-Type)", "cs(Content-Type)"),
        )
        content = web_content(ctx, record, number, "proxy.w3c", request, domains)
        stamp = f"{get('date')} {get('time')}".strip()
        issue = set_time(ctx, content, times, stamp)
        if issue is not None:
            yield issue
        ctx.records_read += 1
        yield content


def split_values(text: str) -> list[str]:
    """The values of one W3C data line: white-space separated, quoted strings unquoted."""
    return [
        quoted.replace('""', '"') if bare is None else bare
        for quoted, bare in ((m.group(1), m.group(2)) for m in _VALUE.finditer(text))
    ]
