"""Plugin registry: parsers and detection rules register themselves by name.

A new parser or rule is one module with a decorator; third-party plugins arrive
through the ``evidencekit.plugins`` entry-point group. Modules that fail to import
are listed by :func:`failed_plugins`, never hidden.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class Registry(Generic[T]):
    """A named collection of plugins of one sort ("parser", "rule", ...)."""

    sort: str
    _items: dict[str, T] = field(default_factory=dict)

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: register the decorated object under ``name``."""

        def deco(obj: T) -> T:
            if name in self._items and self._items[name] is not obj:
                raise ValueError(f"{self.sort} {name!r} is already registered")
            self._items[name] = obj
            return obj

        return deco

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise KeyError(f"unknown {self.sort} {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __iter__(self) -> Iterator[tuple[str, T]]:
        return iter(sorted(self._items.items()))

    def __contains__(self, name: object) -> bool:
        return name in self._items


_failed: dict[str, str] = {}


def load_modules(package: str, names: list[str]) -> None:
    """Import built-in plugin modules, recording any that fail instead of hiding them."""
    for name in names:
        module = f"{package}.{name}"
        try:
            importlib.import_module(module)
        except Exception as exc:
            _failed[module] = f"{type(exc).__name__}: {exc}"


def load_entry_points(group: str = "evidencekit.plugins") -> None:
    """Import third-party plugins declared under ``group``."""
    for ep in entry_points(group=group):
        try:
            ep.load()
        except Exception as exc:
            _failed[ep.value] = f"{type(exc).__name__}: {exc}"


def failed_plugins() -> dict[str, str]:
    """Plugin modules that could not be imported, with the reason."""
    return dict(_failed)


def describe(obj: Any) -> str:
    """First line of an object's docstring, used as CLI help."""
    doc = (getattr(obj, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""
