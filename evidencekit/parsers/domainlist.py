"""Domain categories (cloud storage, webmail, ...) that flag web and mail events.

The shipped list is ``evidencekit/parsers/data/domains.toml`` (``[categories]``, a list
of domains per category; a domain also matches its sub-domains). The parse option
``domains_file=<path>`` replaces it for a run; its path is then recorded with the source.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from evidencekit.domains import parent_domains
from evidencekit.parsers.profile import ProfileError

_CACHE_LIMIT = 1 << 14


class DomainList:
    """Categories of domains, matched on the host and each of its parent domains."""

    def __init__(self, categories: dict[str, list[str]]) -> None:
        self._by_domain: dict[str, list[str]] = {}
        for category, domains in sorted(categories.items()):
            for domain in domains:
                self._by_domain.setdefault(domain.lower().strip("."), []).append(category)
        self._hosts: dict[str, tuple[str, ...]] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> DomainList:
        """The shipped list, or the one at ``path``."""
        if path is None:
            text = resources.files("evidencekit.parsers").joinpath("data", "domains.toml")
            data: dict[str, Any] = tomllib.loads(text.read_text(encoding="utf-8"))
        else:
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError, RecursionError) as exc:
                raise ProfileError(str(path), [f"domain list is not readable TOML: {exc}"]) from exc
        categories = data.get("categories", {})
        if not isinstance(categories, dict) or not all(
            isinstance(v, list) and all(isinstance(d, str) for d in v) for v in categories.values()
        ):
            raise ProfileError(
                str(path or "domains.toml"), ["[categories] must map names to lists of domains"]
            )
        return cls(categories)

    @classmethod
    def for_options(cls, options: dict[str, Any]) -> DomainList:
        """The list named by the ``domains_file`` option, else the shipped one."""
        path = options.get("domains_file")
        return cls.load(Path(str(path)) if path else None)

    def categories(self, host: str) -> tuple[str, ...]:
        """Categories of ``host`` (``www.dropbox.com`` matches ``dropbox.com``)."""
        hit = self._hosts.get(host)
        if hit is not None:
            return hit
        found: list[str] = []
        for name in parent_domains(host):
            found.extend(self._by_domain.get(name, ()))
        result = tuple(sorted(set(found)))
        if len(self._hosts) > _CACHE_LIMIT:
            self._hosts.clear()
        self._hosts[host] = result
        return result
