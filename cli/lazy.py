"""Command groups that import a command's module only when that command is used, so
``evidencekit verify`` does not pay for the report or analysis stacks at start-up."""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """A group whose commands live in modules named ``{name: "module:attribute"}``.

    An ``attribute`` of ``None`` means the module attaches its command to this group
    itself when imported (sub-commands of ``ingest``).
    """

    def __init__(self, *args: object, lazy: dict[str, str] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            loaded = importlib.import_module(module)
            if attribute:
                self.add_command(getattr(loaded, attribute), cmd_name)
        return super().get_command(ctx, cmd_name)
