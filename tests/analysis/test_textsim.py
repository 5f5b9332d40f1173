"""Text extraction, normalisation, shingles and the MinHash sketch (SIG.NP.02/03)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.analysis.textsim import (
    estimate,
    extract_text,
    jaccard,
    normalise,
    shingles,
    sketch,
)
from tests.analysis.textdocs import (
    SPEC,
    UNRELATED,
    edited_copy,
    make_docx,
    make_pdf,
    make_zip_bomb_docx,
)

K = 128


def _set(path: Path) -> frozenset[str]:
    return shingles(normalise(extract_text(path).text), 5, 1_000_000)


def test_normalise_folds_width_case_punctuation_and_spaces() -> None:
    assert (
        normalise("精密減速機ＲＸ－２００、出力　２５０Ｎ・ｍ。\n")
        == "精密減速機rx 200 出力 250n m"
    )
    assert normalise("Hello,\t  WORLD!") == "hello world"


def test_japanese_text_reads_the_same_in_every_encoding(tmp_path: Path) -> None:
    text = "\n".join(SPEC)
    reference = normalise(text)
    for encoding in ("utf-8", "utf-16", "cp932", "euc_jp"):
        path = tmp_path / f"spec-{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        got = extract_text(path)
        assert got.kind == "text" and not got.problems, encoding
        assert normalise(got.text) == reference, encoding


def test_html_markup_scripts_and_styles_are_not_text(tmp_path: Path) -> None:
    page = (
        "<html><head><style>p{color:red}</style><script>var secret=1;</script></head>"
        "<body><p>" + "</p><p>".join(SPEC) + "</p><!-- note --></body></html>"
    )
    path = tmp_path / "catalogue.html"
    path.write_text(page, encoding="utf-8")
    got = extract_text(path)
    assert got.kind == "html"
    assert normalise(got.text) == normalise("\n".join(SPEC))


def test_docx_and_pdf_of_the_same_text_have_the_same_shingles(tmp_path: Path) -> None:
    (tmp_path / "spec.docx").write_bytes(make_docx(SPEC))
    (tmp_path / "spec.pdf").write_bytes(make_pdf(SPEC))
    docx, pdf = _set(tmp_path / "spec.docx"), _set(tmp_path / "spec.pdf")
    assert docx and docx == pdf


def test_lightly_edited_copy_stays_above_and_unrelated_text_far_below(tmp_path: Path) -> None:
    (tmp_path / "spec.txt").write_text("\n".join(SPEC), encoding="utf-8")
    (tmp_path / "copy.txt").write_bytes("\n".join(edited_copy()).encode("cp932"))
    (tmp_path / "other.txt").write_text("\n".join(UNRELATED), encoding="utf-8")
    spec, copy, other = (_set(tmp_path / n) for n in ("spec.txt", "copy.txt", "other.txt"))
    inter, union = jaccard(spec, copy)
    assert 80 * union <= inter * 100 < 100 * union  # edited, yet >= 0.8
    inter, union = jaccard(spec, other)
    assert inter * 10 < union


def _items(ints: frozenset[int]) -> frozenset[str]:
    return frozenset(f"s{i:05d}" for i in ints)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    common=st.frozensets(st.integers(0, 20_000), max_size=400),
    only_a=st.frozensets(st.integers(20_001, 40_000), max_size=300),
    only_b=st.frozensets(st.integers(40_001, 60_000), max_size=300),
)
def test_minhash_estimate_tracks_the_exact_jaccard(
    common: frozenset[int], only_a: frozenset[int], only_b: frozenset[int]
) -> None:
    a, b = _items(common | only_a), _items(common | only_b)
    inter, union = jaccard(a, b)
    shared, of = estimate(sketch(a, K), sketch(b, K), K)
    if len(a | b) <= K:
        assert shared * union == inter * of  # the sketch holds every shingle: exact
    else:
        assert of == K
        # bottom-k: standard error <= 0.5/sqrt(k) = 0.044; 0.2 is about 4.5 errors
        assert abs(shared * union - inter * of) <= 0.2 * union * of


def test_sketch_is_the_same_in_every_process_whatever_the_hash_seed() -> None:
    items = shingles(normalise("\n".join(SPEC)), 5, 1_000_000)
    mine = ",".join(h.hex() for h in sketch(items, K))
    code = (
        "from evidencekit.analysis.textsim import normalise, shingles, sketch\n"
        "from tests.analysis.textdocs import SPEC\n"
        "s = shingles(normalise('\\n'.join(SPEC)), 5, 1_000_000)\n"
        "print(','.join(h.hex() for h in sketch(s, 128)))\n"
    )
    root = Path(__file__).resolve().parents[2]
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, check=True
        )
        assert run.stdout.decode().strip() == mine, seed
    assert len(mine.split(",")) == K


def test_zip_bomb_docx_is_a_problem_not_text(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    path.write_bytes(make_zip_bomb_docx())
    got = extract_text(path)
    assert got.text == "" and got.problems[0].startswith("zip_bomb_refused")


def _ooxml(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def test_xlsx_shared_strings_and_pptx_slides_are_text(tmp_path: Path) -> None:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    strings = "".join(f"<si><t>{s}</t></si>" for s in SPEC)
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>{i - 1}</v></c></row>' for i in range(1, 14))
    xlsx = _ooxml(
        {
            "xl/sharedStrings.xml": f'<?xml version="1.0"?><sst {ns}>{strings}</sst>',
            "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet {ns}><sheetData>'
            f"{rows}</sheetData></worksheet>",
            "docProps/app.xml": "<Properties><Application>Microsoft Excel</Application>"
            "</Properties>",
        }
    )
    a = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    slides = {
        f"ppt/slides/slide{n}.xml": f'<?xml version="1.0"?><p:sld {a}><a:p><a:r><a:t>{line}'
        "</a:t></a:r></a:p></p:sld>"
        for n, line in enumerate(SPEC, start=1)
    }
    (tmp_path / "spec.txt").write_text("\n".join(SPEC), encoding="utf-8")
    (tmp_path / "spec.xlsx").write_bytes(xlsx)
    (tmp_path / "spec.pptx").write_bytes(_ooxml(slides))
    spec = _set(tmp_path / "spec.txt")
    for name in ("spec.xlsx", "spec.pptx"):
        got = extract_text(tmp_path / name)
        assert got.kind == "ooxml" and not got.problems, name
        assert "Microsoft Excel" not in got.text  # document properties are not body text
        inter, union = jaccard(spec, _set(tmp_path / name))
        assert inter * 100 >= 90 * union, name
