"""The keyed event line: the C ``Keyer`` and the Python reference give the same bytes.

``EventKeyer.keyed_line_py`` (orjson with sorted keys, HMAC pad states from hashlib) is
the reference; the C line is held against it on random content dicts, on the content of
real corpus logs, and end to end (store batches ingested with and without
EVIDENCEKIT_PURE_PYTHON=1). The id and salt are also held against the ``hmac`` module.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.events import keys
from evidencekit.events.keys import EventKeyer
from evidencekit.parsers.base import ParseContext
from evidencekit.parsers.evtx import EvtxParser

try:
    _c: Any = importlib.import_module("evidencekit.timeline._sealcore")
except ImportError:
    _c = None
needs_c = pytest.mark.skipif(
    _c is None or not hasattr(_c, "Keyer"),
    reason="C extension evidencekit.timeline._sealcore (with Keyer) is not built (no C "
    "compiler or OpenSSL headers when the package was installed); keyed_line is Python",
)
SECRET = bytes(range(32))
SORT = orjson.OPT_SORT_KEYS

# Keys that sort right around "id" and "salt", or look like them one level down.
NEAR = ["", "a", "i", "iD", "ia", "ib", "ic", "ie", "id_x", "id0", "ID", "Id", "s", "sa",
        "sal", "salt_", "saltz", "salu", "sb", "source", "time", "z", "~", "\x7f", "_",
        "0"]  # fmt: skip
ascii_keys = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7F, exclude_characters='"\\'), max_size=6
)
key_text = st.sampled_from(NEAR) | ascii_keys
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.sampled_from(['"', "\\", '\\"', '"}', "{", "]", ",", "\x00", "\u2028", "é"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(key_text | st.sampled_from(["id", "salt"]), inner, max_size=4)
    ),
    max_leaves=12,
)
contents = st.dictionaries(key_text, values, max_size=10) | st.dictionaries(
    key_text | st.text(max_size=4), values, max_size=6
)


def _sha_backends() -> list[bool]:
    """The C core's SHA-256 backends here: OpenSSL, and SHA-NI where the CPU has it."""
    if _c is None:
        return []
    before = _c._sha_ni()
    has_ni = _c._sha_ni(True)
    _c._sha_ni(before)
    return [False, True] if has_ni else [False]


BACKENDS = _sha_backends()


def _declined(content: dict[str, Any]) -> bool:
    """Content the C scanner must leave to Python: its key sort is not byte sort of text."""
    if "id" in content or "salt" in content:
        return True
    return any(ch in '"\\' or ord(ch) < 0x20 or ord(ch) >= 0x80 for key in content for ch in key)


