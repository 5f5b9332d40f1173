"""Run the analysis over a sealed timeline and write ``<case>/analysis/analysis.json``.

One streaming pass (:mod:`evidencekit.analysis.stream`): each timeline line is hashed to
check the file against the sealed head and goes, parsed with orjson only when wanted, to
the rules that observe its action. Rules keep bounded per-person/per-day state; the
findings, episodes (C01), element matrix and gaps are built afterwards.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from evidencekit import __version__
from evidencekit.analysis import correlate as c01
from evidencekit.analysis.assets import AssetRegister, load_assets
from evidencekit.analysis.config import load_lists, load_parameters
from evidencekit.analysis.context import Context, Draft, to_evidence
from evidencekit.analysis.coverage import summarise
from evidencekit.analysis.gaps import GapInputs, build_gaps
from evidencekit.analysis.hr import read_hr_file
from evidencekit.analysis.identities import IdentityMap, load_identities
from evidencekit.analysis.jpcal import Calendar
from evidencekit.analysis.matrix import MatrixInputs, build_matrix
from evidencekit.analysis.model import (
    AnalysisResult,
    Coverage,
    Finding,
    InputFile,
    InputRef,
    RuleRun,
)
from evidencekit.analysis.profile import load_profile
from evidencekit.analysis.rules import Rule, rules
from evidencekit.analysis.stream import hr_prepass, paused_gc, stream
from evidencekit.analysis.wording import check_text
from evidencekit.case.workspace import Case
from evidencekit.timeline.canonical import dumps
from evidencekit.timeline.seal import TIMELINE_FILE, TimelineHead


@dataclass
class AnalysisOptions:
    """Inputs of one run (all optional except the profile)."""

    legal: str = "jp_ucpa_civil"
    hr: Path | None = None
    identities: Path | None = None
    assets: Path | None = None
    params: Path | None = None
    version: int | None = None


def build_context(case_zone: str, opts: AnalysisOptions) -> tuple[Context, list[InputFile]]:
    """Load parameters, lists, calendar, identities, assets and the HR file."""
    params = load_parameters(opts.params, case_zone)
    inputs: list[InputFile] = []
    ids = load_identities(opts.identities) if opts.identities else IdentityMap()
    reg = load_assets(opts.assets) if opts.assets else AssetRegister()
    inputs.extend(src for src in (ids.source, reg.source) if src is not None)
    inputs.extend(reg.folder_inputs)  # [public_corpus]/[secret_set] folder files
    ctx = Context(
        params=params, lists=load_lists(), calendar=Calendar(params), identities=ids, assets=reg
    )
    if opts.hr is not None:
        facts, src = read_hr_file(opts.hr, params["timezone"])
        inputs.append(src)
        for f in facts:
            ctx.add_hr(f)
    return ctx, inputs


_REF_KEYS = ("id", "time", "source", "kind", "action", "raw_sha256")


def resolve_refs(path: Path, drafts: list[Draft]) -> dict[int, dict[str, Any]]:
    """Read back the events the findings cite (a second pass parsing only those lines);
    only the fields an evidence reference needs are kept."""
    wanted = {r[0] for d in drafts for r in d.refs}
    found: dict[int, dict[str, Any]] = {}
    if not wanted:
        return found
    last = max(wanted)
    with open(path, "rb", buffering=1 << 20) as fp:
        for idx, line in enumerate(fp):
            if idx in wanted:
                ev = orjson.loads(line)["event"]
                found[idx] = {k: ev.get(k) for k in _REF_KEYS}
            if idx >= last:
                break
    return found


def _findings(
    ctx: Context, inputs: list[InputFile], events: dict[int, dict[str, Any]]
) -> list[tuple[Draft, Finding]]:
    """Deterministic ids (F-0001…) in order of time, rule, person, text."""
    files = {i.role: i for i in inputs}
    attributed = ctx.shared.get("attributed", set())
    order = sorted(
        ctx.drafts,
        key=lambda d: (d.t0 or "~", d.rule, d.person or "", d.title_en, d.explanation_en),
    )
    out = []
    for n, d in enumerate(order, start=1):
        cited = list(dict.fromkeys(d.refs))[: ctx.max_refs()]
        refs = tuple(to_evidence(r, events[r[0]]) for r in cited)
        irefs = tuple(
            InputRef(role=role, name=files[role].name, sha256=files[role].sha256, entry=entry)
            for role, entry in d.inputs
            if role in files
        )
        out.append(
            (
                d,
                Finding(
                    id=f"F-{n:04d}",
                    rule=d.rule,
                    rule_name=rules.get(d.rule).name,
                    rule_version=rules.get(d.rule).version,
                    title_ja=d.title_ja,
                    title_en=d.title_en,
                    explanation_ja=d.explanation_ja,
                    explanation_en=d.explanation_en,
                    person=d.person,
                    accounts=tuple(ctx.identities.people[d.person].accounts)
                    if d.person in ctx.identities.people
                    else (),
                    timeline_version=ctx.timeline_version,
                    evidence=refs,
                    evidence_total=d.total,
                    input_refs=irefs,
                    elements=tuple(
                        {"element": e, "strength": s, "signal": sig} for e, s, sig in d.elements
                    ),
                    signals=tuple(d.signals),
                    strength=d.strength,
                    severity=d.severity,
                    window=d.window,
                    counter_indicators=tuple(d.cis),
                    indicators=tuple(d.indicators),
                    time_start=d.t0,
                    time_end=d.t1,
                    attribution="person" if d.person in attributed else "account",
                    parameters=d.params,
                    facts=d.facts,
                ),
            )
        )
    return out


def analyze(case: Case, opts: AnalysisOptions) -> AnalysisResult:
    """Run every registered rule over the latest (or chosen) sealed timeline.

    Args:
        case: An open case with at least one sealed timeline version.
        opts: Profile, HR file, identity map, asset register, parameter overrides.

    Returns:
        The analysis result (also checked against the banned-phrase list).

    Raises:
        AnalysisError: Bad inputs, or a timeline file that differs from its head.
    """
    head = case.head(opts.version)
    timeline = case.timeline_dir(opts.version) / TIMELINE_FILE
    return analyze_timeline(timeline, head, case.meta.time_zone, opts)


def analyze_timeline(
    timeline: Path, head: TimelineHead, zone: str, opts: AnalysisOptions
) -> AnalysisResult:
    """Analyse one sealed ``timeline.jsonl`` described by ``head`` (used by benchmarks too)."""
    profile = load_profile(opts.legal)
    ctx, inputs = build_context(zone, opts)
    ctx.timeline_version = head.version
    with paused_gc():
        hr_prepass(ctx, timeline)
        instances = [cls(ctx) for _, cls in rules]
        stats = stream(ctx, timeline, head.timeline_sha256, instances)
        coverage = summarise(
            ctx.kinds,
            ctx.hr_supplied,
            {"hr": sum(1 for p in ctx.hr.values() for f in p.facts if f.ref)},
        )
        ctx.available = {c.kind for c in coverage if c.available}
        for rule in sorted(instances, key=lambda r: (r.phase, r.id)):
            rule.finish()
        for rule in instances:  # every finding is drafted: free the stream state before results
            rule.release()
    pairs = _findings(ctx, inputs, resolve_refs(timeline, ctx.drafts))
    findings = [f for _, f in pairs]
    episodes = c01.correlate([(d, f.id) for d, f in pairs], ctx.params)
    persons = c01.person_summaries(
        episodes,
        [(d, f.id) for d, f in pairs],
        ctx.identities,
        ctx.params["episode"]["repetition_episodes"],
    )
    acts = sorted(
        f.time_start
        for f in findings
        if f.time_start and f.rule.startswith("R") and f.severity != "info"
    )
    act_days = (ctx.local(acts[0]).day, ctx.local(acts[-1]).day) if acts else (None, None)
    has_corpus = bool(ctx.assets.public_corpus)
    rows = build_matrix(
        profile,
        findings,
        MatrixInputs(
            has_corpus,
            ctx.assets.assets,
            ctx.available,
            act_days,
            ctx.shared.get("public_hits", []),
        ),
    )
    gaps = build_gaps(
        GapInputs(
            profile,
            {r.element: r for r in rows},
            findings,
            coverage,
            ctx.shared,
            has_corpus,
            ctx.assets.assets,
            ctx.hr_supplied,
            stats.undated,
        )
    )
    rows = [
        r.model_copy(
            update={
                "gaps": tuple(g.id for g in gaps if g.element in _ids(profile, r.element)),
                "missing_evidence": tuple(
                    x
                    for g in gaps
                    if g.element in _ids(profile, r.element)
                    for x in g.next_evidence
                ),
            }
        )
        for r in rows
    ]
    result = AnalysisResult(
        tool_version=__version__,
        profile_id=profile.id,
        profile_version=profile.version,
        profile_sha256=profile.sha256,
        timeline_version=head.version,
        merkle_root=head.merkle_root,
        timeline_size=head.size,
        time_zone=ctx.params["timezone"],
        parameters=ctx.params,
        calendar=ctx.calendar.describe(),
        inputs=tuple(inputs),
        identities=tuple(ctx.identities.people.values()),
        rules=tuple(_runs(instances, ctx, findings)),
        findings=tuple(findings),
        episodes=tuple(episodes),
        persons=tuple(persons),
        elements=tuple(rows),
        gaps=tuple(gaps),
        art5_2=art5_2_checklist(findings, rows),
        coverage=Coverage(
            kinds=coverage,
            events_read=stats.read,
            events_undated=stats.undated,
            events_unattributed=stats.unattributed,
            sources=tuple(sorted(head.sources)),
        ),
    )
    check_text(_texts(result))
    return result


def art5_2_checklist(findings: list[Finding], rows: list[Any]) -> dict[str, Any]:
    """The map's §1.3 checklist as data: T1 is a suggestion for counsel, T2 lists the
    acquisition facts, T3 (production by the defendant) is outside the tool's scope."""
    e04 = [f for f in findings if f.rule == "E04"]
    t1 = sorted({str(x) for f in e04 for x in f.facts.get("art5_2_t1_suggestion", [])})
    acts = sorted(
        {
            f.id
            for f in findings
            if f.severity != "info"
            and any(
                e.element in ("misappropriation_act.acquisition", "crim.ryotoku")
                for e in f.elements
            )
        }
    )
    status = {r.element: r.status for r in rows}
    return {
        "T1_secret_type": {"status": "suggested" if t1 else "not_assessed", "suggestions": t1,
                           "findings": [f.id for f in e04]},
        "T2_qualifying_act": {"status": "supported" if acts else "not_found", "findings": acts,
                              "acquisition_status": status.get("misappropriation_act.acquisition")},
        "T3_production_by_defendant": {"status": "out_of_scope"},
        "note_ja": "推定の成否は代理人の判断事項です。",
        "note_en": "Whether the presumption applies is for counsel to decide.",
    }  # fmt: skip


