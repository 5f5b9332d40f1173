"""Public output models of the analysis stage (findings, episodes, element matrix, gaps).

These models are the contract with the report stage: ``<case>/analysis/analysis.json``
is :class:`AnalysisResult` serialised as canonical JSON
(:func:`evidencekit.timeline.canonical.dumps`). Change them only additively.

Vocabulary follows the domain map (``UCPA_EVIDENCE_MAP.md``): strength classes §2.1
(図8 of [S3]), element statuses §1.1, severities §3.1, tiers §3.4, gaps §4.
No floating-point numbers appear anywhere (thresholds are integers or text).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evidencekit.model import JsonMap

FORMAT = "evidencekit-analysis/1"

Strength = Literal[
    "direct", "strong_indirect", "weak_indirect", "context", "negative", "statement_needed"
]
"""Strength class of a fact for an element (domain map §2.1)."""

STRENGTH_JA: dict[str, str] = {
    "direct": "直接証拠",
    "strong_indirect": "間接事実（強）",
    "weak_indirect": "間接事実（弱）",
    "context": "背景事情",
    "negative": "反対方向の事実",
    "statement_needed": "供述で補う必要",
}

Severity = Literal["info", "low", "medium", "high", "critical"]
"""Investigator ranking of a finding (§3.1); never a probability of guilt."""

SEVERITY_ORDER: tuple[str, ...] = ("info", "low", "medium", "high", "critical")

Tier = Literal["参考", "要確認", "重要", "重大"]
"""Indicator tier of an episode or person (§3.4)."""

TIER_ORDER: tuple[Tier, ...] = ("参考", "要確認", "重要", "重大")
TIER_EN: dict[str, str] = {
    "参考": "informational",
    "要確認": "review",
    "重要": "significant",
    "重大": "major",
}

Status = Literal[
    "supported", "partially_supported", "not_found", "contradicted", "out_of_scope", "not_assessed"
]
"""Status of one legal element for the matter (§1.1)."""

STATUS_JA: dict[str, str] = {
    "supported": "裏付けあり",
    "partially_supported": "一部裏付けあり",
    "not_found": "該当記録なし",
    "contradicted": "反対方向の記録あり",
    "out_of_scope": "本ツールの対象外",
    "not_assessed": "未評価",
}
STATUS_EN: dict[str, str] = {
    "supported": "Supported",
    "partially_supported": "Partially supported",
    "not_found": "No record found",
    "contradicted": "Contrary records exist",
    "out_of_scope": "Outside the tool's scope",
    "not_assessed": "Not assessed",
}

Window = Literal["pre", "hot", "exit_leave", "post", "none", "not_assessed"]
"""R01 departure-window tag; ``not_assessed`` when no HR dates were supplied."""

Priority = Literal["P1", "P2", "P3"]

EventId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
UtcTime = Annotated[
    str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$")
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EvidenceRef(_Frozen):
    """One timeline event a finding rests on, addressable by id and by Merkle leaf.

    ``leaf_index`` is the event's position in the sealed timeline version, so
    ``timeline prove`` (RFC 9162 inclusion proof) can place it under the tree head.
    """

    event_id: EventId
    leaf_index: int = Field(ge=0)
    time: UtcTime | None = None
    source: str
    kind: str
    action: str
    raw_sha256: Hex64 | None = None
    role: str | None = Field(default=None, description="what the event shows in the finding")


class InputRef(_Frozen):
    """A fact taken from an analysis input file rather than the timeline (e.g. an asset
    register entry or a governance document listed there), identified by file hash."""

    role: str
    name: str
    sha256: Hex64
    entry: str = Field(description="entry within the file, e.g. governance[2] or line 7")


class ElementSupport(_Frozen):
    """How one finding bears on one legal element."""

    element: str
    strength: Strength
    signal: str | None = Field(default=None, description="signal id, e.g. SIG.BF.02")


class CounterIndicator(_Frozen):
    """A fact that weakens an inference (CI.01–CI.07, §2.3.5); always shown beside findings."""

    id: str
    label_ja: str
    label_en: str
    points: int = Field(le=0, description="episode points (negative)")
    evidence: tuple[EvidenceRef, ...] = ()
    note_ja: str | None = None
    note_en: str | None = None


class Finding(_Frozen):
    """One rule result: facts, the events they rest on, and the elements they bear on."""

    id: str = Field(pattern=r"^F-[0-9]{4,}$")
    rule: str = Field(description="rule id, e.g. R03 or E01")
    rule_name: str
    rule_version: str
    title_ja: str
    title_en: str
    explanation_ja: str
    explanation_en: str
    person: str | None = None
    accounts: tuple[str, ...] = ()
    timeline_version: int = Field(ge=1)
    evidence: tuple[EvidenceRef, ...]
    evidence_total: int = Field(ge=0, description="events matched (evidence may be a sample)")
    input_refs: tuple[InputRef, ...] = Field(
        default=(), description="facts from input files (register, HR file), by file hash"
    )
    elements: tuple[ElementSupport, ...] = ()
    signals: tuple[str, ...] = ()
    strength: Strength
    severity: Severity
    window: Window | None = None
    counter_indicators: tuple[CounterIndicator, ...] = ()
    indicators: tuple[str, ...] = Field(
        default=(), description="C01 indicator keys this finding contributes (e.g. private_dest)"
    )
    time_start: UtcTime | None = None
    time_end: UtcTime | None = None
    attribution: Literal["person", "account"] = Field(
        default="account",
        description="person: actor_attribution supported; account: say 'account X' in text",
    )
    parameters: JsonMap = Field(default_factory=dict)
    facts: JsonMap = Field(default_factory=dict, description="counts, bytes, devices, paths")


class IndicatorPoint(_Frozen):
    """One itemised contribution to an episode tier (shown as a fact, never as a score)."""

    indicator: str
    label_ja: str
    label_en: str
    points: int
    findings: tuple[str, ...] = ()


class Episode(_Frozen):
    """Findings of one person grouped by shared files or a 72-hour gap (C01)."""

    id: str = Field(pattern=r"^EP-[0-9]{4,}$")
    person: str
    findings: tuple[str, ...]
    time_start: UtcTime | None = None
    time_end: UtcTime | None = None
    window: Window | None = None
    indicators: tuple[IndicatorPoint, ...] = ()
    points: int
    tier: Tier


class PersonSummary(_Frozen):
    """Person-level tier: the highest episode tier, raised for repetition (§3.4)."""

    person: str
    display_name: str | None = None
    service_account: bool = False
    tier: Tier | None = None
    episodes: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    repetition_raise: bool = False


class WeakeningFact(_Frozen):
    """A fact that weakens an element (e.g. folder readable by everyone)."""

    text_ja: str
    text_en: str
    findings: tuple[str, ...] = ()
    evidence: tuple[EvidenceRef, ...] = ()


class ElementStatus(_Frozen):
    """One row of the element matrix."""

    element: str
    label_ja: str
    label_en: str
    statute: str
    source_keys: tuple[str, ...] = ()
    status: Status
    status_ja: str
    status_en: str
    strength: Strength | None = Field(default=None, description="strongest supporting class")
    supporting_findings: tuple[str, ...] = ()
    weakening_facts: tuple[WeakeningFact, ...] = ()
    gaps: tuple[str, ...] = ()
    missing_evidence: tuple[str, ...] = ()
    note_ja: str | None = None
    note_en: str | None = None


class Gap(_Frozen):
    """A proof gap (立証上の課題, §4): what is missing and what to collect next."""

    id: str = Field(pattern=r"^GAP\.[A-Z0-9]+\.[A-Za-z0-9_]+$")
    element: str
    priority: Priority
    statement_ja: str
    statement_en: str
    searched: tuple[str, ...] = ()
    next_evidence: tuple[str, ...] = ()
    interview_topics: tuple[str, ...] = ()
    person: str | None = None
    findings: tuple[str, ...] = ()


class SourceKindCoverage(_Frozen):
    """Whether a source kind the rules need was present (§4.2 source-coverage gates)."""

    kind: str
    label_ja: str
    label_en: str
    available: bool
    events: int = Field(ge=0)
    rules: tuple[str, ...] = ()


class Coverage(_Frozen):
    """Which source kinds were and were not available, and what that means for rules."""

    kinds: tuple[SourceKindCoverage, ...] = ()
    events_read: int = Field(ge=0)
    events_undated: int = Field(ge=0)
    events_unattributed: int = Field(ge=0, description="events no identity could be found for")
    sources: tuple[str, ...] = ()


class RuleRun(_Frozen):
    """What happened to one rule in this run."""

    rule: str
    name: str
    version: str
    status: Literal["ran", "not_assessed"]
    findings: int = Field(ge=0)
    reason: str | None = None


class PersonIdentity(_Frozen):
    """One person of the identity map, cited as evidence of how accounts were attributed."""

    person: str
    display_name: str | None = None
    accounts: tuple[str, ...] = ()
    sids: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    service_account: bool = False
    role: str | None = None
    department: str | None = None


class InputFile(_Frozen):
    """A file given to the analysis (identity map, HR export, asset register, profile)."""

    role: str
    name: str
    sha256: Hex64
    records: int = Field(ge=0)


class AnalysisResult(_Frozen):
    """Everything ``evidencekit analyze`` produced, as written to ``analysis/analysis.json``."""

    format: Literal["evidencekit-analysis/1"] = "evidencekit-analysis/1"
    tool_version: str
    profile_id: str
    profile_version: str
    profile_sha256: Hex64
    timeline_version: int = Field(ge=1)
    merkle_root: Hex64
    timeline_size: int = Field(ge=0)
    time_zone: str
    parameters: JsonMap = Field(default_factory=dict)
    calendar: JsonMap = Field(default_factory=dict, description="holidays version, company days")
    inputs: tuple[InputFile, ...] = ()
    identities: tuple[PersonIdentity, ...] = ()
    rules: tuple[RuleRun, ...] = ()
    findings: tuple[Finding, ...] = ()
    episodes: tuple[Episode, ...] = ()
    persons: tuple[PersonSummary, ...] = ()
    elements: tuple[ElementStatus, ...] = ()
    gaps: tuple[Gap, ...] = ()
    coverage: Coverage
    art5_2: JsonMap = Field(
        default_factory=dict,
        description="Art. 5-2 checklist (T1 secret type, T2 qualifying act, T3 production); "
        "whether the presumption applies is for counsel",
    )

    def canonical_dict(self) -> dict[str, Any]:
        """JSON-mode dict for :func:`evidencekit.timeline.canonical.dumps`."""
        return self.model_dump(mode="json")


def tier_for_points(points: int) -> Tier:
    """Map C01 points to a tier: ≤3 参考, 4–6 要確認, 7–9 重要, ≥10 重大 (§3.4)."""
    if points >= 10:
        return "重大"
    if points >= 7:
        return "重要"
    if points >= 4:
        return "要確認"
    return "参考"


def json_schema() -> dict[str, Any]:
    """JSON Schema of :class:`AnalysisResult` (checked in as ``schemas/analysis.schema.json``)."""
    schema = AnalysisResult.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://evidencekit.example/schemas/analysis.schema.json"
    return schema
