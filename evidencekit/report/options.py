"""Parameters of one report rendering."""

from __future__ import annotations

from dataclasses import dataclass, field

from evidencekit.report.i18n import Lang


@dataclass(frozen=True)
class ReportOptions:
    """What the caller chooses for one report.

    Attributes:
        lang: ``ja``, ``en`` or ``both``.
        created: Creation time (fixed-width UTC) printed on the cover; with the same
            inputs and the same ``created`` the PDF bytes are identical.
        package_id: Evidence package id (``EK-<case>-<seq>``), when known.
        manifest_sha256: SHA-256 of the package manifest, when known (footer).
        client: Client (依頼者) named on the cover.
        prepared_for: Counsel the report is prepared for (代理人).
        classification: Classification label printed on every page.
        key_limit: Most rows in the condensed key-event table.
        appendix_limit: Most events listed in the full-timeline appendix; larger
            timelines are referred to the package instead.
        exhibit_prefix: Exhibit placeholder (``甲第__号証`` civil, ``資料__`` criminal).
        pdfa: Add PDF/A-2b identification (XMP + sRGB output intent) when every font is
            embedded. pyHanko stamps the modification time, so byte-identical output
            for identical inputs needs ``pdfa=False``.
    """

    lang: Lang = "both"
    created: str | None = None
    package_id: str | None = None
    manifest_sha256: str | None = None
    client: str | None = None
    prepared_for: str | None = None
    classification: str = "取扱注意・秘密保持命令申立予定 / Confidential"
    key_limit: int = 60
    appendix_limit: int = 100_000
    exhibit_prefix: str = "甲第__号証"
    pdfa: bool = True
    extra: dict[str, str] = field(default_factory=dict)
