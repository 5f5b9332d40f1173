"""Output layer: human text or ``--json``, and progress bars only on a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

F = TypeVar("F", bound=Callable[..., Any])

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def json_option(func: F) -> F:
    """Add ``--json`` to a command (machine-readable output on stdout)."""
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(
        func
    )


def wants_json(as_json: bool) -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root().obj if ctx else None
    return bool(as_json or (isinstance(root, dict) and root.get("json")))


def emit(data: Any, as_json: bool, human: Callable[[], None]) -> None:
    """Print ``data`` as JSON, or call ``human`` to print it for people."""
    if wants_json(as_json):
        sys.stdout.write(
            orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"
        )
    else:
        human()


def interactive(as_json: bool = False) -> bool:
    """Progress bars only on a terminal, never in pipes, CI or JSON mode."""
    return sys.stderr.isatty() and not os.environ.get("CI") and not wants_json(as_json)


@contextmanager
def progress(
    description: str, total: int | None, as_json: bool = False, unit_bytes: bool = True
) -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(n)`` callable; a rich progress bar when interactive."""
    if not interactive(as_json):
        yield lambda n: None
        return
    columns: list[Any] = [TextColumn("{task.description}"), BarColumn()]
    columns.append(DownloadColumn() if unit_bytes else TextColumn("{task.completed}"))
    columns.append(TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
