"""An event object's asset and marking word, taken from the per-folder entry, must be what
the asset register's ``match`` and the marking scan say for every path shape: assets whose
path is a folder, a longer path inside a folder (the name decides), a file, hashes, known
files, URLs, forward slashes, bare names, Japanese and full-width markings."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekit.analysis.engine import AnalysisOptions, build_context
from evidencekit.analysis.rules.common import _object_facts, has_marking

REGISTER = """\
[[asset]]
id = "A1"
path = '\\\\fs1\\share\\設計'
[[asset]]
id = "A2"
path = '\\\\fs1\\share\\営業\\顧客一覧'
[[asset]]
id = "A3"
path = '\\\\fs1\\share\\営業'
[[asset]]
id = "A4"
path = 'C:\\Users\\u1\\plan.xlsx'
[[asset]]
id = "H1"
sha256 = ["{}"]
[known_files]
sha256 = ["{}"]
""".format("a" * 64, "b" * 64)

FOLDERS = [
    "\\\\fs1\\share\\設計",
    "\\\\FS1\\Share\\設計\\sub",
    "\\\\fs1\\share\\営業",
    "\\\\fs1\\share\\営業\\顧客一覧",
    "\\\\fs1\\share\\【秘】dept",
    "\\\\fs2\\other\\Confidential",
    "C:\\Users\\u1",
    "D:\\",
    "",
]
NAMES = [
    "plan.xlsx",
    "顧客一覧.xlsx",
    "顧客一覧",
    "ＣＯＮＦＩＤＥＮＴＩＡＬ.docx",
    "a.c",
    "㊙.pdf",
    "",
]


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("register") / "assets.toml"
    path.write_text(REGISTER, encoding="utf-8")
    ctx, _ = build_context("Asia/Tokyo", AnalysisOptions(assets=path))
    assert len(ctx.assets.assets) == 5
    return ctx


def _expected(ctx: Any, obj: dict[str, Any] | None) -> tuple[Any, str | None]:
    obj = obj or {}
    where = obj.get("path") or obj.get("url") or obj.get("name")
    return ctx.assets.match(where, obj.get("sha256")), has_marking(ctx, where)


def _objects() -> list[dict[str, Any] | None]:
    out: list[dict[str, Any] | None] = [None, {}]
    for folder in FOLDERS:
        for name in NAMES:
            path = f"{folder}\\{name}" if folder else name
            out += [{"path": path}, {"name": path}, {"path": path.replace("\\", "/")}]
            out += [{"path": path, "sha256": h} for h in ("a" * 64, "b" * 64, "c" * 64)]
    out += [{"url": "https://contoso.sharepoint.com/sites/設計/plan.xlsx"}, {"size": 3}]
    return out


def test_object_facts_equal_register_and_scan(ctx: Any) -> None:
    seen = set()
    for _ in range(2):  # the second round is answered from the folder entries
        for obj in _objects():
            ev = {"object": obj} if obj is not None else {}
            got = _object_facts(ctx, ev)
            assert got == _expected(ctx, obj), obj
            assert (ev["_asset"], ev["_mark"]) == got
            seen.add((got[0].id if got[0] else None, got[1]))
    assert {"A1", "A2", "A3", "A4", "H1"} <= {a for a, _ in seen}
    assert {"㊙", "confidential"} <= {m for _, m in seen}  # 【秘】 folds to 秘, as ㊙ does


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.sampled_from(["fs1", "share", "営業", "設計", "顧客一覧", "秘密", "x", "CONF"]),
             max_size=5),
    st.text(alphabet="abc営業設計顧客一覧秘.\\/ ", max_size=12),
)  # fmt: skip
def test_object_facts_on_generated_paths(ctx: Any, parts: list[str], name: str) -> None:
    path = "\\\\" + "\\".join(parts) + "\\" + name
    for obj in ({"path": path}, {"path": path.lower()}, {"name": name}):
        ev: dict[str, Any] = {"object": obj}
        assert _object_facts(ctx, ev) == _expected(ctx, obj)
