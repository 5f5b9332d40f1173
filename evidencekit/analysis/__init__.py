"""Analysis: legal elements, detection rules and proof gaps over a sealed timeline.

Entry points: :func:`evidencekit.analysis.engine.analyze` (and ``analyze_timeline``,
``write_result``); output models in :mod:`evidencekit.analysis.model`; the banned-phrase
list in :mod:`evidencekit.analysis.wording`; rules in :mod:`evidencekit.analysis.rules`.
See docs/analysis.md.
"""