def _ids(profile: Any, element: str) -> set[str]:
    e = next(x for x in profile.elements if x.id == element)
    return set(e.ids())


def _runs(instances: list[Rule], ctx: Context, findings: list[Finding]) -> list[RuleRun]:
    runs = []
    for r in sorted(instances, key=lambda r: r.id):
        missing = bool(r.needs) and not (set(r.needs) & ctx.available)
        reason = ctx.not_assessed.get(r.id) or (
            f"source kinds missing: {', '.join(r.needs)}" if missing else None
        )
        n = sum(1 for f in findings if f.rule == r.id)
        runs.append(
            RuleRun(
                rule=r.id,
                name=r.name,
                version=r.version,
                status="not_assessed" if reason and n == 0 else "ran",
                findings=n,
                reason=reason,
            )
        )
    runs.append(
        RuleRun(rule="C01", name="episode_correlator", version="1", status="ran", findings=0)
    )
    return runs


def _texts(result: AnalysisResult) -> list[str]:
    texts = [
        t
        for f in result.findings
        for t in (f.title_ja, f.title_en, f.explanation_ja, f.explanation_en)
    ]
    texts += [t for g in result.gaps for t in (g.statement_ja, g.statement_en, *g.interview_topics)]
    texts += [t for e in result.elements for w in e.weakening_facts for t in (w.text_ja, w.text_en)]
    return texts


def write_result(case: Case, result: AnalysisResult) -> dict[str, str]:
    """Write ``analysis/analysis.json`` (canonical JSON) and log custody; return name -> sha256."""
    folder = case.root / "analysis"
    folder.mkdir(exist_ok=True)
    data = dumps(result.canonical_dict()) + b"\n"
    tmp = folder / "analysis.json.partial"
    tmp.write_bytes(data)
    tmp.replace(folder / "analysis.json")
    hashes = {"analysis/analysis.json": hashlib.sha256(data).hexdigest()}
    case.custody.append(
        "analysis",
        f"analysis with profile {result.profile_id} over timeline v{result.timeline_version}: "
        f"{len(result.findings)} findings, {len(result.episodes)} episodes, {len(result.gaps)} gaps",  # noqa: E501 - bilingual wording kept whole
        evidence=hashes,
        details={
            "merkle_root": result.merkle_root,
            "profile_sha256": result.profile_sha256,
            "inputs": {i.name: i.sha256 for i in result.inputs},
        },
    )
    return hashes
