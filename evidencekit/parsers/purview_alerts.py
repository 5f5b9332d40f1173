"""Microsoft Purview insider-risk management alert CSV exports.

One event per alert (time detected, user, policy, severity, status), so evidencekit
packages what the product detected. Times are UTC. Mapping: profiles/purview_alerts.toml.
"""

from __future__ import annotations

from typing import ClassVar

from evidencekit.parsers.base import parsers
from evidencekit.parsers.tabular import ProfileParser


@parsers.register("purview_alerts")
class PurviewAlerts(ProfileParser):
    """Microsoft Purview insider-risk alert CSV export."""

    name: ClassVar[str] = "purview_alerts"
    version: ClassVar[str] = "1"
    profile_name: ClassVar[str] = "purview_alerts"
