"""Matters (督查事项): register (立项登记, 第十一条), find, list, show."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, or_, select

from duban.context import Context, Deadline, utcnow
from duban.errors import BadValue, NotFound
from duban.models import Assignment, Event, Matter, Report, Review, Unit
from duban.vocab import HANDLING, MATTER_STATUS, REPORTING, SOURCE
from duban.workdays import check_range

CODE_PREFIX = "DB"


def format_code(year: int, seq: int) -> str:
    """A human code, numbered within the year the matter was received: DB-2026-0007."""
    return f"{CODE_PREFIX}-{year}-{seq:04d}"


def find_matter(ctx: Context, code: str) -> Matter:
    key = code.strip().upper()
    matter = ctx.session.exec(select(Matter).where(Matter.code == key)).first()
    if matter is None:
        raise NotFound(f"no matter {code!r}: see `duban list`")
    return matter


def check_within(within: int | None) -> None:
    if within is not None and within < 1:
        raise BadValue(f"--within must be 1 or more working days, not {within}")


def deadline_for(
    ctx: Context,
    start: dt.date,
    *,
    due: dt.date | None,
    within: int | None,
    default: Deadline | None = None,
    what: str = "deadline",
) -> Deadline:
    """A deadline from --due or --within, else `default`, else the 15-day rule (第十二条)."""
    if due is not None and within is not None:
        raise BadValue("give --due or --within, not both")
    check_within(within)
    if due is not None:
        check_range(due)
        if due < start:
            raise BadValue(f"the {what} {due.isoformat()} is before {start.isoformat()}")
        return Deadline(due)
    if within is not None:
        return ctx.deadline(start, within, what=what)
    if default is not None:
        return default
    return ctx.deadline(start, int(ctx.setting("default_within")), what=what)


def register_matter(
    ctx: Context,
    title: str,
    *,
    source: str,
    ref: str | None = None,
    leader: str | None = None,
    received: dt.date | None = None,
    due: dt.date | None = None,
    within: int | None = None,
    handling: str | None = None,
    reporting: str = "once",
    note: str | None = None,
) -> Matter:
    """立项登记: put a matter on the register with its deadline (第十一条, 第十二条)."""
    title = title.strip()
    if not title:
        raise BadValue("a matter needs a title")
    source = SOURCE.parse(source)
    handling = HANDLING.parse(handling) if handling else None
    reporting = REPORTING.parse(reporting)
    received = received or ctx.today()
    deadline = deadline_for(ctx, received, due=due, within=within)
    year = received.year
    seq = (ctx.session.exec(select(func.max(Matter.seq)).where(Matter.year == year)).one() or 0) + 1
    matter = Matter(
        code=format_code(year, seq),
        year=year,
        seq=seq,
        title=title,
        source=source,
        source_ref=(ref or "").strip() or None,
        leader=(leader or "").strip() or None,
        handling=handling,
        reporting=reporting,
        received_on=received,
        due_on=deadline.due,
        due_within=deadline.within,
        due_from=deadline.start,
        due_provisional=deadline.provisional,
        note=(note or "").strip() or None,
        status="registered",
        created_at=utcnow(),
        created_by=ctx.actor,
    )
    ctx.session.add(matter)
    try:
        ctx.session.flush()
    except IntegrityError as exc:  # another writer took the number: the transaction is lost
        raise BadValue("another clerk registered a matter at the same moment: run again") from exc
    ctx.record(
        "register",
        received,
        matter,
        code=matter.code,
        title=title,
        source=source,
        source_ref=matter.source_ref,
        leader=matter.leader,
        handling=handling,
        reporting=reporting,
        received=received,
        due=deadline.due,
        due_within=deadline.within,
        due_provisional=deadline.provisional,
        note=matter.note,
    )
    return matter


def list_matters(
    ctx: Context,
    *,
    status: str | None = None,
    unit: str | None = None,
    source: str | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[Matter]:
    query = select(Matter)
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
        if limit < 1:
            raise BadValue("--limit must be 1 or more")
        query = query.limit(limit)
    return list(ctx.session.exec(query.order_by(Matter.year, Matter.seq)))


def assignments_of(ctx: Context, matter_ids: list[int]) -> dict[int, list[tuple[Assignment, Unit]]]:
    """Each matter's assignments with their units, in one query for a whole listing."""
    out: dict[int, list[tuple[Assignment, Unit]]] = {i: [] for i in matter_ids}
    if not matter_ids:
        return out
    rows = ctx.session.exec(
        select(Assignment, Unit)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .where(col(Assignment.matter_id).in_(matter_ids))
        .order_by(Assignment.id)
    )
    for assignment, unit in rows:
        out[assignment.matter_id].append((assignment, unit))
    return out


def matter_details(ctx: Context, matter: Matter) -> dict[str, list]:
    """Everything `show` prints besides the matter: assignments, reports, reviews, history."""
    assignments = assignments_of(ctx, [matter.id])[matter.id]
    units = {a.id: u for a, u in assignments}
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
        ctx.session.exec(select(Event).where(Event.matter_id == matter.id).order_by(Event.id))
    )
    return {
        "assignments": assignments,
        "reports": [(r, units[r.assignment_id], reviews.get(r.id)) for r in reports],
        "history": history,
    }
