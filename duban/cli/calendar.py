"""duban calendar: the working-day calendar, its sources, and how deadlines are counted."""

from pathlib import Path

import typer

from duban.cli.common import Run, check_dates, command, fail
from duban.errors import EXIT_USAGE

app = typer.Typer(
    help="The working-day calendar: count, check, load next year's schedule, explain.\n\n"
    "Example: duban calendar add 2026-09-30 15",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


def _day(info) -> dict:
    return {
        "date": info.date.isoformat(),
        "workday": info.workday,
        "kind": info.kind,
        "name": info.name or None,
        "provisional": info.provisional,
    }


@command(app, "add")
def add(
    run: Run,
    start: str = typer.Argument(..., help="The start day (never counted)."),
    n: int = typer.Argument(..., help="How many working days after it."),
) -> None:
    """The Nth working day strictly after START: what a deadline of N working days is.

    Example: duban calendar add 2026-09-30 3 --json
    """
    check_dates(start=start)
    if n < 0:
        fail(f"N must be 0 or more, not {n}", EXIT_USAGE)
    with run.read() as ctx:
        day = ctx.date(start, what="start date")
        due = ctx.deadline(day, n) if n else None
        data = {
            "start": day.isoformat(),
            "n": n,
            "due": (due.due if due else day).isoformat(),
            "provisional": bool(due and due.provisional),
        }
    run.emit(data)


@command(app, "between")
def between(
    run: Run,
    a: str = typer.Argument(..., help="The first day (not counted)."),
    b: str = typer.Argument(..., help="The last day (counted)."),
) -> None:
    """Count the working days in (A, B]: A not counted, B counted.

    Example: duban calendar between 2026-09-30 2026-10-12 --json
    """
    check_dates(a=a, b=b)
    from duban.errors import BadValue

    with run.read() as ctx:
        first, last = ctx.date(a), ctx.date(b)
        if first > last:
            raise BadValue(
                f"{first.isoformat()} is after {last.isoformat()}: give the earlier first"
            )
        data = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "workdays": ctx.calendar.count(first, last),
            "provisional": ctx.calendar.provisional_span(first, last),
        }
    run.emit(data)


@command(app, "day")
def day(
    run: Run,
    date: str = typer.Argument("today", help="The day to describe (default today)."),
) -> None:
    """What kind of day a date is: workday, weekend, holiday or makeup (调休上班).

    Example: duban calendar day 2026-09-20
    """
    check_dates(date=date)
    with run.read() as ctx:
        data = _day(ctx.calendar.day(ctx.date(date)))
    run.emit(data)


@command(app, "show")
def show(
    run: Run,
    month: str = typer.Argument("today", help="A month, YYYY-MM (default this month)."),
) -> None:
    """A month grid with holidays (休) and make-up working days (班) marked.

    Example: duban calendar show 2026-10
    """
    import calendar as pycal
    import datetime as dt
    import re

    from duban.errors import BadValue

    with run.read() as ctx:
        if month == "today":
            first = ctx.today().replace(day=1)
        else:
            m = re.fullmatch(r"\s*(\d{4})[-/年](\d{1,2})月?\s*", month)
            if not m or not 1 <= int(m.group(2)) <= 12:
                raise BadValue(f"bad month {month!r}: use YYYY-MM, e.g. 2026-10")
            first = dt.date(int(m.group(1)), int(m.group(2)), 1)
        last = first.replace(day=pycal.monthrange(first.year, first.month)[1])
        days = list(ctx.calendar.days(first, last))
    if run.fmt != "table":
        run.emit([_day(d) for d in days])
        return
    from rich.table import Table
    from rich.text import Text

    from duban.render import console

    zh = run.lang == "zh"
    heads = (
        ["一", "二", "三", "四", "五", "六", "日"]
        if zh
        else ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    )
    provisional = any(d.provisional for d in days)
    title = f"{first.year}-{first.month:02d}" + (" (provisional)" if provisional else "")
    table = Table(title=title, title_justify="left")
    for h in heads:
        table.add_column(h, justify="right")
    week: list[Text] = [Text("")] * first.weekday()
    for info in days:
        mark = {"holiday": " 休", "makeup": " 班"}.get(info.kind, "")
        style = {"holiday": "red", "weekend": "dim", "makeup": "bold yellow"}.get(info.kind, "")
        week.append(Text(f"{info.date.day}{mark}", style=style))
        if len(week) == 7:
            table.add_row(*week)
            week = []
    if week:
        table.add_row(*week, *[Text("")] * (7 - len(week)))
    out = console()
    out.print(table)
    named = [(d.date, d.kind, d.name) for d in days if d.kind in ("holiday", "makeup")]
    for date_, kind, name in named:
        word = "休" if kind == "holiday" else "班"
        out.print(Text(f"{date_.isoformat()} {word} {name}"))


