"""The event model refuses data the canonical form cannot carry, naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from evidencekit.errors import ModelError
from evidencekit.events import time as ektime
from evidencekit.events.keys import EventKeyer
from evidencekit.model import Event, parse_model

BASE: dict[str, Any] = {
    "time": "2024-03-23T13:00:00.000000000Z",
    "action": "copy",
    "kind": "test.copy",
    "time_role": "logged",
    "source": "0123456789abcdef",
    "locator": {"path": "a.csv", "line": 3, "offset": "120"},
}


def _with(**changes: Any) -> dict[str, Any]:
    data = {**BASE}
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for p in parents:
            target[p] = dict(target.get(p) or {})
            target = target[p]
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time": "2024-03-23 13:00:00"}, "time"),
        ({"time": "2024-03-23T13:00:00Z"}, "time"),
        ({"action": "exfiltrate"}, "action"),
        ({"locator__offset": "12a"}, "locator.offset"),
        ({"locator__offset": 5}, "locator.offset"),
        ({"locator__line": 0}, "locator.line"),
        ({"attributes": {"ratio": 0.5}}, "attributes"),
        ({"attributes": {"usn": 2**60}}, "attributes"),
        ({"attributes": {"bad key": 1}}, "attributes"),
        ({"object": {"name": "a\udc80b"}}, "object.name"),
        ({"object": {"size": -1}}, "object.size"),
        ({"source": "SRC"}, "source"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_malformed_event_raises_a_typed_error_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ModelError) as info:
        parse_model(Event, _with(**changes))
    assert info.value.field == field


def test_big_values_travel_as_strings() -> None:
    event = parse_model(Event, _with(locator__offset=str(2**60), attributes={"usn": str(2**60)}))
    assert event.locator.offset == str(2**60)


def test_keyed_ids_depend_on_the_secret_and_the_content() -> None:
    event = parse_model(Event, BASE)
    a = EventKeyer(b"a" * 32).key(event)
    b = EventKeyer(b"b" * 32).key(event)
    assert a.id != b.id and a.salt != b.salt
    assert EventKeyer(b"a" * 32).key(event) == a
    other = EventKeyer(b"a" * 32).key(parse_model(Event, _with(locator__line=4)))
    assert other.id != a.id
    assert EventKeyer(b"a" * 32).check(a.canonical_dict())
    assert not EventKeyer(b"b" * 32).check(a.canonical_dict())


def test_filetime_keeps_100ns_precision() -> None:
    # 2024-03-23T13:00:00.1234567Z as a FILETIME
    filetime = 133556724001234567
    assert ektime.from_filetime(filetime) == "2024-03-23T13:00:00.123456700Z"
    assert ektime.from_filetime(0) is None


def test_iso_offsets_and_local_zones() -> None:
    assert ektime.parse_iso("2024-04-01T09:05:03+09:00") == (
        "2024-04-01T00:05:03.000000000Z",
        "+09:00",
    )
    assert ektime.parse_iso("2024-04-01T00:05:03.5Z")[0] == "2024-04-01T00:05:03.500000000Z"
    with pytest.raises(ektime.TimeError, match="no offset"):
        ektime.parse_iso("2024-04-01T09:05:03")
    from datetime import datetime

    assert ektime.from_local(datetime(2024, 4, 1, 9, 5, 3), "Asia/Tokyo") == (
        "2024-04-01T00:05:03.000000000Z",
        "+09:00",
    )
    with pytest.raises(ektime.TimeError, match="ambiguous"):
        ektime.from_local(datetime(2024, 11, 3, 1, 30), "America/New_York")
    with pytest.raises(ektime.TimeError, match="impossible"):
        ektime.from_local(datetime(2024, 3, 10, 2, 30), "America/New_York")


def test_canonical_time_text_order_is_time_order() -> None:
    times = [ektime.format_ns(n) for n in (-5 * 10**17, 0, 1, 10**9, 17 * 10**17)]
    assert times == sorted(times)
    assert all(len(t) == 30 for t in times)
    assert ektime.to_ns(times[-1]) == 17 * 10**17