@pytest.fixture(params=[True, False], ids=["sha-ni", "openssl"])
def backend(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Run under both SHA-256 backends of the C core (SHA-NI only where the CPU has it)."""
    if _c is None:
        pytest.skip("C extension evidencekit.timeline._sealcore is not built")
    if request.param not in BACKENDS:
        pytest.skip("this CPU has no x86 SHA extensions")
    before = _c._sha_ni()
    _c._sha_ni(request.param)
    yield request.param
    _c._sha_ni(before)


def _c_line(content: dict[str, Any]) -> tuple[bytes, str] | None:
    """The C line of ``content`` under the keys EventKeyer derives from SECRET (built here,
    not taken from EventKeyer, so that it runs under EVIDENCEKIT_PURE_PYTHON=1 too)."""
    id_key = hmac.digest(SECRET, keys._ID_LABEL, "sha256")
    salt_key = hmac.digest(SECRET, keys._SALT_LABEL, "sha256")
    line: tuple[bytes, str] | None = _c.Keyer(id_key, salt_key).line(
        orjson.dumps(content, option=SORT)
    )
    return line


@needs_c
@settings(max_examples=300, deadline=None)
@given(contents)
def test_c_equals_python_on_random_content(content: dict[str, Any]) -> None:
    keyer = EventKeyer(SECRET)
    expected = keyer.keyed_line_py(content)
    for flag in BACKENDS:
        before = _c._sha_ni()
        _c._sha_ni(flag)
        try:
            got = _c_line(content)
            assert keyer.keyed_line(content) == expected
        finally:
            _c._sha_ni(before)
        if _declined(content):
            assert got is None
        else:
            assert got == expected


@needs_c
def test_python_reference_is_dumps_of_key_content() -> None:
    content = {"a": 1, "kind": "x", "source": "0" * 16, "zz": {"id": 2, "salt": [3]}}
    keyer = EventKeyer(SECRET)
    line, ident = keyer.keyed_line_py(content)
    keyed = keyer.key_content(content)
    assert line == orjson.dumps(keyed, option=SORT)
    assert ident == keyed["id"]
    assert keyer.check(orjson.loads(line))


@needs_c
@pytest.mark.parametrize(
    "content",
    [
        {},
        {"i": 1},
        {"ie": 1},
        {"id_x": 1},
        {"s": 1},
        {"saltz": 1},
        {"ib": [], "sal": {}, "source": ""},
        {"A": 1, "Z": 2, "_": 3, "a": {"id": "nested", "salt": "nested"}},
        {"zz": 1, "zzz": {"x": ['"}', "\\", {"id": 1}]}},
        {"a": "\\", "b": '\\"', "c": '"', "ia": "\\\\", "sb": "}{][,:"},
        {"kind": "é ☃ \u2028", "time": 1.5, "x": -(2**63), "y": None, "z": True},
        {"big": '\\"x' * 400_000, "ie": ["データ" * 100_000]},
    ],
    ids=lambda content: repr(content)[:60],
)
def test_c_equals_python_on_chosen_content(backend: bool, content: dict[str, Any]) -> None:
    keyer = EventKeyer(SECRET)
    assert _c_line(content) == keyer.keyed_line_py(content)
    assert keyer.keyed_line(content) == keyer.keyed_line_py(content)


@needs_c
def test_c_equals_python_around_16_byte_steps(backend: bool) -> None:
    """Escapes, quotes and non-ASCII bytes at every offset of the scanner's 16-byte steps."""
    keyer = EventKeyer(SECRET)
    for pad in range(40):
        for tail in ("\\", '"', "\\\\", '\\"', "é", "\n", ""):
            content = {
                "a" * pad: "x" * pad + tail + "y",
                "b": ["\\" * pad, {"id": "z" * pad + tail}],
                "i" + "d" * pad + "x": tail * 3,
                "sal" + "t" * pad + "z": pad,
            }
            expected = keyer.keyed_line_py(content)
            assert _c_line(content) == expected, (pad, tail)
            extra = {**content, "k" * pad + tail: 1}  # declined when its key needs escapes
            assert _c_line(extra) == (None if tail else keyer.keyed_line_py(extra)), (pad, tail)
            assert keyer.keyed_line(extra) == keyer.keyed_line_py(extra)


@needs_c
@pytest.mark.parametrize(
    "content",
    [{"id": "x"}, {"salt": 1}, {"a\n": 1}, {'a"': 1}, {"a\\": 1}, {"é": 1}, {"z☃": 1}],
    ids=repr,
)
def test_declined_content_falls_back_to_python(backend: bool, content: dict[str, Any]) -> None:
    keyer = EventKeyer(SECRET)
    assert _c_line(content) is None
    assert keyer.keyed_line(content) == keyer.keyed_line_py(content)


@needs_c
@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"}", b"[]", b"1", b'"x"', b"null", b"{}x", b'{"a":}', b'{"a":1,}',
     b'{"a":1}x', b'{"a" :1}', b'{"a":1 }', b'{"a":"x}', b'{"a":"x\\"}', b'{"a":[1}',
     b'{"a":1,"id":2}', b'{"salt":0}', b'{"a":[1]x}', b'{"a":"b"c}', b'{a:1}',
     b'{"z":1,"id":2}', b'{"b":1,"a":2}', b'{"a":1,"a":2}', b'{"t":1,"salt":2}'],
    ids=repr,
)  # fmt: skip
def test_declines_what_is_not_an_orjson_object(data: bytes) -> None:
    assert _c.Keyer(b"k" * 32, b"l" * 32).line(data) is None


@needs_c
def test_rejects_non_bytes_and_uninitialised_keyer() -> None:
    with pytest.raises(TypeError):
        _c.Keyer(b"k" * 32, b"l" * 32).line("{}")
    with pytest.raises(RuntimeError):
        _c.Keyer.__new__(_c.Keyer).line(b"{}")


@needs_c
@pytest.mark.parametrize("key_len", [0, 1, 32, 64, 65, 200])
def test_id_and_salt_are_hmac_sha256_prefixes(backend: bool, key_len: int) -> None:
    """Held against the hmac module, incl. keys longer than a block (hashed first)."""
    id_key, salt_key = bytes(range(key_len)), bytes(255 - i % 256 for i in range(key_len))
    data = orjson.dumps({"a": "データ", "z": [1, {"id": 2}]}, option=SORT)
    line, ident = _c.Keyer(id_key, salt_key).line(data)
    mac_id = hmac.new(id_key, data, hashlib.sha256).hexdigest()[:32]
    mac_salt = hmac.new(salt_key, data, hashlib.sha256).hexdigest()[:32]
    assert ident == mac_id
    assert orjson.loads(line) == {
        "a": "データ",
        "z": [1, {"id": 2}],
        "id": mac_id,
        "salt": mac_salt,
    }


