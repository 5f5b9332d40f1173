"""The store's hot path gives the same bytes as the straightforward implementation.

The reference here is written from the definitions (``hmac`` from the standard library,
RFC 8785 bytes from the ``rfc8785`` package, one write per line), never from the code
under test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.case.store import _CHUNK_LINES, EventStore
from evidencekit.events.keys import EventKeyer, PadMac
from evidencekit.model import Event, Source

SECRET = bytes(range(32))

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=24)
_key = st.sampled_from(["id", "salt", "kind", "source", "path", "ユーザー", "a", "z"]) | st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz_.", min_size=1, max_size=12
)
_scalar = _text | st.integers(-(2**53) + 1, 2**53 - 1) | st.booleans() | st.none()
_json = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_key, inner, max_size=4),
    max_leaves=12,
)
_top = st.sampled_from(
    [
        "action",
        "actor",
        "attributes",
        "device",
        "flags",
        "kind",
        "locator",
        "object",
        "raw_sha256",
        "source",
        "target",
        "time",
        "time_offset",
        "time_role",
        "id",
        "salt",
    ]
)


def _reference_line(secret: bytes, content: dict[str, Any]) -> bytes:
    """id and salt by the documented derivation, with the stdlib ``hmac`` and RFC 8785."""
    data = rfc8785.dumps(content)
    id_key = hmac.new(secret, b"evidencekit/event-id/v1", "sha256").digest()
    salt_key = hmac.new(secret, b"evidencekit/event-salt/v1", "sha256").digest()
    keyed = dict(content)
    keyed["id"] = hmac.new(id_key, data, "sha256").digest()[:16].hex()
    keyed["salt"] = hmac.new(salt_key, data, "sha256").digest()[:16].hex()
    return rfc8785.dumps(keyed)


@settings(max_examples=300, deadline=None)
@given(key=st.binary(max_size=200), message=st.binary(max_size=300))
def test_pad_mac_is_hmac_sha256(key: bytes, message: bytes) -> None:
    assert PadMac(key).digest(message) == hmac.new(key, message, "sha256").digest()


@settings(max_examples=300, deadline=None)
@given(content=st.dictionaries(_top, _json, min_size=1, max_size=10))
def test_keyed_line_matches_the_reference(content: dict[str, Any]) -> None:
    keyer = EventKeyer(SECRET)
    line, ident = keyer.keyed_line(content)
    assert line == _reference_line(SECRET, content)
    assert ident == json.loads(line)["id"]
    keyed = keyer.key_content(content)
    assert rfc8785.dumps(keyed) == line
    if "id" not in content and "salt" not in content:
        assert keyer.check(keyed)


def _event(i: int) -> Event:
    return Event.model_validate(
        {
            "time": f"2024-04-01T00:00:{i % 60:02d}.000000000Z",
            "time_role": "logged",
            "action": "copy",
            "kind": "oplog.copy",
            "source": "0123456789abcdef",
            "locator": {"record": str(i + 1), "line": i + 2},
            "actor": {"user": "佐藤花子"},
            "object": {"path": f"C:\\共有\\設計図面_{i:04d}.xlsx", "size": i},
            "attributes": {"id": f"x{i}", "salt": "not ours", "kind": "nested"},
        }
    )


def _source(events: int) -> Source:
    return Source(
        id="0123456789abcdef",
        kind="log",
        format="test",
        name="t.csv",
        path="/evidence/t.csv",
        size=1,
        md5="0" * 32,
        sha1="0" * 40,
        sha256="0" * 64,
        parser="test",
        parser_version="1",
        events=events,
    )


def test_batch_file_equals_one_line_per_event(tmp_path: Path) -> None:
    """Chunked writes and hashing give the file a line-by-line writer would."""
    keyer = EventKeyer(SECRET)
    store = EventStore(tmp_path / "store", keyer)
    n = 2 * _CHUNK_LINES + 7  # two full chunks and a partial one
    events = [_event(i) for i in range(n)]
    with store.batch("0123456789abcdef") as batch:
        ids = [batch.add_content(e.content()) for e in events[:-3]]
        ids += [batch.add_event(e) for e in events[-3:]]
        record = batch.finish(_source(n))
    expected = b"".join(_reference_line(SECRET, e.content()) + b"\n" for e in events)
    written = (tmp_path / "store" / "batches" / record.events_file).read_bytes()
    assert written == expected
    assert record.events == n
    assert record.events_sha256 == hashlib.sha256(expected).hexdigest()
    assert ids == [json.loads(line)["id"] for line in expected.splitlines()]
    assert list(store.event_lines()) == expected.splitlines()


def test_aborted_batch_leaves_nothing(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "store", EventKeyer(SECRET))
    with store.batch("0123456789abcdef") as batch:
        for i in range(_CHUNK_LINES + 1):
            batch.add_content(_event(i).content())
    assert list((tmp_path / "store" / "batches").iterdir()) == []
    assert store.batches() == []