@command(app, "explain")
def explain(
    run: Run,
    code: str = typer.Argument(..., help="The matter's code."),
    unit: str | None = typer.Option(
        None, "--unit", "-u", help="Explain this unit's deadline instead."
    ),
) -> None:
    """How a matter's deadline was counted, day by day; the start day is not counted.

    Example: duban calendar explain DB-2026-0001
    """
    from duban.ops.calendar import explain as do_explain

    with run.read() as ctx:
        ex = do_explain(ctx, code, unit=unit)
    rows = []
    for info, count in ex.days:
        if info.date == ex.start:
            note = "start day: not counted"
        elif count is not None:
            note = f"working day {count}"
        else:
            note = "not a working day"
        rows.append({**_day(info), "count": count, "note": note})
    data = {
        "code": ex.code,
        "what": ex.what,
        "start": ex.start.isoformat(),
        "within": ex.within,
        "due": ex.due.isoformat(),
        "provisional": ex.provisional,
        "days": rows,
    }
    if run.fmt != "table":
        run.emit(data if run.fmt == "json" else rows)
        return
    rule = (
        f"{ex.within} working days after {ex.start.isoformat()}"
        if ex.within
        else f"a date given by hand, counted from {ex.start.isoformat()}"
    )
    run.emit(
        rows,
        columns=["date", "kind", "name", "note"],
        title=f"{ex.code} {ex.what}: {rule} → {ex.due.isoformat()}"
        + (" (provisional)" if ex.provisional else ""),
    )


@command(app, "load")
def load(
    run: Run,
    file: Path = typer.Argument(
        ..., help="A holiday-cn JSON file (2027.json) or an iCalendar file."
    ),
    year: int | None = typer.Option(
        None, "--year", help="The year to take (needed for an iCalendar file of several years)."
    ),
) -> None:
    """Load a year's holiday schedule, as published by the State Council.

    The file is the whole schedule of its year: it replaces the package's data for that
    year, and days it does not list are ordinary days.  Run `duban calendar recompute`
    afterwards to correct provisional deadlines.

    Example: duban calendar load 2027.json
    """
    from duban.ops.calendar import load_schedule

    with run.change() as ctx:
        row = load_schedule(ctx, file, year=year)
        data = {"year": row.year, "source": row.source, "loaded_by": row.loaded_by}
    run.say(f"loaded the {row.year} schedule from {file}; now run `duban calendar recompute`")
    run.emit(data)


@command(app, "set")
def set_(
    run: Run,
    date: str = typer.Argument(..., help="The day to change."),
    off: bool = typer.Option(False, "--off", help="Make it a day off."),
    work: bool = typer.Option(
        False, "--work", help="Make it a working day (e.g. a make-up Saturday)."
    ),
    name: str = typer.Option("", "--name", help="What the day is, e.g. 春节."),
) -> None:
    """Change one day of the calendar: a day off, or a working day.

    Example: duban calendar set 2027-02-20 --work --name 春节
    """
    if off == work:
        fail("say --off or --work (one of them)", EXIT_USAGE)
    check_dates(date=date)
    from duban.ops.calendar import set_day

    with run.change() as ctx:
        info = set_day(ctx, ctx.date(date), off=off, name=name)
    run.say(f"{info.date.isoformat()} is now a {info.kind}")
    run.emit(_day(info))


@command(app, "sources")
def sources(run: Run) -> None:
    """Where each year's schedule comes from: the package, a loaded file, or an estimate.

    Example: duban calendar sources
    """
    from duban.ops.calendar import sources as list_sources
    from duban.views import iso

    with run.read() as ctx:
        rows = [
            {
                "year": r.year,
                "source": r.source,
                "provisional": r.provisional,
                "loaded_at": iso(r.loaded_at),
                "loaded_by": r.loaded_by,
                "days_set": r.days_set,
            }
            for r in list_sources(ctx)
        ]
    run.emit(rows, columns=["year", "source", "provisional", "loaded_at", "loaded_by", "days_set"])


@command(app, "recompute")
def recompute(run: Run) -> None:
    """Count every provisional deadline again, after a year's schedule was loaded.

    Deadlines given as dates and deadlines in published years are left alone; each change
    is recorded in the matter's history.

    Example: duban calendar recompute
    """
    from duban.ops.calendar import recompute as do_recompute

    with run.change() as ctx:
        changes = do_recompute(ctx)
    rows = [
        {
            "code": c.code,
            "what": c.what,
            "before": c.before.isoformat(),
            "after": c.after.isoformat(),
            "provisional": c.provisional,
        }
        for c in changes
    ]
    run.say(f"{len(rows)} deadline(s) changed")
    run.emit(rows, columns=["code", "what", "before", "after", "provisional"])
