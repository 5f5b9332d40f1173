"""Detection rules and evidence builders. Each module registers one rule with
``@rules.register("R03")``; every module in this package is imported here, so adding a
rule touches nothing else (failures are listed by ``registry.failed_plugins()``).
"""

import pkgutil

from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.registry import load_modules

BUILTIN = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in {"base", "common"})

load_modules(__name__, BUILTIN)

__all__ = ["Rule", "rules"]
