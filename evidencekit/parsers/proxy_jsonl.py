"""Web proxy logs as JSON lines (one JSON object per request).

Field names vary by product; the first present of each alias list is used:
time ``timestamp``/``time``/``@timestamp``/``datetime``/``ts``; ``method``; ``url``;
``host``; ``status``; user ``user``/``username``; client ``client_ip``/``src_ip``;
request size ``request_bytes``/``bytes_out``/``cs_bytes``/``request_size``; reply size
``response_bytes``/``bytes_in``/``sc_bytes``/``response_size``. Times with an offset keep
it; epoch numbers are UTC (seconds; 13 digits and more: milliseconds); times without an
offset are in the source zone (default UTC, ``--tz`` to change), always recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import orjson

from evidencekit.events.jptime import TimeParser
from evidencekit.model import ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.domainlist import DomainList
from evidencekit.parsers.logevent import issue_at, problem_issue, record_issue, set_time
from evidencekit.parsers.webproxy import WebRequest, to_int, web_content
from evidencekit.sources.textlog import DEFAULT_MAX_LINE, Problem, TextLog, line_records

ALIASES = {
    "time": ("timestamp", "time", "@timestamp", "datetime", "ts", "date"),
    "method": ("method", "http_method", "request_method"),
    "url": ("url", "uri", "request_url"),
    "host": ("host", "hostname", "domain"),
    "status": ("status", "status_code", "http_status"),
    "user": ("user", "username", "user_name", "login"),
    "client_ip": ("client_ip", "src_ip", "source_ip", "clientip", "c_ip"),
    "request_bytes": ("request_bytes", "bytes_out", "req_bytes", "cs_bytes", "request_size"),
    "response_bytes": ("response_bytes", "bytes_in", "resp_bytes", "sc_bytes", "response_size"),
    "user_agent": ("user_agent", "useragent", "ua"),
    "content_type": ("content_type", "mime", "mime_type"),
}


@parsers.register("proxy_jsonl")
class ProxyJsonLines:
    """Web proxy log as JSON lines (method, url, sizes)."""

    name: ClassVar[str] = "proxy_jsonl"
    version: ClassVar[str] = "1"
    source_kind: ClassVar[str] = "log"
    default_time_zone: ClassVar[str] = "UTC"

    @classmethod
    def check(cls, head: bytes, path: Path) -> bool:
        first = head.lstrip(b"\xef\xbb\xbf \r\n\t").split(b"\n", 1)[0]
        return (
            first.startswith(b"{")
            and b'"method"' in first
            and (b'"url"' in first or b'"uri"' in first)
            and b'"time_role"' not in first
        )

    def parse(self, ctx: ParseContext) -> Iterator[EventContent | ParseIssue]:
        log = TextLog(
            ctx.path,
            str(ctx.options.get("encoding", "auto")),
            int(ctx.options.get("max_line", DEFAULT_MAX_LINE)),
        )
        domains = DomainList.for_options(ctx.options)
        times = TimeParser(["ymd", "epoch", "epoch_ms"], zone=ctx.time_zone or "UTC")
        number = 0
        for record in line_records(log):
            if isinstance(record, Problem):
                yield problem_issue(ctx, record)
                continue
            number += 1
            try:
                data = orjson.loads(record.fields[0])
            except orjson.JSONDecodeError as exc:
                yield record_issue(ctx, record, "malformed_json", f"not JSON: {exc}")
                continue
            if not isinstance(data, dict):
                yield record_issue(ctx, record, "malformed_json", "not a JSON object")
                continue
            row = {key: _first(data, names) for key, names in ALIASES.items()}
            sizes = {key: _count(row[key]) for key in _SIZES}
            request = WebRequest(
                method=str(row["method"] or ""),
                url=str(row["url"] or ""),
                host=str(row["host"] or ""),
                status=str(row["status"] or ""),
                request_bytes=sizes["request_bytes"],
                response_bytes=sizes["response_bytes"],
                user=str(row["user"] or ""),
                client_ip=str(row["client_ip"] or ""),
                user_agent=str(row["user_agent"] or ""),
                content_type=str(row["content_type"] or ""),
            )
            content = web_content(ctx, record, number, "proxy.jsonl", request, domains)
            issue = set_time(ctx, content, times, _time_text(row["time"]))
            if issue is not None:
                yield issue
            yield from _unread_sizes(ctx, content, row, sizes)
            ctx.records_read += 1
            yield content


_SIZES = ("request_bytes", "response_bytes")


def _count(value: Any) -> int | None:
    """A byte count: a whole number (also written ``2048.0``) in range, else None."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return to_int(value)


def _unread_sizes(
    ctx: ParseContext, content: EventContent, row: dict[str, Any], sizes: dict[str, int | None]
) -> Iterator[ParseIssue]:
    """A size given but not a byte count (fractional, negative, out of range, text) is kept
    as written in the attributes and said, not dropped."""
    for key in _SIZES:
        value = row[key]
        if value is not None and sizes[key] is None:
            text = str(value)[:100]
            content["attributes"][f"{key}_text"] = text
            yield issue_at(
                ctx, content, "size_unreadable", f"{key} {text!r} is not a byte count; not used"
            )


def _first(data: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = data.get(name)
        if value not in (None, "", "-"):
            return value
    return None


def _time_text(value: Any) -> str:
    """Time as text; numbers are epoch seconds (their JSON text, not a float's rounding)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)
