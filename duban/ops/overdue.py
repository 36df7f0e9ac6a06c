"""overdue (逾期): who is late on a given day, most overdue first.

A deadline day is met if the report arrives on it; overdue begins the day after.
A lead unit whose final report arrived by its deadline is not late while the report
waits for review: the office is the one late then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, not_, or_
from sqlmodel import col, select

from duban.context import Context
from duban.models import Assignment, Matter, Report, Review, Unit
from duban.ops.units import find_unit


@dataclass(frozen=True)
class OverdueRow:
    code: str
    title: str
    unit: str | None
    role: str | None
    responsible: str | None
    head: str | None
    due: dt.date
    original_due: dt.date
    due_provisional: bool
    days_overdue: int
    workdays_overdue: int


def overdue(ctx: Context, as_of: dt.date, *, unit: str | None = None) -> list[OverdueRow]:
    unit_id = find_unit(ctx, unit).id if unit else None
    open_matter = or_(col(Matter.closed_on).is_(None), col(Matter.closed_on) > as_of)
    # Waiting for review on the as-of day: still pending, or reviewed only after it.
    waiting = or_(
        Report.status == "pending",
        exists().where(Review.report_id == Report.id, Review.reviewed_on > as_of),
    )
    final_on_time = exists().where(
        Report.assignment_id == Assignment.id,
        Report.kind == "final",
        waiting,
        Report.received_on <= Assignment.due_on,
        Report.received_on <= as_of,
    )
    query = (
        select(Assignment, Matter, Unit)
        .join(Matter, col(Matter.id) == Assignment.matter_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .where(
            Assignment.role == "lead",
            or_(Assignment.status == "open", col(Assignment.completed_on) > as_of),
            Assignment.notified_on <= as_of,
            Assignment.due_on < as_of,
            open_matter,
            not_(final_on_time),
        )
    )
    if unit_id is not None:
        query = query.where(Assignment.unit_id == unit_id)
    rows = [
        OverdueRow(
            code=m.code,
            title=m.title,
            unit=u.name,
            role=a.role,
            responsible=a.responsible,
            head=u.head,
            due=a.due_on,
            original_due=a.original_due_on,
            due_provisional=a.due_provisional,
            days_overdue=(as_of - a.due_on).days,
            workdays_overdue=ctx.calendar.count(a.due_on, as_of),
        )
        for a, m, u in ctx.session.exec(query)
    ]
    if unit_id is None:
        assigned_by_then = exists().where(
            and_(Assignment.matter_id == Matter.id, Assignment.notified_on <= as_of)
        )
        unassigned = select(Matter).where(
            Matter.received_on <= as_of,
            Matter.due_on < as_of,
            open_matter,
            not_(assigned_by_then),
        )
        rows += [
            OverdueRow(
                code=m.code,
                title=m.title,
                unit=None,
                role=None,
                responsible=None,
                head=None,
                due=m.due_on,
                original_due=m.due_on,
                due_provisional=m.due_provisional,
                days_overdue=(as_of - m.due_on).days,
                workdays_overdue=ctx.calendar.count(m.due_on, as_of),
            )
            for m in ctx.session.exec(unassigned)
        ]
    rows.sort(key=lambda r: (-r.days_overdue, r.code, r.unit or ""))
    return rows
