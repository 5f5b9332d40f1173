"""Endpoint-monitoring "operation log" (操作ログ) CSV exports with Japanese headers.

Columns 日時, ユーザー名, PC名, 操作, ファイル名, 送信先, ドライブ種別, サイズ; local time
(Asia/Tokyo unless --tz). The mapping is the shipped profile ``operation_log.toml``, the
same as the documented example in ``examples/profiles/``; products with other column
names are read with a copy of it through ``mapped_csv``.
"""

from __future__ import annotations

from typing import ClassVar

from evidencekit.parsers.base import parsers
from evidencekit.parsers.tabular import ProfileParser


@parsers.register("operation_log")
class OperationLog(ProfileParser):
    """Endpoint-monitoring operation log (操作ログ) CSV export."""

    name: ClassVar[str] = "operation_log"
    version: ClassVar[str] = "1"
    profile_name: ClassVar[str] = "operation_log"
