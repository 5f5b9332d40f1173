"""Entry point of the ``evidencekit`` command."""

from __future__ import annotations

import sys

import click

from cli.lazy import LazyGroup
from cli.output import err
from evidencekit import __version__
from evidencekit.errors import EvidenceKitError

#: top-level command -> "module:attribute"; a module is imported only when its command runs.
COMMANDS = {
    "analyze": "cli.analyze_cmd:analyze_command",
    "case": "cli.case_cmd:case_group",
    "correlate": "cli.correlate_cmd:correlate",
    "custody": "cli.custody_cmd:custody_group",
    "demo": "cli.run_cmd:demo_cmd",
    "devices": "cli.devices_cmd:devices",
    "ingest": "cli.ingest_cmd:ingest_group",
    "keys": "cli.keys_cmd:keys_group",
    "package": "cli.package_cmd:package_group",
    "prove": "cli.prove_cmd:prove",
    "report": "cli.report_cmd:report",
    "run": "cli.run_cmd:run_cmd",
    "timeline": "cli.timeline_cmd:timeline_group",
    "verify": "cli.verify_cmd:verify",
    "verify-proof": "cli.verify_cmd:verify_proof",
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evidencekit")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output for scripts.")
@click.pass_context
def cli(ctx: click.Context, as_json: bool) -> None:
    """evidencekit: preserve, timeline, analyse and package evidence for trade-secret cases."""
    ctx.obj = {"json": as_json}


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
