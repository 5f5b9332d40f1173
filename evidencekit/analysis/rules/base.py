"""The rule contract and the ``rules`` registry.

A rule observes the events whose action it names (one streaming pass over the
sealed timeline, bounded state per person and day), then, in :meth:`Rule.finish`,
emits :class:`~evidencekit.analysis.context.Draft` findings through the context.
Rules finish in ``phase`` order: builders and R01 first, then behaviour rules, then
rules that combine others (R07, R09, R12, R15), then the correlator.
"""

from __future__ import annotations

from typing import Any, ClassVar

from evidencekit.analysis.context import Context
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.registry import Registry


class Rule:
    """Base class: subclasses set the class variables and override the two hooks.

    Attributes:
        id: Rule id from the domain map (``R03``, ``E01``).
        name: Short snake_case name (``removable_copy``).
        version: Bumped when the logic changes (recorded in every finding).
        actions: Event actions the rule observes during the stream.
        needs: Source kinds the rule depends on (any of them); when none is present
            the rule reports ``not_assessed`` and a gap instead of silence.
        phase: Finish order (lower first).
        skips_service: The rule's ``observe`` returns at once, with no effect, for events
            of service accounts (the engine then does not call it for them).
        service_skips: The same for some of the rule's actions only (the others still see
            service-account events).
        person_only: ``observe`` has no effect for events without a person (no actor).
        hr_only: ``observe`` has no effect unless the person has HR facts (``ctx.hr``).
        off_hours_only: ``observe`` has no effect unless ``lt.off_hours``.

    The engine checks these declarations once per actor and per minute, not per event;
    ``tests/analysis/test_dispatch.py`` checks each one against ``observe``.
    """

    id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    actions: ClassVar[frozenset[str]] = frozenset()
    needs: ClassVar[tuple[str, ...]] = ()
    phase: ClassVar[int] = 20
    skips_service: ClassVar[bool] = False
    service_skips: ClassVar[frozenset[str]] = frozenset()
    person_only: ClassVar[bool] = False
    hr_only: ClassVar[bool] = False
    off_hours_only: ClassVar[bool] = False

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.p: dict[str, Any] = ctx.params
        self.lists: dict[str, Any] = ctx.lists

    def active(self) -> bool:
        """Whether :meth:`observe` can record anything in this run (checked once, before
        the stream); a rule whose inputs are absent is left out of the dispatch table."""
        return True

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        """Look at one event (only those whose action is in :attr:`actions`)."""

    def finish(self) -> None:
        """Emit findings through ``self.ctx.emit``."""

    def release(self) -> None:
        """Drop the per-person/per-day state once every rule has finished (the engine calls
        this before building the result, so the two never hold memory at the same time)."""
        for name in [k for k in vars(self) if k not in ("ctx", "p", "lists")]:
            delattr(self, name)


rules: Registry[type[Rule]] = Registry("rule")
