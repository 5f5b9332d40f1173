"""An analysis result for the report tests, made with the public analysis models.

It refers to real events of the sealed timeline (ids and leaf indices read from the
timeline file) and uses every element status, so the matrix can be checked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evidencekit.analysis.model import (
    STATUS_EN,
    STATUS_JA,
    AnalysisResult,
    Coverage,
    ElementStatus,
    ElementSupport,
    EvidenceRef,
    Finding,
    Gap,
    SourceKindCoverage,
    WeakeningFact,
)
from evidencekit.case.workspace import Case
from evidencekit.timeline.canonical import dumps

STATUSES = list(STATUS_JA)


def timeline_events(case: Case) -> list[dict[str, Any]]:
    path = case.timeline_dir() / "timeline.jsonl"
    return [json.loads(line)["event"] for line in path.read_bytes().splitlines()]


def _ref(leaf: int, event: dict[str, Any], role: str) -> EvidenceRef:
    return EvidenceRef(
        event_id=event["id"],
        leaf_index=leaf,
        time=event.get("time"),
        source=event["source"],
        kind=event["kind"],
        action=event["action"],
        raw_sha256=event.get("raw_sha256"),
        role=role,
    )


def make_analysis(case: Case, explanation_ja: str | None = None) -> AnalysisResult:
    events = timeline_events(case)
    copies = [(i, e) for i, e in enumerate(events) if e["action"] == "copy"][:4]
    head = case.head()
    finding = Finding(
        id="F-0001",
        rule="R03",
        rule_name="removable_copy",
        rule_version="1",
        title_ja="リムーバブル媒体への複製",
        title_en="Copies to removable media",
        explanation_ja=explanation_ja or "製造条件表_01.xlsx を含む4件の複製の記録がある。",
        explanation_en="Records show 4 copies, including 製造条件表_01.xlsx.",
        accounts=("CORP\\tanaka",),
        timeline_version=head.version,
        evidence=tuple(_ref(i, e, "copy") for i, e in copies),
        evidence_total=len(copies),
        elements=(ElementSupport(element="misappropriation_act.acquisition", strength="direct"),),
        strength="direct",
        severity="high",
        facts={"files": 4, "paths": [copies[0][1]["object"]["path"]]},
    )
    elements = [
        ElementStatus(
            element=f"element.{n}",
            label_ja=f"要件{n}",
            label_en=f"Element {n}",
            statute="Art. 2(6)",
            status=s,
            status_ja=STATUS_JA[s],
            status_en=STATUS_EN[s],
            supporting_findings=("F-0001",) if s == "supported" else (),
            weakening_facts=(
                WeakeningFact(
                    text_ja="全従業員が閲覧可能な設定の記録がある",
                    text_en="Records show the folder was readable by all staff",
                ),
            )
            if s == "contradicted"
            else (),
            gaps=("GAP.SM.01",) if s == "not_found" else (),
        )
        for n, s in enumerate(STATUSES)
    ] + [
        ElementStatus(
            element="misappropriation_act.acquisition",
            label_ja="取得",
            label_en="Acquisition",
            statute="Art. 2(1)(iv)",
            status="supported",
            status_ja=STATUS_JA["supported"],
            status_en=STATUS_EN["supported"],
            strength="direct",
            supporting_findings=("F-0001",),
        )
    ]
    gaps = [
        Gap(
            id="GAP.SM.01",
            element="secrecy_management.measures",
            priority="P2",
            statement_ja="対象ファイル6件中6件について、秘密表示は検出されませんでした。",
            statement_en="No confidentiality marking was detected on 6 of 6 files at issue.",
            searched=("headers/footers", "file and folder names"),
            next_evidence=("情報資産台帳",),
        ),
        Gap(
            id="GAP.BF.03",
            element="bad_faith.tori_kagai",
            priority="P3",
            statement_ja="目的は主観的要件であり、本報告は間接事実を示すに留まります。",
            statement_en="Purpose is subjective; this report shows only indirect facts.",
        ),
    ]
    coverage = Coverage(
        kinds=(
            SourceKindCoverage(
                kind="dlp",
                label_ja="DLP",
                label_en="DLP",
                available=True,
                events=len(events),
                rules=("R12",),
            ),
            SourceKindCoverage(
                kind="proxy",
                label_ja="プロキシ",
                label_en="Proxy",
                available=False,
                events=0,
                rules=("R04",),
            ),
        ),
        events_read=len(events),
        events_undated=0,
        events_unattributed=0,
    )
    return AnalysisResult(
        tool_version="test",
        profile_id="jp_ucpa_civil",
        profile_version="1",
        profile_sha256="0" * 64,
        timeline_version=head.version,
        merkle_root=head.merkle_root,
        timeline_size=head.size,
        time_zone="Asia/Tokyo",
        parameters={"removable": {"files_min": 20}},
        findings=(finding,),
        elements=tuple(elements),
        gaps=tuple(gaps),
        coverage=coverage,
    )


def write_analysis(case: Case, result: AnalysisResult) -> Path:
    path = case.root / "analysis" / "analysis.json"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(dumps(result.canonical_dict()) + b"\n")
    return path
