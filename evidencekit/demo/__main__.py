"""``python -m evidencekit.demo [FOLDER]``: write the sample case's text sources and
``case.toml`` (the image and keys are built by ``evidencekit demo``)."""

import sys
from pathlib import Path

from evidencekit.demo.build import CASE_TOML, write_text_sources

target = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/sample-case")
write_text_sources(target / "sources")
(target / "case.toml").write_text(CASE_TOML, encoding="utf-8")
