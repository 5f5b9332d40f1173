"""The bundled sample case, built from scratch with standard tools (``evidencekit demo``)."""

from evidencekit.demo.build import build_sample_case, write_text_sources

__all__ = ["build_sample_case", "write_text_sources"]
