"""Text of the CSV inputs of an analysis (HR file, asset register), in their encoding.

Excel on Japanese Windows saves CSV as CP932; HR and asset exports often come that way.
The encoding is detected as for log exports (BOM, else the reading with the fewest
undecodable sequences among UTF-8, CP932 and EUC-JP) over the whole file, so an ASCII
head does not hide Japanese rows further down.
"""

from __future__ import annotations

from pathlib import Path

from evidencekit.analysis.config import AnalysisError
from evidencekit.sources.text_encoding import detect_encoding


def decode_csv(data: bytes, what: str, path: Path) -> str:
    """The text of a CSV input file.

    Args:
        data: The file's bytes.
        what: What the file is, for the error ("HR file", "asset register").
        path: The file, named in the error.

    Returns:
        The decoded text, without a byte-order mark.

    Raises:
        AnalysisError: The bytes are not text in the detected encoding (offset given).
    """
    encoding = detect_encoding(data)
    try:
        return data[encoding.bom :].decode(encoding.name)
    except UnicodeDecodeError as exc:
        raise AnalysisError(
            f"{what} {path}: not readable as {encoding.name} (byte {exc.start + encoding.bom})"
        ) from exc
