"""Artifact and log parsers. Each module registers itself (see :mod:`.base`); every
module in this package is imported here, so adding a parser touches nothing else.
"""

import pkgutil

from evidencekit.registry import load_modules

BUILTIN = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "base")

load_modules(__name__, BUILTIN)
