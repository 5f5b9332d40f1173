"""Entry point of the ``evidencekit`` command."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

import cli as cli_package
from cli.output import err
from evidencekit import __version__
from evidencekit.errors import EvidenceKitError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evidencekit")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output for scripts.")
@click.pass_context
def cli(ctx: click.Context, as_json: bool) -> None:
    """evidencekit: preserve, timeline, analyse and package evidence for trade-secret cases."""
    ctx.obj = {"json": as_json}


def _load_commands() -> None:
    """Import every ``cli/*_cmd.py`` module; each exposes ``COMMANDS``, a list of click
    commands or groups for the top level (sub-commands attach to their group themselves)."""
    for info in sorted(pkgutil.iter_modules(cli_package.__path__), key=lambda m: m.name):
        if info.name.endswith("_cmd"):
            module = importlib.import_module(f"cli.{info.name}")
            for command in getattr(module, "COMMANDS", []):
                cli.add_command(command)


_load_commands()


def main() -> None:
    """Run the CLI; evidencekit errors become a clear message and exit code 1."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        err.print("Aborted.")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except EvidenceKitError as exc:
        err.print(f"error: {exc.diagnostics()}")
        sys.exit(1)
    except SystemExit:
        raise


if __name__ == "__main__":
    main()
