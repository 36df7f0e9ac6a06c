"""The register's calendar: load a year's schedule, set one day, list sources,
recompute provisional deadlines, and explain how a deadline was counted."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, delete, or_, select

from duban.context import Context, utcnow
from duban.errors import BadValue
from duban.models import Assignment, CalendarDay, CalendarYear, Matter, Unit
from duban.schedules import read_schedule
from duban.workdays import DayInfo, check_range, package_schedules


def load_schedule(ctx: Context, path: Path, *, year: int | None = None) -> CalendarYear:
    """Load a whole year's schedule: it replaces the package's (and any earlier load)."""
    parsed = read_schedule(path, year)
    ctx.session.exec(
        delete(CalendarDay).where(
            col(CalendarDay.day) >= dt.date(parsed.year, 1, 1),
            col(CalendarDay.day) <= dt.date(parsed.year, 12, 31),
            col(CalendarDay.set_by_office).is_(False),
        )
    )
    row = ctx.session.get(CalendarYear, parsed.year)
    replaced = row is not None
    if row is None:
        row = CalendarYear(year=parsed.year, source="", loaded_at=utcnow(), loaded_by=ctx.actor)
    row.source = path.name
    row.papers = json.dumps(parsed.papers, ensure_ascii=False) if parsed.papers else None
    row.loaded_at = utcnow()
    row.loaded_by = ctx.actor
    ctx.session.add(row)
    ctx.session.add_all(
        CalendarDay(day=d, off=e.off, name=e.name, set_by_office=False)
        for d, e in sorted(parsed.days.items())
    )
    ctx.record(
        "calendar.load",
        ctx.today(),
        year=parsed.year,
        file=path.name,
        replaced=replaced,
        days_off=sum(1 for e in parsed.days.values() if e.off),
        makeup_days=sum(1 for e in parsed.days.values() if not e.off),
        papers=parsed.papers,
    )
    ctx.session.flush()
    ctx.forget_calendar()
    return row


def set_day(ctx: Context, day: dt.date, *, off: bool, name: str = "") -> DayInfo:
    """Change one day: a day off (--off) or a working day (--work), on top of its year."""
    check_range(day)
    before = ctx.calendar.day(day)
    row = ctx.session.exec(
        select(CalendarDay).where(CalendarDay.day == day, col(CalendarDay.set_by_office).is_(True))
    ).first()
    if row is None:
        row = CalendarDay(day=day, off=off, name=name, set_by_office=True)
    row.off, row.name = off, name or before.name
    ctx.session.add(row)
    ctx.session.flush()
    ctx.forget_calendar()
    after = ctx.calendar.day(day)
    ctx.record(
        "calendar.set",
        ctx.today(),
        date=day,
        off=off,
        name=row.name,
        before=before.kind,
        after=after.kind,
    )
    return after


@dataclass(frozen=True)
class SourceRow:
    year: int
    source: str
    provisional: bool
    loaded_at: dt.datetime | None
    loaded_by: str | None
    days_set: int


def sources(ctx: Context) -> list[SourceRow]:
    """Where each year's schedule comes from, through next year."""
    loaded = {row.year: row for row in ctx.session.exec(select(CalendarYear))}
    package = package_schedules()
    days_set: dict[int, int] = {}
    for row in ctx.session.exec(select(CalendarDay).where(col(CalendarDay.set_by_office))):
        days_set[row.day.year] = days_set.get(row.day.year, 0) + 1
    last = max([*package, *loaded, *days_set, ctx.today().year + 1])
    rows = []
    for year in range(min(package), last + 1):
        if year in loaded:
            row = loaded[year]
            source = f"loaded: {row.source}"
            rows.append(SourceRow(year, source, False, row.loaded_at, row.loaded_by, 0))
        elif year in package:
            rows.append(SourceRow(year, package[year].source, False, None, None, 0))
        else:
            source = ctx.calendar.schedule(year).source
            rows.append(SourceRow(year, source, True, None, None, 0))
    return [
        SourceRow(
            r.year, r.source, r.provisional, r.loaded_at, r.loaded_by, days_set.get(r.year, 0)
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Recomputed:
    code: str
    what: str  # "matter", "assignment <unit>", "original deadline <unit>"
    before: dt.date
    after: dt.date
    provisional: bool


def recompute(ctx: Context) -> list[Recomputed]:
    """Count every provisional deadline again under the calendar as it stands now.

    Deadlines given as dates and deadlines counted in published years are left
    alone.  Each change is recorded in its matter's history.
    """
    cal = ctx.calendar
    changes: list[Recomputed] = []
    today = ctx.today()

    def recount(row: Matter | Assignment, prefix: str, matter: Matter, what: str, **who) -> None:
        """Recount `row.<prefix>_on` from `<prefix>_from` and `<prefix>_within`, if provisional.

        `what` names it in the history ("matter", "assignment", "original").
        """
        start, within = getattr(row, f"{prefix}_from"), getattr(row, f"{prefix}_within")
        before = getattr(row, f"{prefix}_on")
        if not getattr(row, f"{prefix}_provisional") or start is None or within is None:
            return
        due = cal.add(start, within)
        provisional = cal.provisional_span(start, due)
        if due == before and provisional:  # still an estimate, and still the same day
            return
        noun = {"assignment": "deadline", "original": "original deadline"}.get(what, what)
        label = f"{noun} of {who['unit']}" if who else noun
        changes.append(Recomputed(matter.code, label, before, due, provisional))
        ctx.record("recompute", today, matter, what=what, **who, before=before, after=due,
                   provisional=provisional)  # fmt: skip
        setattr(row, f"{prefix}_on", due)
        setattr(row, f"{prefix}_provisional", provisional)
        ctx.session.add(row)

    for matter in ctx.session.exec(
        select(Matter).where(col(Matter.due_provisional)).order_by(Matter.id)
    ):
        recount(matter, "due", matter, "matter")
    rows = ctx.session.exec(
        select(Assignment, Matter, Unit)
        .join(Matter, col(Matter.id) == Assignment.matter_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .where(or_(col(Assignment.due_provisional), col(Assignment.original_due_provisional)))
        .order_by(Assignment.id)
    )
    for assignment, matter, unit in rows:
        recount(assignment, "due", matter, "assignment", unit=unit.name)
        recount(assignment, "original_due", matter, "original", unit=unit.name)
    return changes


@dataclass(frozen=True)
class Explanation:
    code: str
    what: str
    start: dt.date
    within: int | None
    due: dt.date
    provisional: bool
    days: list[tuple[DayInfo, int | None]]  # each day in [start, due], its count or None


def explain(ctx: Context, code: str, *, unit: str | None = None) -> Explanation:
    """How a deadline was counted, day by day: the start day is named as not counted."""
    from duban.ops.matters import find_matter
    from duban.ops.units import find_unit

    matter = find_matter(ctx, code)
    what, start, within, due, provisional = (
        "matter",
        matter.due_from or matter.received_on,
        matter.due_within,
        matter.due_on,
        matter.due_provisional,
    )
    if unit is not None:
        u = find_unit(ctx, unit)
        a = ctx.session.exec(
            select(Assignment).where(Assignment.matter_id == matter.id, Assignment.unit_id == u.id)
        ).first()
        if a is None:
            raise BadValue(f"{u.name} is not assigned to {matter.code}")
        what, start, within, due, provisional = (
            f"deadline of {u.name}",
            a.due_from or a.notified_on,
            a.due_within,
            a.due_on,
            a.due_provisional,
        )
    if due < start:
        start = due
    days: list[tuple[DayInfo, int | None]] = []
    counted = 0
    for info in ctx.calendar.days(start, due):
        if info.date == start:
            days.append((info, None))
        elif info.workday:
            counted += 1
            days.append((info, counted))
        else:
            days.append((info, None))
    return Explanation(matter.code, what, start, within, due, provisional, days)
