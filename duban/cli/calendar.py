"""duban calendar: the working-day calendar, its sources, and how deadlines are counted."""

from pathlib import Path

import typer

from duban.cli.command import App, fail
from duban.cli.run import Run
from duban.errors import EXIT_USAGE
from duban.i18n import _

app = App(
    help="The working-day calendar: count, check, load next year's schedule, explain.\n\n"
    "Example: duban calendar add 2026-09-30 15",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@app.command("add")
def add(
    ctx: typer.Context,
    start: str = typer.Argument(..., help="The start day (never counted)."),
    n: int = typer.Argument(..., help="How many working days after it."),
) -> None:
    """The Nth working day strictly after START: what a deadline of N working days is.

    Example: duban calendar add 2026-09-30 3 --json
    """
    from duban import deadlines, views

    run: Run = ctx.obj
    with run.read(optional=True) as c:
        day = c.date(start, what="start date")
        data = views.counted(day, n, deadlines.count(c, day, n) if n else None)
    run.emit(data)


@app.command("between")
def between(
    ctx: typer.Context,
    a: str = typer.Argument(..., help="The first day (not counted)."),
    b: str = typer.Argument(..., help="The last day (counted)."),
) -> None:
    """Count the working days in (A, B]: A not counted, B counted.

    Example: duban calendar between 2026-09-30 2026-10-12 --json
    """
    from duban import views

    run: Run = ctx.obj
    with run.read(optional=True) as c:
        first, last = c.date(a), c.date(b)
        n = c.calendar.count(first, last)  # the engine refuses A after B
        data = views.between(first, last, n, c.calendar.provisional_span(first, last))
    run.emit(data)


@app.command("day")
def day(
    ctx: typer.Context,
    date: str = typer.Argument("today", help="The day to describe (default today)."),
) -> None:
    """What kind of day a date is: workday, weekend, holiday or makeup (调休上班).

    Example: duban calendar day 2026-09-20
    """
    from duban import views

    run: Run = ctx.obj
    with run.read(optional=True) as c:
        data = views.day(c.calendar.day(c.date(date)))
    run.emit(data)


@app.command("show")
def show(
    ctx: typer.Context,
    month: str = typer.Argument("today", help="A month, YYYY-MM (default this month)."),
) -> None:
    """A month grid with holidays (休) and make-up working days (班) marked.

    Example: duban calendar show 2026-10
    """
    from duban import render, views
    from duban.ops.calendar import month_days

    run: Run = ctx.obj
    with run.read(optional=True) as c:
        first, days = month_days(c, month)
        data = views.month(first, days)
    render.month(data, run.fmt, run.lang)


@app.command("explain")
def explain(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The matter's code."),
    unit: str | None = typer.Option(
        None, "--unit", "-u", help="Explain this unit's deadline instead."
    ),
) -> None:
    """How a matter's deadline was counted, day by day; the start day is not counted.

    Example: duban calendar explain DB-2026-0001
    """
    from duban import render, views
    from duban.ops.calendar import explain as do_explain

    run: Run = ctx.obj
    with run.read() as c:
        data = views.explanation(do_explain(c, code, unit=unit))
    render.explanation(data, run.fmt, run.lang)


@app.command("load")
def load(
    ctx: typer.Context,
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
    from duban import views
    from duban.ops.calendar import load_schedule

    run: Run = ctx.obj
    with run.change() as c:
        row = load_schedule(c, file, year=year)
        data = views.loaded(row)
    run.say(
        _("loaded the {year} schedule from {file}; now run `duban calendar recompute`").format(
            year=row.year, file=file
        )
    )
    run.emit(data)


@app.command("set")
def set_(
    ctx: typer.Context,
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
        fail(_("say --off or --work (one of them)"), EXIT_USAGE)
    from duban import views
    from duban.ops.calendar import set_day

    run: Run = ctx.obj
    with run.change() as c:
        info = set_day(c, c.date(date), off=off, name=name)
    from duban.render import term

    run.say(
        _("{date} is now a {kind}").format(
            date=run.day(info.date.isoformat()), kind=term("kind", info.kind, run.lang)
        )
    )
    run.emit(views.day(info))


@app.command("sources")
def sources(ctx: typer.Context) -> None:
    """Where each year's schedule comes from: the package, a loaded file, or an estimate.

    Example: duban calendar sources
    """
    from duban import views
    from duban.ops.calendar import sources as list_sources

    run: Run = ctx.obj
    with run.read(optional=True) as c:
        rows = [views.source(r) for r in list_sources(c)]
    run.emit(rows, columns=["year", "source", "provisional", "loaded_at", "loaded_by", "days_set"])


@app.command("recompute")
def recompute(ctx: typer.Context) -> None:
    """Count every provisional deadline again, after a year's schedule was loaded.

    Deadlines given as dates and deadlines in published years are left alone; each change
    is recorded in the matter's history.

    Example: duban calendar recompute
    """
    from duban import views
    from duban.ops.calendar import recompute as do_recompute

    run: Run = ctx.obj
    with run.change() as c:
        changes = do_recompute(c)
    moved = sum(1 for x in changes if x.moved)
    confirmed = sum(1 for x in changes if not x.moved and not x.provisional)
    run.say(
        _(
            "{moved} deadline date(s) moved, {confirmed} confirmed as they were; "
            "{provisional} still provisional"
        ).format(
            moved=moved,
            confirmed=confirmed,
            provisional=sum(1 for x in changes if x.provisional),
        )
    )
    run.emit(
        [views.recount(x) for x in changes],
        columns=["code", "what", "before", "after", "moved", "provisional"],
    )
