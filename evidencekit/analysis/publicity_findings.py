"""E05 findings from the text comparison (map §2.3.3): SIG.NP.03 for a secret-set copy
with a near-duplicate in the public corpus (that document only), SIG.NP.02 for the
copies with none, SIG.NP.07 for licence headers in secret-set files.

Findings name files by their register label and SHA-256 and give the Jaccard as text
(in ``facts`` as an integer per mille: the report sends string facts that look like file
names, such as ``0.912``, to the sealed annex);
they never quote content (overlapping passages belong in the sealed annex). SIG.NP.02
is ``weak_indirect``, and ``strong_indirect`` only when the register states that the
corpus covers the company's own publications and patents
(``[public_corpus] covers_own_publications = true``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from evidencekit.analysis.context import Context, Draft, Ref
from evidencekit.analysis.folders import FolderFile
from evidencekit.analysis.publicity import Comparison, NearDuplicate, compare
from evidencekit.analysis.textsim import ratio_text


def _label(ctx: Context, f: FolderFile) -> str:
    """The asset id a secret-set copy belongs to (by SHA-256), else its input name."""
    asset = ctx.assets.match(None, f.sha256)
    return asset.id if asset is not None else f.name


def e05_draft(
    ja: str,
    en: str,
    elements: list[tuple[str, str, str | None]],
    strength: str,
    facts: dict[str, Any],
    inputs: list[tuple[str, str]],
    refs: list[Ref] | None = None,
    total: int = 0,
) -> Draft:
    """An E05 (check against public material) finding; signals are the elements' own."""
    return Draft(
        rule="E05",
        person=None,
        title_ja="公開資料との照合",
        title_en="Check against public material",
        explanation_ja=ja,
        explanation_en=en,
        refs=refs or [],
        total=total,
        elements=elements,
        strength=strength,
        severity="info",
        signals=[e[2] for e in elements if e[2]],
        facts=facts,
        inputs=inputs,
    )


def _draft(ja: str, en: str, signal: str | None, strength: str, facts: dict[str, Any]) -> Draft:
    return e05_draft(ja, en, [("non_public", strength, signal)], strength, facts,
                     [("assets", "public_corpus"), ("assets", "secret_set")])  # fmt: skip


def text_checks(ctx: Context, desc: str) -> list[Draft]:
    """Compare the secret-set folder with the public-corpus folder; drafts to emit."""
    reg = ctx.assets
    p = ctx.params["publicity"]
    secret = reg.secret_folder.files if reg.secret_folder else []
    public = reg.public_folder.files if reg.public_folder else []
    cmp = compare(secret, public, p)
    hits: list[str] = ctx.shared.setdefault("public_hits", [])
    out: list[Draft] = []
    by_secret: dict[FolderFile, list[NearDuplicate]] = defaultdict(list)
    for nd in cmp.near:
        by_secret[nd.secret].append(nd)
    for f, nds in sorted(by_secret.items(), key=lambda kv: kv[0].name):
        label = _label(ctx, f)
        if label not in hits:
            hits.append(label)
            out.append(_near_draft(label, f, nds, desc, p))
    for name, licences in sorted(cmp.licences.items()):
        f = next(x for x in secret if x.name == name)
        label = _label(ctx, f)
        if label not in hits:
            hits.append(label)
        out.append(_licence_draft(label, f, licences))
    if reg.public_folder is not None:
        clean = [d.file for d in cmp.secret if d.file not in by_secret]
        if clean:
            out.append(_clean_draft(ctx, clean, cmp, desc, p))
    skipped = [
        f"{s.role}/{x}" for s in (reg.public_folder, reg.secret_folder) if s for x in s.skipped
    ]
    if cmp.unreadable or cmp.too_short or cmp.truncated or skipped:
        out.append(_uncompared_draft(cmp, skipped, p))
    return out


def _uncompared_draft(cmp: Comparison, skipped: list[str], p: dict[str, Any]) -> Draft:
    """Files whose text was not (or only partly) compared, from both folders."""
    bad, short, cut = len(cmp.unreadable), len(cmp.too_short), len(cmp.truncated)
    draft = _draft(
        f"読めない（または一部しか読めない）ファイルが{bad}件、本文が短すぎるものが{short}件"
        f"（文字{p['shingle_chars']}-gram {p['min_shingles']}個未満）、"
        f"上限まで比較したものが{cut}件、通常のファイルでないため読まなかったものが{len(skipped)}件ある。",
        f"{bad} file(s) could not be read (in full), {short} were too short (fewer than "
        f"{p['min_shingles']} character {p['shingle_chars']}-grams), {cut} were compared up "
        f"to the size bound only and {len(skipped)} were not read (not regular files).",
        None,
        "context",
        {
            "unreadable": cmp.unreadable,
            "too_short": [{"file": f.name, "sha256": f.sha256} for f in cmp.too_short],
            "truncated": cmp.truncated,
            "skipped": skipped,
        },
    )
    draft.title_ja, draft.title_en = (
        "公開資料との照合（比較できなかった入力）",
        ("Check against public material (inputs not compared)"),
    )
    return draft


