"""Reading matters: the listing (`duban list`) and one matter whole (`duban show`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, func, or_, select

from duban import deadlines
from duban.context import Context
from duban.errors import BadValue
from duban.models import Assignment, Deadline, HistoryEntry, Matter, Report, Review, Unit
from duban.ops.assignments import Assigned, assignments_of
from duban.vocab import MATTER_STATUS, SOURCE


@dataclass(frozen=True)
class Listed:
    """A matter as a listing shows it: its deadline in force and its lead units."""

    matter: Matter
    due: Deadline
    leads: list[str]


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise BadValue(f"--limit must be 1 or more, not {limit}")


def list_matters(
    ctx: Context,
    *,
    status: str | None = None,
    unit: str | None = None,
    source: str | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[Listed]:
    check_limit(limit)
    query = select(Matter, Deadline).join(Deadline, col(Deadline.id) == Matter.deadline_id)
    if status:
        query = query.where(Matter.status == MATTER_STATUS.parse(status))
    if source:
        query = query.where(Matter.source == SOURCE.parse(source))
    if unit:
        from duban.ops.units import find_unit

        unit_id = find_unit(ctx, unit).id
        query = query.where(
            col(Matter.id).in_(select(Assignment.matter_id).where(Assignment.unit_id == unit_id))
        )
    if search:
        like = f"%{search.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Matter.title).like(like),
                func.lower(func.coalesce(Matter.source_ref, "")).like(like),
                func.lower(func.coalesce(Matter.leader, "")).like(like),
                func.lower(func.coalesce(Matter.note, "")).like(like),
                func.lower(Matter.code).like(like),
            )
        )
    if limit is not None:
        query = query.limit(limit)
    rows = ctx.session.exec(query.order_by(Matter.year, Matter.seq)).all()
    units = assignments_of(ctx, [m.id for m, _ in rows])
    return [
        Listed(m, d, [a.unit.name for a in units[m.id] if a.assignment.role == "lead"])
        for m, d in rows
    ]


@dataclass(frozen=True)
class Dossier:
    """Everything `show` prints of one matter."""

    matter: Matter
    due: Deadline
    assignments: list[Assigned]
    reports: list[tuple[Report, Unit, Review | None]]
    deadlines: list[Deadline]
    history: list[HistoryEntry]


def matter_dossier(ctx: Context, matter: Matter) -> Dossier:
    """The matter with its assignments, reports, reviews, deadlines and full history."""
    assignments = assignments_of(ctx, [matter.id])[matter.id]
    units = {a.assignment.id: a.unit for a in assignments}
    reports = list(
        ctx.session.exec(select(Report).where(Report.matter_id == matter.id).order_by(Report.id))
    )
    reviews = {
        r.report_id: r
        for r in ctx.session.exec(
            select(Review).where(col(Review.report_id).in_([r.id for r in reports]))
        )
    }
    history = list(
        ctx.session.exec(
            select(HistoryEntry)
            .where(HistoryEntry.matter_id == matter.id)
            .order_by(HistoryEntry.id)
        )
    )
    return Dossier(
        matter,
        deadlines.current(ctx, matter),
        assignments,
        [(r, units[r.assignment_id], reviews.get(r.id)) for r in reports],
        deadlines.changes_of(ctx, matter),
        history,
    )
