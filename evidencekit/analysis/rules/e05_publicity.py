"""E05 publicity_check — 非公知性 (map §2.3.3; SIG.NP.01–07; [S2], [P24]).

Inputs: the asset register's ``[public_corpus]`` (description and SHA-256 list of the
customer-supplied public material: website, catalogues, manuals, patent publications)
and ``[known_files]`` (NSRL-style hashes). A secret-set hash found in the public
corpus is a negative fact for that entry only (SIG.NP.03); no match is a weak fact
about the corpus searched (SIG.NP.01); internal origin is SIG.NP.05; anonymous
sharing links are negative (SIG.NP.06). With ``[secret_set] folder`` and
``[public_corpus] folder`` the texts are compared too (SIG.NP.02/03, licence headers
SIG.NP.07; see :mod:`evidencekit.analysis.publicity_findings`). Known-file hashes only
remove known software from the secret set: they say nothing about documents. Without a
corpus the element is not assessed (GAP.NP.01) and secret content is never sent anywhere to search.
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.publicity_findings import e05_draft, text_checks
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket


@rules.register("E05")
class PublicityCheck(Rule):
    """Secret-set hashes against the supplied public corpus."""

    id = "E05"
    name = "publicity_check"
    version = "2"  # 2: near-duplicate text (NP.02/03) and licence headers (NP.07)
    actions = frozenset({"share"})
    phase = 10

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.anon = Bucket()

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if (
            "anonymouslink" in ev["kind"].casefold()
            or (ev.get("attributes") or {}).get("anonymous") is True
        ):
            self.anon.add(ref(ev, idx, "anonymous_link"))

    def finish(self) -> None:
        reg = self.ctx.assets
        corpus = reg.public_corpus
        if not corpus:
            self.ctx.not_assessed["E05"] = "no public corpus supplied (GAP.NP.01)"
            return
        public = {str(h).lower() for h in corpus.get("sha256", [])}
        if reg.public_folder is not None:
            public |= {f.sha256 for f in reg.public_folder.files}
        desc = str(corpus.get("description", ""))
        hit = [a for a in reg.assets if a.sha256 & public]
        clean = [a for a in reg.assets if a.sha256 and not a.sha256 & public]
        internal = [a for a in reg.assets if (a.origin or "").casefold() == "internal"]
        self.ctx.shared["public_hits"] = [a.id for a in hit]
        for a in hit:
            self._emit(
                f"{a.id}のハッシュ値が公開資料コーパス（{desc}）に含まれる。",
                f"The hash of {a.id} is in the public corpus ({desc}).",
                [("non_public", "negative", "SIG.NP.03")],
                "negative",
                a.id,
            )
        if clean:
            self._emit(
                f"営業秘密候補{len(clean)}件のハッシュ値は、提供された公開資料コーパス（{desc}、{len(public)}件）に一致しない。",
                f"The hashes of {len(clean)} secret-set entries match nothing in the supplied public corpus ({desc}, {len(public)} items).",  # noqa: E501 - bilingual wording kept whole
                [("non_public", "weak_indirect", "SIG.NP.01")],
                "weak_indirect",
                None,
            )
        if reg.secret_folder is not None:
            self._text_checks(desc)
        if internal:
            self._emit(
                f"営業秘密候補{len(internal)}件は社内で作成されたと台帳に記載されている。",
                f"The register records {len(internal)} secret-set entries as created internally.",
                [("non_public", "strong_indirect", "SIG.NP.05")],
                "strong_indirect",
                None,
            )
        if self.anon.files:
            self._emit(
                f"匿名共有リンクの作成記録が{self.anon.files}件ある。",
                f"Records show {self.anon.files} anonymous sharing link(s).",
                [("non_public", "negative", "SIG.NP.06")],
                "negative",
                None,
                self.anon,
            )

    def _text_checks(self, desc: str) -> None:
        """SIG.NP.02/03 (near-duplicate text) and SIG.NP.07 (licence headers)."""
        for draft in text_checks(self.ctx, desc):
            self.ctx.emit(draft, windowed=False)

    def _emit(
        self,
        ja: str,
        en: str,
        elements: list[tuple[str, str, str | None]],
        strength: str,
        asset: str | None,
        b: Bucket | None = None,
    ) -> None:
        facts = {
            "asset": asset,
            "corpus": str((self.ctx.assets.public_corpus or {}).get("description", "")),
        }
        draft = e05_draft(ja, en, elements, strength, facts, [("assets", "public_corpus")],
                          b.refs if b else [], b.files if b else 0)  # fmt: skip
        self.ctx.emit(draft, windowed=False)
