"""E05 with register folders: near-duplicate text (SIG.NP.02/03) and licence headers
(SIG.NP.07) on the P1 case, with real files written to the register's folders."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from evidencekit.analysis.assets import load_assets
from evidencekit.analysis.config import AnalysisError
from evidencekit.analysis.model import AnalysisResult, Finding
from evidencekit.timeline.canonical import dumps
from tests.analysis.conftest import Built, rerun
from tests.analysis.textdocs import (
    CATALOGUE_OTHER,
    SPEC,
    UNRELATED,
    edited_copy,
    make_docx,
    make_pdf,
    make_zip_bomb_docx,
)

GPL_SOURCE = "// SPDX-License-Identifier: GPL-2.0-only\n/* motor control loop */\n" + "\n".join(
    f"static int gain_{i} = {i * 7};" for i in range(40)
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _case(
    built: Built,
    tmp: Path,
    secret: dict[str, bytes],
    public: dict[str, bytes],
    covers: bool = False,
    internal: bool = True,
    **changes: object,
) -> AnalysisResult:
    """Re-run P1 with a register that names both folders; secret copies become assets
    SF-101, SF-102 … (by SHA-256, in name order)."""
    for folder, files in (("secret", secret), ("public", public)):
        (tmp / folder).mkdir(exist_ok=True)
        for name, data in files.items():
            (tmp / folder / name).write_bytes(data)
    base = Path(str(built[1].assets)).read_text(encoding="utf-8")
    if not internal:
        base = base.replace('origin = "internal"\n', "")
    extra = "".join(
        f'\n[[asset]]\nid = "SF-{101 + i}"\nsha256 = ["{_sha(secret[n])}"]\n'
        for i, n in enumerate(sorted(secret))
    )
    extra += (
        '\n[public_corpus]\ndescription = "製品カタログ2024（公開）"\nfolder = "public"\n'
        f"covers_own_publications = {'true' if covers else 'false'}\n"
        '\n[secret_set]\nfolder = "secret"\n'
    )
    register = tmp / "assets.toml"
    register.write_text(base + extra, encoding="utf-8")
    return rerun(built, assets=register, **changes)


def _e05(result: AnalysisResult, signal: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == "E05" and signal in f.signals]


def _row(result: AnalysisResult, element: str = "non_public") -> tuple[str, str]:
    row = next(e for e in result.elements if e.element == element)
    return row.status, row.note_en or ""


def test_edited_catalogue_copy_is_np03_for_that_document_only(p1: Built, tmp_path: Path) -> None:
    secret = {
        "a_spec.txt": "\n".join(SPEC).encode("utf-8"),
        "b_minutes.docx": make_docx(UNRELATED),
    }
    public = {
        "catalogue.txt": "\n".join(edited_copy()).encode("cp932"),
        "other.txt": "\n".join(CATALOGUE_OTHER).encode("utf-8"),
    }
    result = _case(p1, tmp_path, secret, public)
    [near] = _e05(result, "SIG.NP.03")
    assert near.facts["asset"] == "SF-101"
    assert near.facts["secret_sha256"] == _sha(secret["a_spec.txt"])
    [match] = near.facts["matches"]
    assert match["sha256"] == _sha(public["catalogue.txt"])
    assert 800 <= match["jaccard_permille"] < 1000
    jaccard = f"0.{match['jaccard_permille']:03d}"
    assert f"Jaccard {jaccard} of character 5-grams (threshold 0.800)" in near.explanation_en
    assert _sha(public["catalogue.txt"]) in near.explanation_en and "Jaccard" in near.explanation_en
    assert [(s.element, s.strength) for s in near.elements] == [("non_public", "negative")]
    # no content in the finding: not one line of the specification is quoted
    texts = near.explanation_ja + near.explanation_en + str(near.facts)
    assert not [line for line in SPEC if line[:12] in texts]
    [clean] = _e05(result, "SIG.NP.02")
    assert clean.facts["compared_secret"] == ["secret_set/b_minutes.docx"]
    assert [s.strength for s in clean.elements] == ["weak_indirect"]
    status, note = _row(result)
    assert status == "contradicted" and "SF-101" in note and "SF-102" not in note
    gaps = [g.statement_en for g in result.gaps if g.id == "GAP.NP.02"]
    assert any("SF-101" in g for g in gaps) and not any("SF-102" in g for g in gaps)


def test_docx_secret_against_the_same_text_as_pdf(p1: Built, tmp_path: Path) -> None:
    secret = {"spec.docx": make_docx(SPEC)}
    public = {"catalogue.pdf": make_pdf(SPEC)}
    result = _case(p1, tmp_path, secret, public)
    [near] = _e05(result, "SIG.NP.03")
    assert near.facts["asset"] == "SF-101"
    assert near.facts["matches"][0]["jaccard_permille"] == 1000
    assert "Jaccard 1.000" in near.explanation_en
    assert near.facts["matches"][0]["sha256"] == _sha(public["catalogue.pdf"])
    assert not _e05(result, "SIG.NP.02")


def test_unrelated_corpus_is_np02_with_its_size_and_every_file_an_input(
    p1: Built, tmp_path: Path
) -> None:
    secret = {"spec.txt": "\n".join(SPEC).encode("utf-8")}
    public = {
        "other.txt": "\n".join(CATALOGUE_OTHER).encode("utf-8"),
        "minutes.docx": make_docx(UNRELATED),
        "bomb.docx": make_zip_bomb_docx(),
    }
    before = {n: _sha(d) for n, d in public.items()}
    result = _case(p1, tmp_path, secret, public)
    assert not _e05(result, "SIG.NP.03")
    [clean] = _e05(result, "SIG.NP.02")
    assert "3 files" in clean.explanation_en and "3ファイル" in clean.explanation_ja
    assert "2 with comparable text, 1 unreadable" in clean.explanation_en
    assert clean.facts["unreadable_public"] == 1
    [other] = [f for f in result.findings if f.rule == "E05" and "not compared" in f.title_en]
    assert [(s.element, s.strength) for s in other.elements] == [("non_public", "context")]
    [bad] = other.facts["unreadable"]
    assert bad["file"] == "public_corpus/bomb.docx" and bad["sha256"] == before["bomb.docx"]
    assert bad["problem"].startswith("zip_bomb_refused")
    inputs = {i.name: (i.role, i.sha256) for i in result.inputs}
    for name, digest in before.items():
        assert inputs[f"public_corpus/{name}"] == ("public_corpus", digest)
    assert inputs["secret_set/spec.txt"] == ("secret_set", _sha(secret["spec.txt"]))
    # the folders are only read
    assert {p.name: _sha(p.read_bytes()) for p in (tmp_path / "public").iterdir()} == before
    assert {r.rule: r.status for r in result.rules}["E05"] != "not_assessed"


def test_spdx_header_in_a_secret_source_file_is_np07(p1: Built, tmp_path: Path) -> None:
    secret = {"a_spec.txt": "\n".join(SPEC).encode("utf-8"), "b_motor.c": GPL_SOURCE.encode()}
    public = {"other.txt": "\n".join(CATALOGUE_OTHER).encode("utf-8")}
    result = _case(p1, tmp_path, secret, public)
    [oss] = _e05(result, "SIG.NP.07")
    assert oss.facts["asset"] == "SF-102" and oss.facts["licences"] == 1
    assert "(GPL-2.0-only)" in oss.explanation_en
    assert [(s.element, s.strength) for s in oss.elements] == [("non_public", "negative")]
    status, note = _row(result)
    assert status == "contradicted" and "SF-102" in note and "SF-101" not in note


def test_mit_licence_text_is_np07(p1: Built, tmp_path: Path) -> None:
    mit = (
        "Copyright (c) 2020 Example\n\nPermission is hereby granted, free of charge, to any "
        "person obtaining a copy\nof this software and associated documentation files.\n"
    )
    mention = "\n".join(SPEC) + "\nGNU General Public License のコードは使用しない。"
    secret = {"LICENSE.txt": mit.encode(), "spec.txt": mention.encode("utf-8")}
    public = {"other.txt": "\n".join(CATALOGUE_OTHER).encode("utf-8")}
    result = _case(p1, tmp_path, secret, public)
    [oss] = _e05(result, "SIG.NP.07")
    assert "notice (MIT)" in oss.explanation_en
    assert oss.facts["secret_file"] == "secret_set/LICENSE.txt"


def test_matrix_supported_only_with_a_corpus_covering_own_publications(
    p1: Built, tmp_path: Path
) -> None:
    secret = {"spec.txt": "\n".join(SPEC).encode("utf-8")}
    public = {"other.txt": "\n".join(CATALOGUE_OTHER).encode("utf-8")}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    narrow = _case(p1, tmp_path / "a", secret, public, covers=False, internal=False)
    wide = _case(p1, tmp_path / "b", secret, public, covers=True, internal=False)
    assert _row(narrow)[0] == "partially_supported"  # NP.01 + NP.02, both weak
    [np02] = _e05(wide, "SIG.NP.02")
    assert [s.strength for s in np02.elements] == ["strong_indirect"]
    assert np02.facts["covers_own_publications"] is True
    assert _row(wide)[0] == "supported"


def test_hash_only_corpus_keeps_todays_behaviour(p1: Built, tmp_path: Path) -> None:
    base = Path(str(p1[1].assets)).read_text(encoding="utf-8")
    register = tmp_path / "assets.toml"
    register.write_text(
        base.replace('origin = "internal"\n', "")
        + '\n[public_corpus]\ndescription = "カタログ"\nsha256 = ["'
        + "c3" * 32
        + '"]\n',
        encoding="utf-8",
    )
    result = rerun(p1, assets=register)
    signals = {s for f in result.findings if f.rule == "E05" for s in f.signals}
    assert signals == {"SIG.NP.01"}
    assert _row(result)[0] == "partially_supported"  # no exact match alone is weak
    assert not [i for i in result.inputs if i.role in ("public_corpus", "secret_set")]


def test_bounds_and_short_files_are_listed_and_parameters_recorded(
    p1: Built, tmp_path: Path
) -> None:
    params = tmp_path / "params.toml"
    params.write_text("[publicity]\nmax_shingles = 200\nnear_duplicate_percent = 90\n")
    secret = {"spec.txt": "\n".join(SPEC).encode("utf-8"), "note.txt": "概要のみ。".encode()}
    public = {"catalogue.txt": "\n".join(edited_copy()).encode("cp932")}
    (tmp_path / "run").mkdir()
    result = _case(p1, tmp_path / "run", secret, public, params=params)
    assert result.parameters["publicity"]["near_duplicate_percent"] == 90
    assert result.parameters["publicity"]["max_shingles"] == 200
    [other] = [f for f in result.findings if f.rule == "E05" and "not compared" in f.title_en]
    assert other.facts["too_short"] == [
        {"file": "secret_set/note.txt", "sha256": _sha(secret["note.txt"])}
    ]
    assert other.facts["truncated"] == ["public_corpus/catalogue.txt", "secret_set/spec.txt"]
    compared = _e05(result, "SIG.NP.03") + _e05(result, "SIG.NP.02")
    assert compared and all("0.900" in f.explanation_en for f in compared)


def test_same_folders_give_identical_bytes(p1: Built, tmp_path: Path) -> None:
    secret = {"a_spec.txt": "\n".join(SPEC).encode("utf-8"), "b_motor.c": GPL_SOURCE.encode()}
    public = {"catalogue.pdf": make_pdf(edited_copy()), "bomb.docx": make_zip_bomb_docx()}
    runs = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        runs.append(dumps(_case(p1, tmp_path / name, secret, public).canonical_dict()))
    assert runs[0] == runs[1]


def test_register_folder_mistakes_are_refused_by_name(p1: Built, tmp_path: Path) -> None:
    base = Path(str(p1[1].assets)).read_text(encoding="utf-8")
    cases = {
        '\n[secret_set]\nfolder = "missing"\n': "is not a folder",
        "\n[secret_set]\n": "[secret_set] needs a folder",
        '\n[public_corpus]\ncovers_own_publications = "yes"\n': "must be true or false",
    }
    for n, (extra, message) in enumerate(cases.items()):
        register = tmp_path / f"assets{n}.toml"
        register.write_text(base + extra, encoding="utf-8")
        with pytest.raises(AnalysisError, match=re.escape(message)):
            load_assets(register)


def test_links_in_a_folder_are_listed_not_followed(p1: Built, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("\n".join(SPEC), encoding="utf-8")
    secret = {"spec.txt": "\n".join(SPEC).encode("utf-8")}
    public = {"other.txt": "\n".join(CATALOGUE_OTHER).encode("utf-8")}
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "public").mkdir()
    (tmp_path / "run" / "public" / "link.txt").symlink_to(outside)
    (tmp_path / "run" / "public" / "linked_dir").symlink_to(tmp_path, target_is_directory=True)
    result = _case(p1, tmp_path / "run", secret, public)
    assert not _e05(result, "SIG.NP.03")  # the linked copy of the spec was not read
    [other] = [f for f in result.findings if f.rule == "E05" and "not compared" in f.title_en]
    assert other.facts["skipped"] == [
        "public_corpus/link.txt: not a regular file",
        "public_corpus/linked_dir: not a regular file",
    ]
    assert "public_corpus/link.txt" not in {i.name for i in result.inputs}
