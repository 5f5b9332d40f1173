"""Domain names: a host and the parent domains that contain it, for matching a host against
a list of domains at label boundaries (``a.example.com`` is within ``example.com``;
``badexample.com`` is not)."""

from __future__ import annotations

from collections.abc import Collection, Iterator


def parent_domains(host: str) -> Iterator[str]:
    """``a.b.example.com``, ``b.example.com``, ``example.com``, ``com`` (lower case, without
    a trailing dot)."""
    name = host.lower().rstrip(".")
    while name:
        yield name
        name = name.partition(".")[2]


def within(host: str, domains: Collection[str]) -> bool:
    """Whether ``host`` is one of ``domains`` (lower case) or a sub-domain of one."""
    return any(name in domains for name in parent_domains(host))
