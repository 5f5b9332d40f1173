"""``evidencekit analyze``: legal elements, detection rules and proof gaps over a case."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from cli.output import emit, json_option, out
from evidencekit.analysis.engine import AnalysisOptions, analyze, write_result
from evidencekit.analysis.model import TIER_EN, AnalysisResult
from evidencekit.case.workspace import Case

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _summary(result: AnalysisResult, hashes: dict[str, str]) -> None:
    persons = Table(title="Persons / 対象者")
    for col in ("person", "tier / 区分", "episodes", "findings"):
        persons.add_column(col)
    for p in result.persons:
        tier = f"{p.tier} ({TIER_EN[p.tier]})" if p.tier else "-"
        persons.add_row(p.person, tier, str(len(p.episodes)), str(len(p.findings)))
    matrix = Table(title=f"Element matrix / 要件事実マトリクス ({result.profile_id})")
    for col in ("element", "status / 状況", "findings", "gaps"):
        matrix.add_column(col)
    for e in result.elements:
        matrix.add_row(
            e.label_ja,
            f"{e.status_ja} / {e.status_en}",
            str(len(e.supporting_findings)),
            " ".join(e.gaps),
        )
    out.print(persons)
    out.print(matrix)
    skipped = [r.rule for r in result.rules if r.status == "not_assessed"]
    out.print(
        f"{len(result.findings)} findings, {len(result.episodes)} episodes, {len(result.gaps)} gaps; "  # noqa: E501 - bilingual wording kept whole
        f"not assessed: {', '.join(skipped) or 'none'}"
    )
    for name, digest in hashes.items():
        out.print(f"wrote {name} sha256 {digest}")


@click.command("analyze")
@click.option("--case", "case_dir", required=True, type=click.Path(path_type=Path))
@click.option(
    "--legal",
    default="jp_ucpa_civil",
    show_default=True,
    help="Profile: jp_ucpa_civil, jp_ucpa_criminal, us_dtsa_civil, or a profile TOML file.",
)
@click.option(
    "--hr",
    type=_FILE,
    help="HR export CSV (社員番号,区分,日付,... via the hr reader; or person,hr_type,date).",
)
@click.option("--identities", type=_FILE, help="Identity map (CSV or TOML).")
@click.option("--assets", type=_FILE, help="Asset register (TOML, or CSV of assets).")
@click.option("--params", type=_FILE, help="Threshold overrides (TOML, keys as in defaults).")
@click.option("--timeline-version", "version", type=int, help="Sealed version (default: latest).")
@json_option
def analyze_command(
    case_dir: Path,
    legal: str,
    hr: Path | None,
    identities: Path | None,
    assets: Path | None,
    params: Path | None,
    version: int | None,
    as_json: bool,
) -> None:
    """Map the sealed timeline to legal elements: findings, episodes, matrix and gaps."""
    case = Case(case_dir)
    opts = AnalysisOptions(legal, hr, identities, assets, params, version)
    result = analyze(case, opts)
    hashes = write_result(case, result)
    data = {
        "analysis": "analysis/analysis.json",
        "sha256": hashes["analysis/analysis.json"],
        "findings": len(result.findings),
        "episodes": len(result.episodes),
        "gaps": [g.id for g in result.gaps],
        "persons": {p.person: p.tier for p in result.persons},
        "elements": {e.element: e.status for e in result.elements},
    }
    emit(data, as_json, lambda: _summary(result, hashes))
