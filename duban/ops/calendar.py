"""The register's calendar: load a year's schedule, set one day, list sources,
recompute provisional deadlines, and explain how a deadline was counted."""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, delete, select

from duban import deadlines
from duban.context import Context, utcnow
from duban.deadlines import Recount
from duban.errors import BadValue
from duban.i18n import _
from duban.models import CalendarDay, CalendarYear
from duban.schedules import read_schedule
from duban.workdays import FIRST_YEAR, LAST_YEAR, DayInfo, check_range, package_schedules


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
    ctx.add_to_history(
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
    ctx.add_to_history(
        "calendar.set",
        ctx.today(),
        date=day,
        off=off,
        name=row.name,
        before=before.kind,
        after=after.kind,
    )
    return after


_MONTH = re.compile(r"\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*月?\s*")


def month_days(ctx: Context, month: str) -> tuple[dt.date, list[DayInfo]]:
    """The first day of a month (`2026-10`, `2026年10月`, or `today`) and its days."""
    if month.strip().lower() in ("today", "今天", "本月"):
        first = ctx.today().replace(day=1)
    else:
        m = _MONTH.fullmatch(month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise BadValue(_("bad month {month!r}: use YYYY-MM, e.g. 2026-10").format(month=month))
        year = int(m.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise BadValue(
                _("bad month {month!r}: the calendar runs {first} to {last}").format(
                    month=month, first=FIRST_YEAR, last=LAST_YEAR
                )
            )
        first = dt.date(year, int(m.group(2)), 1)
    last = first.replace(day=pycal.monthrange(first.year, first.month)[1])
    return first, list(ctx.calendar.days(first, last))


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


def recompute(ctx: Context) -> list[Recount]:
    """Count every provisional deadline again under the calendar as it stands now."""
    return deadlines.recount(ctx)


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
    from duban.ops.assignments import find_assignment
    from duban.ops.matters import find_matter
    from duban.ops.units import find_unit

    matter = find_matter(ctx, code)
    if unit is None:
        what, row, default_start = "matter", deadlines.current(ctx, matter), matter.received_on
    else:
        u = find_unit(ctx, unit)
        assignment = find_assignment(ctx, matter, u)
        what, row = f"deadline of {u.name}", deadlines.current(ctx, assignment)
        default_start = assignment.notified_on
    # A date given by hand was counted from nothing: show the days from receipt or notice.
    start, within, due, provisional = (
        row.counted_from or default_start,
        row.within,
        row.due_on,
        row.provisional,
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