@needs_c
def test_c_equals_python_on_real_evtx_content(corpus: Path, backend: bool) -> None:
    keyer = EventKeyer(SECRET)
    compared = 0
    for path in sorted((corpus / "evtx").glob("*.evtx")):
        ctx = ParseContext(source_id="0123456789abcdef", path=path, parser="evtx", version="1")
        for item in EvtxParser().parse(ctx):
            if isinstance(item, dict):
                expected = keyer.keyed_line_py(item)
                assert _c_line(item) == expected, (path.name, item.get("locator"))
                assert keyer.keyed_line(item) == expected
                compared += 1
    assert compared > 100  # the corpus logs hold hundreds of records


_INGEST = """
import sys
from pathlib import Path
from evidencekit.case.ingest import ingest_file
from evidencekit.case.workspace import SECRET_FILE, Case
from evidencekit.events import keys
case = Case.init(Path(sys.argv[1]), case_id="KEYLINE-1")
(case.root / SECRET_FILE).write_text("5a" * 32 + "\\n")
for name in sys.argv[2:]:
    ingest_file(case, Path(name), "evtx")
print(keys.IMPLEMENTATION)
"""


def _ingest(tmp: Path, files: list[Path], pure: bool) -> tuple[str, dict[str, bytes]]:
    env = dict(os.environ)
    env.pop("EVIDENCEKIT_PURE_PYTHON", None)
    if pure:
        env["EVIDENCEKIT_PURE_PYTHON"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", _INGEST, str(tmp), *map(str, files)],
        env=env, capture_output=True, check=True, text=True,
    )  # fmt: skip
    batches = sorted((tmp / "store" / "batches").iterdir())
    return out.stdout.strip(), {p.name: p.read_bytes() for p in batches}


@needs_c
def test_store_batches_identical_with_and_without_c(corpus: Path, tmp_path: Path) -> None:
    files = sorted((corpus / "evtx").glob("*.evtx"))[:3]
    impl_c, with_c = _ingest(tmp_path / "c", files, pure=False)
    impl_py, with_py = _ingest(tmp_path / "py", files, pure=True)
    assert (impl_c, impl_py) == ("c", "python")
    assert sorted(with_c) == sorted(with_py)
    assert any(name.endswith(".events.jsonl") and data for name, data in with_c.items())
    assert with_c == with_py


def test_implementation_names_the_active_path() -> None:
    method: Any = EventKeyer(SECRET).keyed_line
    if keys.IMPLEMENTATION == "c":
        assert method.__func__ is EventKeyer._keyed_line_c
    else:
        assert method.__func__ is EventKeyer.keyed_line
        pure = os.environ.get("EVIDENCEKIT_PURE_PYTHON") == "1"
        assert pure or _c is None or not hasattr(_c, "Keyer")


def _without_member(line: bytes, name: bytes, mac: str) -> bytes:
    member = b'"' + name + b'":"' + mac.encode() + b'"'
    for form in (member + b",", b"," + member, member):
        if form in line:
            return line.replace(form, b"", 1)
    raise AssertionError(f"{member!r} is not in {line!r}")


@needs_c
@settings(max_examples=300, deadline=None)
@given(
    content=contents,
    cuts=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.binary(max_size=3))),
)
def test_hostile_bytes_never_read_outside_and_keep_the_input(
    content: dict[str, Any], cuts: list[tuple[int, int, bytes]]
) -> None:
    """orjson output truncated, overwritten or spliced (the scanner's SSE2 steps meet the
    end anywhere): the C declines, or answers with the HMACs of exactly these bytes and a
    line that is these bytes with the two members put in. (Memory safety itself was
    checked with this under ASan/UBSan, PYTHONMALLOC=malloc.)"""
    data = bytearray(orjson.dumps(content, option=SORT))
    for at, drop, put in cuts:
        at %= len(data) + 1
        data[at : at + drop] = put
    raw = bytes(data)
    id_key, salt_key = b"k" * 32, b"l" * 32
    got = _c.Keyer(id_key, salt_key).line(raw)
    if got is None:
        return
    line, ident = got
    assert ident == hmac.new(id_key, raw, hashlib.sha256).hexdigest()[:32]
    salt = hmac.new(salt_key, raw, hashlib.sha256).hexdigest()[:32]
    assert _without_member(_without_member(line, b"salt", salt), b"id", ident) == raw


@settings(max_examples=100, deadline=None)
@given(contents)
def test_keyer_from_its_keys_keys_alike(content: dict[str, Any]) -> None:
    """A worker's keyer, rebuilt from the derived keys alone, gives the case keyer's lines."""
    case = EventKeyer(SECRET)
    worker = EventKeyer.from_keys(case.keys)
    assert worker.keys == case.keys
    assert worker.keyed_line(content) == case.keyed_line(content)
    assert worker.keyed_line_py(content) == case.keyed_line_py(content)
    assert SECRET not in case.keys  # the secret itself never leaves the case process
