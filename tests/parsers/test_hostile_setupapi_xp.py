"""Hostile setupapi.log files: no newline in megabytes, bytes CP932 cannot decode, a
lead byte cut by the line end, an unknown encoding option. The parser must keep going,
record what it skipped with its line and byte offset, and hold bounded memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekit.errors import UnreadableInput
from evidencekit.model import Event
from tests.parsers.test_artifact_setupapi_xp import HEADER, KINGSTON, USB1, USB2
from tests.writers.artifacts import run_parser


def test_megabytes_without_a_newline_are_read_in_bounded_pieces(tmp_path: Path) -> None:
    path = tmp_path / "setupapi.log"
    junk = b"\x81" + b"A" * (24 << 20)  # 24 MiB, one 'line'
    path.write_bytes((HEADER + USB1).replace("\n", "\r\n").encode() + junk + b"\r\n" + b"x\r\n")
    tracemalloc.start()
    try:
        events, issues, ctx = run_parser("setupapi_xp", path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < (4 << 20), f"peak {peak} bytes for a 24 MiB line"
    [issue] = issues
    assert (issue.code, issue.locator.line) == ("line_too_long", 16)
    assert issue.locator.offset == str(len((HEADER + USB1).replace("\n", "\r\n")))
    assert f"line of {len(junk) + 2} bytes" in issue.message
    assert [e.device.usb_serial for e in events if e.device] == ["5B6B0B6F7C10"]
    assert ctx.records_read == 1 and ctx.records_failed == 1


def test_unknown_encoding_option_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "setupapi.log"
    path.write_bytes((HEADER + USB1).encode())
    with pytest.raises(UnreadableInput, match="unknown encoding"):
        run_parser("setupapi_xp", path, encoding="no-such-codec")


_LINE = st.one_of(
    st.sampled_from(
        [
            b"[2008/03/19 10:40:05 1024.3 Driver Install]",
            b"[2008/13/45 99:99:99 1.2 Bad]",
            b"[2008/03/19 10:4",
            f'#I121 Device install of "{KINGSTON}" finished successfully.'.encode(),
            "#I022 Found ディスク".encode("cp932"),
            b"\x81",  # a CP932 lead byte cut by the line end
            b"\xff\xfe\x80\xa0",  # undecodable in CP932
        ]
    ),
    st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_LINE, max_size=30))
def test_any_mix_of_lines_parses_deterministically(tmp_path: Path, lines: list[bytes]) -> None:
    path = tmp_path / "setupapi.log"
    data = HEADER.replace("\n", "\r\n").encode() + b"".join(line + b"\r\n" for line in lines)
    path.write_bytes(data)
    first = run_parser("setupapi_xp", path)
    second = run_parser("setupapi_xp", path)
    assert [e.model_dump() for e in first[0]] == [e.model_dump() for e in second[0]]
    events, issues, ctx = first
    headers = sum(1 for line in lines if line.startswith(b"[") and line[1:5].isdigit())
    opened = {e.locator.line for e in events} | {i.locator.line for i in issues}
    assert len(opened) == headers  # every section header gave an event or an issue
    for item in [*events, *issues]:
        offset = int(str(item.locator.offset))
        line = item.locator.line
        assert line is not None and data.split(b"\r\n")[line - 1] == data[offset:].split(b"\r\n")[0]
    assert all(isinstance(e, Event) for e in events) and ctx.records_read <= headers


def test_fixtures_still_parse_with_cp932(tmp_path: Path) -> None:
    path = tmp_path / "setupapi.log"
    path.write_bytes((HEADER + USB1 + USB2).replace("\n", "\r\n").encode("cp932"))
    events, issues, _ = run_parser("setupapi_xp", path)
    assert issues == [] and len(events) == 2
