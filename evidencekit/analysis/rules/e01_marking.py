"""E01 marking_scan — 秘密表示 (map §3.3 builders; SIG.SM.01/12/13; [P10] マル秘 on files,
file names and folder names).

Inputs: the asset register (``marking``, ``protection``) and events touching files
whose path or ``attributes.marking`` carries a word from the marking dictionary
(NFKC, case-insensitive). Produces: an organisation-level finding for
``secrecy_management.measures`` (marked k of n secret-set entries), per-person
findings for ``secrecy_management.defendant_awareness`` (the person opened, edited
or copied marked files, SIG.SM.12), and negative facts for
``secrecy_management.consistency`` (marked entries readable by everyone, SIG.SM.13).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, obj_path, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import Bucket, _object_facts, has_marking, who

_UNSET: Any = object()


@rules.register("E01")
class MarkingScan(Rule):
    """Confidentiality markings on the secret set and who saw them."""

    id = "E01"
    name = "marking_scan"
    actions = frozenset({"read", "open", "modify", "copy", "download", "access", "create"})
    phase = 10

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.org = Bucket(ctx.max_refs())
        self.people: dict[str, Bucket] = {}
        self.words: set[str] = set()
        self._is_service = ctx.identities.is_service

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        attrs = ev.get("attributes")
        marking = attrs.get("marking") if attrs else None
        word = has_marking(self.ctx, str(marking)) if marking else None
        if not word:  # as `or` did: an empty word falls through to the object's
            word = ev.get("_mark", _UNSET)  # object_marking's memo, read without the call
            if word is _UNSET:
                word = _object_facts(self.ctx, ev)[1]  # = object_marking(ctx, ev)
        if word is None:
            return
        path = obj_path(ev)
        self.words.add(word)
        r = ref(ev, idx, "marked_file")
        self.org.add(r, key=path)
        if person is not None and not self._is_service(person):
            b = self.people.get(person)
            if b is None:
                b = self.people[person] = Bucket(8, 500)
            b.add(r, key=path)

    def finish(self) -> None:
        assets = self.ctx.assets.assets
        marked = [
            a for a in assets if a.marking or any("mark" in p or "表示" in p for p in a.protection)
        ]
        self.ctx.shared["marking"] = {
            "assets": len(assets),
            "marked": len(marked),
            "files_seen": len(self.org.keys),
        }
        if marked or self.org.files:
            words = ", ".join(sorted({a.marking or "" for a in marked} - {""})) or "台帳記載"
            ja = f"営業秘密候補{len(assets)}件中{len(marked)}件に秘密表示（{words}）の記録があり、"
            en = f"{len(marked)} of {len(assets)} secret-set entries carry a confidentiality marking, and records"  # noqa: E501 - bilingual wording kept whole
            if not assets:  # no register: "0 of 0 entries" would count nothing
                ja, en = "資産台帳の提供はないが、", "No asset register was supplied; records"
            ja += f"秘密表示のあるファイルへの操作記録が{self.org.files:,}件ある。"
            en += f" show {self.org.files:,} operations on marked files."
            self.ctx.emit(
                Draft(
                    rule="E01",
                    person=None,
                    title_ja="秘密表示の記録",
                    title_en="Confidentiality markings",
                    explanation_ja=ja,
                    explanation_en=en,
                    refs=self.org.refs,
                    total=self.org.files,
                    elements=[
                        ("secrecy_management.measures", "direct", "SIG.SM.01"),
                        ("secrecy_management.recognizability", "strong_indirect", "SIG.SM.01"),
                        ("secret_identification", "context", "SIG.SM.01"),
                    ],
                    strength="direct",
                    severity="info",
                    signals=["SIG.SM.01"],
                    facts={
                        "assets": len(assets),
                        "marked_assets": len(marked),
                        "marked_files_seen": len(self.org.keys),
                        "words": sorted(self.words),
                    },
                    inputs=[("assets", f"asset[{assets.index(a)}]") for a in marked[:20]],
                ),
                windowed=False,
            )
        for person, b in sorted(self.people.items()):
            wja, wen = who(self.ctx, person)
            # The file set is bounded (memory): a full set is a lower bound, said so.
            full = len(b.keys) >= b.max_keys
            least_ja, least_en = ("少なくとも", "at least ") if full else ("", "")
            self.ctx.emit(
                Draft(
                    rule="E01",
                    person=person,
                    title_ja="秘密表示のあるファイルの閲覧・編集の記録",
                    title_en="Viewing or editing of marked files",
                    explanation_ja=f"{wja}により、秘密表示のあるファイル{least_ja}{len(b.keys):,}件を閲覧・編集・複製した記録がある。",
                    explanation_en=f"Records show {least_en}{len(b.keys):,} marked files opened, edited or copied under {wen}.",  # noqa: E501 - bilingual wording kept whole
                    refs=b.refs,
                    total=b.files,
                    elements=[
                        ("secrecy_management.defendant_awareness", "strong_indirect", "SIG.SM.12")
                    ],
                    strength="strong_indirect",
                    severity="info",
                    t0=b.t0,
                    t1=b.t1,
                    signals=["SIG.SM.12"],
                    facts={"marked_files": len(b.keys), "marked_files_at_least": full},
                ),
                windowed=False,
            )
        for a in assets:
            if (a.acl or "").casefold() in ("everyone", "all", "all_staff") and a in marked:
                self.ctx.emit(
                    Draft(
                        rule="E01",
                        person=None,
                        title_ja="秘密表示と閲覧範囲の不一致",
                        title_en="Marked but readable by everyone",
                        explanation_ja=f"{a.id}は秘密表示があるが、全従業員が閲覧可能な設定と台帳に記載されている。",
                        explanation_en=f"{a.id} is marked, but the register records it as readable by all staff.",  # noqa: E501 - bilingual wording kept whole
                        refs=[],
                        total=0,
                        elements=[
                            ("secrecy_management.consistency", "negative", "SIG.SM.13"),
                            ("secrecy_management.measures", "negative", "SIG.SM.13"),
                        ],
                        strength="negative",
                        severity="info",
                        signals=["SIG.SM.13"],
                        facts={"asset": a.id},
                        inputs=[("assets", f"asset[{assets.index(a)}]")],
                    ),
                    windowed=False,
                )
