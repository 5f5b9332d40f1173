"""Shared by the web proxy readers: one request -> one event, uploads flagged.

A request is a ``visit``; a POST or PUT carrying a request body (``request_bytes`` >= the
option ``upload_min_bytes``, default 1) is an ``upload`` with the body size in
``object.size``. When the log does not record the request size (Squid's native format
records only the reply size), a POST/PUT to a listed domain is an ``upload`` with flag
``request_size_unknown``. Hosts in the domain list (:mod:`.domainlist`) get flags
``domain.<category>`` (``domain.cloud_storage``, ``domain.webmail``, ...).

Without TLS inspection an HTTPS upload shows only as a ``CONNECT`` tunnel: a tunnel to a
listed domain through which the client sent at least ``tunnel_upload_min_bytes`` (default
1 MiB; a log that records the bytes sent, such as Blue Coat's ``cs-bytes``) is an
``upload`` of that many bytes with flag ``tls_tunnel`` (the bytes include TLS and HTTP
overhead; what they carried is not visible).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from evidencekit.parsers.base import EventContent, ParseContext
from evidencekit.parsers.domainlist import DomainList
from evidencekit.parsers.logevent import add_flag, base_content
from evidencekit.sources.textlog import Record

_UPLOAD_METHODS = frozenset({"POST", "PUT"})
TUNNEL_UPLOAD_MIN_BYTES = 1 << 20
_MAX_SAFE = 2**53 - 1


@dataclass(slots=True)
class WebRequest:
    """What a proxy line says about one request ("" / None when not recorded)."""

    method: str = ""
    url: str = ""
    host: str = ""
    status: str = ""
    request_bytes: int | None = None
    response_bytes: int | None = None
    user: str = ""
    client_ip: str = ""
    user_agent: str = ""
    content_type: str = ""


def host_of(url: str) -> str:
    """Host of a URL, or of a CONNECT target ``host:443``."""
    if "://" not in url:
        return url.split("/", 1)[0].rpartition(":")[0] or url.split("/", 1)[0]
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _without_port(host: str) -> str:
    """``www.dropbox.com:443`` -> ``www.dropbox.com`` (a host column may carry the port)."""
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() and name and not name.endswith(":") else host


def to_int(text: str | int | None) -> int | None:
    """A non-negative decimal count, or None for ``-``, empty or out-of-range text."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 0 <= text <= _MAX_SAFE else None
    if isinstance(text, str) and text.isdigit() and len(text) < 16:
        return int(text)
    return None


def web_content(
    ctx: ParseContext,
    record: Record,
    number: int,
    kind: str,
    request: WebRequest,
    domains: DomainList,
) -> EventContent:
    """Event content of one proxied request."""
    host = request.host or host_of(request.url)
    categories = domains.categories(_without_port(host)) if host else ()
    minimum = int(ctx.options.get("upload_min_bytes", 1))
    action = "visit"
    unknown_size = tunnel = False
    method = request.method.upper()
    if method in _UPLOAD_METHODS:
        if request.request_bytes is not None and request.request_bytes >= minimum:
            action = "upload"
        elif request.request_bytes is None and categories:
            action, unknown_size = "upload", True
    elif method == "CONNECT" and categories and request.request_bytes is not None:
        tunnel_min = int(ctx.options.get("tunnel_upload_min_bytes", TUNNEL_UPLOAD_MIN_BYTES))
        if request.request_bytes >= tunnel_min:
            action, tunnel = "upload", True
    content = base_content(ctx, record, number, kind, "logged", action)
    obj: dict[str, Any] = {"kind": "url"}
    if request.url:
        obj["url"] = request.url
    if action == "upload" and request.request_bytes is not None:
        obj["size"] = request.request_bytes
    content["object"] = obj
    actor = {k: v for k, v in (("user", request.user), ("ip", request.client_ip)) if v}
    if actor:
        content["actor"] = actor
    attributes = _attributes(request, host)
    content["attributes"] = attributes
    for category in categories:
        add_flag(content, f"domain.{category}")
    if unknown_size:
        add_flag(content, "request_size_unknown")
    if tunnel:
        add_flag(content, "tls_tunnel")
    return content


def _attributes(request: WebRequest, host: str) -> dict[str, Any]:
    texts = (
        ("method", request.method),
        ("host", host),
        ("status", request.status),
        ("user_agent", request.user_agent),
        ("content_type", request.content_type),
    )
    sizes = (("request_bytes", request.request_bytes), ("response_bytes", request.response_bytes))
    attributes: dict[str, Any] = {k: v for k, v in texts if v}
    attributes.update({k: v for k, v in sizes if v is not None})
    return attributes
