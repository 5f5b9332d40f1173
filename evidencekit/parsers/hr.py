"""HR events CSV (人事イベント): resignation notice, last working day, transfer, leave, ...

The one way HR data enters a case (``analyze --hr`` and case.toml use this reader).
Contract with the analysis stage: action ``hr_event``; ``attributes.hr_type`` one of
:data:`HR_TYPES`; ``attributes.person`` the employee id; ``actor.user`` / ``actor.email``
where given. A date without a time is local midnight in the source zone with precision
``1d`` and flag ``date_only``. Japanese names of the events (退職届, 最終出社日, 異動, 休職,
...) are mapped in profiles/hr.toml; an unknown type is kept as ``hr_type_text`` with a
parse issue.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from evidencekit.model import ParseIssue
from evidencekit.parsers.base import EventContent, ParseContext, parsers
from evidencekit.parsers.logevent import issue_at
from evidencekit.parsers.tabular import Plan, ProfileParser, fold_value
from evidencekit.sources.textlog import Record

HR_TYPES = frozenset(
    {
        "resignation_notice",
        "last_working_day",
        "retirement",
        "transfer",
        "leave_start",
        "leave_end",
        "severance_offer",
        "contract_end",
        "hire",
        "approved_overtime",
        "approved_holiday_work",
        # Also known to the analysis stage (evidencekit.analysis.hr):
        "exit_pledge",
        "exit_checklist",
        "warning_letter",
        "competitor_offer_accepted",
        "return_from_leave",
    }
)


@parsers.register("hr")
class HrEvents(ProfileParser):
    """HR events CSV (社員番号, 氏名, メールアドレス, 区分, 日付, 備考)."""

    name: ClassVar[str] = "hr"
    version: ClassVar[str] = "1"
    profile_name: ClassVar[str] = "hr"
    refines: ClassVar[bool] = True

    def refine(
        self, ctx: ParseContext, plan: Plan, record: Record, content: EventContent
    ) -> Iterator[ParseIssue]:
        attributes = content.setdefault("attributes", {})
        hr_type = attributes.get("hr_type")
        if isinstance(hr_type, str) and hr_type not in HR_TYPES:
            hr_type = _folded_type(plan, attributes, hr_type)
        if hr_type in HR_TYPES:
            content["kind"] = f"hr.{hr_type}"
        else:
            if hr_type is not None:
                attributes["hr_type_text"] = attributes.pop("hr_type")
            yield issue_at(
                ctx,
                content,
                "unknown_hr_type",
                f"HR event type {hr_type!r} is not one of {sorted(HR_TYPES)}",
            )
        if "person" not in attributes:
            yield issue_at(ctx, content, "missing_person", "HR event without an employee id")


def _folded_type(plan: Plan, attributes: dict[str, object], text: str) -> str:
    """A type written full-width or padded (" 退職届", "ｈｉｒｅ") is read as its plain form;
    the text as written stays in ``hr_type_text``."""
    folded = fold_value(text)
    names = plan.profile.values.get("attributes.hr_type", {})
    mapped = {fold_value(k): v for k, v in names.items()}.get(folded, folded)
    if mapped in HR_TYPES:
        attributes["hr_type"] = mapped
        attributes["hr_type_text"] = text
        return mapped
    return text
