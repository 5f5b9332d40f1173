"""Rules fed the way the real readers write events: SharePoint files addressed by URL,
webmail uploads from a proxy, and the timestomp flag of the file-system parsers."""

from __future__ import annotations

from pathlib import Path

from evidencekit.analysis.engine import AnalysisOptions, analyze
from evidencekit.model import Action
from tests.analysis.builder import Scenario
from tests.analysis.scenarios import rules_fired

SITE = "https://example.sharepoint.com/sites/design/Shared Documents/極秘"


def _scenario(root: Path, upload_host: str) -> Scenario:
    s = Scenario(root, "INT")
    s.write(
        "ids.toml", '[[person]]\nperson = "p1"\naccounts = ["p1"]\nemails = ["p1@corp.example"]\n'
    )
    s.write("assets.toml", f'[[asset]]\nid = "SF-1"\npath = \'{SITE}\'\nmarking = "極秘"\n')
    for minute in range(10):
        s.add(
            "dlp",
            f"2025-03-10 20:{minute:02d}",
            Action.DOWNLOAD.value,
            email="p1@corp.example",
            url=f"{SITE}/drawing-{minute}.dwg",
            kind="m365.FileDownloaded",
        )
    s.add(
        "proxy",
        "2025-03-10 20:45",
        Action.UPLOAD.value,
        "p1",
        url=f"https://{upload_host}/upload?x=1",
        attrs={"host": upload_host},
    )
    return s


def _run(s: Scenario) -> dict[str, str]:
    case = s.seal()
    result = analyze(
        case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])
    )
    return rules_fired(result)


def test_webmail_upload_after_secret_downloads_by_url_fires_r04(tmp_path: Path) -> None:
    fired = _run(_scenario(tmp_path, "mail.google.com"))
    assert fired.get("R04") == "high"


def test_upload_to_an_unlisted_host_stays_silent(tmp_path: Path) -> None:
    fired = _run(_scenario(tmp_path, "upload.example.co.jp"))
    assert "R04" not in fired


def test_timestomp_flag_of_the_file_system_parsers_fires_r18(tmp_path: Path) -> None:
    s = Scenario(tmp_path, "TS")
    s.write("ids.toml", '[[person]]\nperson = "p1"\naccounts = ["p1"]\n')
    s.add(
        "endpoint",
        "2025-03-10 10:00",
        Action.CREATE.value,
        "p1",
        path="C:\\Users\\p1\\doc.docx",
        flags=("timestomp_suspected",),
        kind="fs.file",
    )
    case = s.seal()
    result = analyze(case, AnalysisOptions(identities=s.files["ids.toml"]))
    assert "R18" in {f.rule for f in result.findings}
