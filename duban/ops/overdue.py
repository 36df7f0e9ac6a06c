"""overdue (逾期): who is late on a given day, most overdue first.

A deadline day is met if the report arrives on it; overdue begins the day after.
A lead unit whose final report arrived by its deadline is not late while the report
waits for review: the office is the one late then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, not_, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from duban.context import Context
from duban.models import Assignment, Deadline, Matter, Report, Review, Unit
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
        Report.received_on <= Deadline.due_on,
        Report.received_on <= as_of,
    )
    first = aliased(Deadline)
    query = (
        select(Assignment, Matter, Unit, Deadline, first)
        .join(Matter, col(Matter.id) == Assignment.matter_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .join(Deadline, col(Deadline.id) == Assignment.deadline_id)
        .join(first, col(first.id) == Assignment.original_deadline_id)
        .where(
            Assignment.role == "lead",
            or_(Assignment.status == "open", col(Assignment.completed_on) > as_of),
            Assignment.notified_on <= as_of,
            Deadline.due_on < as_of,
            open_matter,
            not_(final_on_time),
        )
    )
    if unit_id is not None:
        query = query.where(Assignment.unit_id == unit_id)
    rows = [_row(ctx, as_of, m, d, o, a, u) for a, m, u, d, o in ctx.session.exec(query)]
    if unit_id is None:
        assigned_by_then = exists().where(
            and_(Assignment.matter_id == Matter.id, Assignment.notified_on <= as_of)
        )
        unassigned = (
            select(Matter, Deadline)
            .join(Deadline, col(Deadline.id) == Matter.deadline_id)
            .where(
                Matter.received_on <= as_of,
                Deadline.due_on < as_of,
                open_matter,
                not_(assigned_by_then),
            )
        )
        rows += [_row(ctx, as_of, m, d, d) for m, d in ctx.session.exec(unassigned)]
    rows.sort(key=lambda r: (-r.days_overdue, r.code, r.unit or ""))
    return rows


def _row(
    ctx: Context,
    as_of: dt.date,
    matter: Matter,
    due: Deadline,
    original: Deadline,
    assignment: Assignment | None = None,
    unit: Unit | None = None,
) -> OverdueRow:
    """One late unit, or (no assignment) a matter never assigned by its deadline."""
    return OverdueRow(
        code=matter.code,
        title=matter.title,
        unit=unit.name if unit else None,
        role=assignment.role if assignment else None,
        responsible=assignment.responsible if assignment else None,
        head=unit.head if unit else None,
        due=due.due_on,
        original_due=original.due_on,
        due_provisional=due.provisional,
        days_overdue=(as_of - due.due_on).days,
        workdays_overdue=ctx.calendar.count(due.due_on, as_of),
    )