def _near_draft(
    label: str, f: FolderFile, nds: list[NearDuplicate], desc: str, p: dict[str, Any]
) -> Draft:
    nds = sorted(nds, key=lambda n: (-n.inter * 10**9 // n.union, n.public.name))
    best = nds[0]
    j = ratio_text(best.inter, best.union)
    t = ratio_text(int(p["near_duplicate_percent"]), 100)
    n = int(p["shingle_chars"])
    more_ja = f"ほかに{len(nds) - 1}件の公開資料とも重複する。" if len(nds) > 1 else ""
    more_en = f" It also overlaps {len(nds) - 1} other public file(s)." if len(nds) > 1 else ""
    return _draft(
        f"営業秘密候補{label}の写し（SHA-256 {f.sha256}）の本文は、公開資料コーパス（{desc}）"
        f"のファイル（SHA-256 {best.public.sha256}）と、文字{n}-gramのJaccard係数{j}"
        f"（閾値{t}以上）で重複する。{more_ja}重複箇所は別紙（非開示）で代理人に示す。",
        f"The text of the secret-set copy {label} (SHA-256 {f.sha256}) overlaps a file of "
        f"the public corpus ({desc}; SHA-256 {best.public.sha256}): Jaccard {j} of character "
        f"{n}-grams (threshold {t}).{more_en} Overlapping passages go to counsel in the "
        "sealed annex only.",
        "SIG.NP.03",
        "negative",
        {
            "asset": label,
            "corpus": desc,
            "secret_file": f.name,
            "secret_sha256": f.sha256,
            "matches": [
                {
                    "file": m.public.name,
                    "sha256": m.public.sha256,
                    "jaccard_permille": m.inter * 1000 // m.union,
                    "shared_shingles": m.inter,
                    "union_shingles": m.union,
                }
                for m in nds
            ],
            "method": f"exact Jaccard of character {n}-grams after NFKC/casefold",
        },
    )


def _licence_draft(label: str, f: FolderFile, licences: list[str]) -> Draft:
    ids = ", ".join(licences)
    return _draft(
        f"営業秘密候補{label}のファイル（SHA-256 {f.sha256}）に、"
        f"OSSライセンスの表示（{ids}）がある。",
        f"The secret-set file {label} (SHA-256 {f.sha256}) carries an open-source licence "
        f"notice ({ids}).",
        "SIG.NP.07",
        "negative",
        # licence ids are in the text only: the report moves string facts that look like
        # file names ("Apache-2.0") to the sealed annex
        {
            "asset": label,
            "secret_file": f.name,
            "secret_sha256": f.sha256,
            "licences": len(licences),
        },
    )


def _clean_draft(
    ctx: Context, clean: list[FolderFile], cmp: Comparison, desc: str, p: dict[str, Any]
) -> Draft:
    corpus = ctx.assets.public_corpus or {}
    covers = corpus.get("covers_own_publications") is True
    files = len(ctx.assets.public_folder.files) if ctx.assets.public_folder else 0
    t = ratio_text(int(p["near_duplicate_percent"]), 100)
    n = int(p["shingle_chars"])
    cov_ja = (
        "台帳は、このコーパスが自社の公開物と特許公報を含むと記載している。"
        if covers
        else "このコーパスが自社の公開物と特許公報を網羅するとの記載は台帳にない。"
    )
    cov_en = (
        "The register states that the corpus covers the company's own publications and patents."
        if covers
        else "The register does not state that the corpus covers the company's own "
        "publications and patents."
    )
    bad = len([u for u in cmp.unreadable if u["file"].startswith("public_corpus/")])
    return _draft(
        f"営業秘密候補の写し{len(clean)}件の本文は、提供された公開資料コーパス（{desc}、"
        f"{files}ファイル、うち本文を比較できたもの{len(cmp.public)}件、読めなかったもの{bad}件）"
        f"のいずれとも、文字{n}-gramのJaccard係数{t}以上では重複しない。{cov_ja}",
        f"The texts of {len(clean)} secret-set copies have no near-duplicate (Jaccard of "
        f"character {n}-grams >= {t}) in the supplied public corpus ({desc}; {files} files, "
        f"{len(cmp.public)} with comparable text, {bad} unreadable). {cov_en}",
        "SIG.NP.02",
        "strong_indirect" if covers else "weak_indirect",
        {
            "corpus": desc,
            "corpus_files": files,
            "compared_public": len(cmp.public),
            "compared_secret": [f.name for f in clean],
            "covers_own_publications": covers,
            "unreadable_public": bad,
            "threshold_percent": int(p["near_duplicate_percent"]),
        },
    )
