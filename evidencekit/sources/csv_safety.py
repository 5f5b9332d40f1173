"""Spreadsheet-formula safety of CSV cells (OWASP CSV injection): escaping for
export and the formula tests of the CSV readers.

Split from :mod:`evidencekit.sources.textlog`, which re-exports these names.
"""

from __future__ import annotations

import re

_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-].*[(|!])", re.DOTALL)


def escape_csv_cell(value: str) -> str:
    """Make a value safe for a CSV that a spreadsheet may open (OWASP CSV injection).

    A value starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'`` so
    it is shown as text and never evaluated. Use for every cell of every CSV export.
    """
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def may_hold_formula(line: str) -> bool:
    """Cheap pre-test on a whole line: could any field start like a formula?

    Substring tests only (C speed); :func:`looks_like_formula` then checks each field.
    """
    return (
        "=" in line
        or "+" in line
        or "@" in line
        or line[:1] in ("-", "\t", "\r")
        or ",-" in line
        or '"-' in line
        or ";-" in line
        or "|-" in line
        or "\t-" in line
        or ",\t" in line
        or '"\t' in line
        or ";\t" in line
        or "|\t" in line
        or "\t\t" in line
        or "\r" in line
    )


def looks_like_formula(value: str) -> bool:
    """Whether a field would be evaluated as a formula by a spreadsheet."""
    return _FORMULA.match(value) is not None
