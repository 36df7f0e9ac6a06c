"""duban milestone: the steps of a matter, each with its own deadline (节点目标)."""

import typer

from duban.cli.command import App
from duban.cli.run import Run
from duban.i18n import _

app = App(
    help="Milestones (节点目标, 第十一条 分解工作任务, 第十二条): the steps of a matter, each "
    "with its own deadline, met by a report that names it (`report --milestone ID`).\n\n"
    'Example: duban milestone add DB-2026-0001 "完成现场摸排" --within 5 --on 2026-11-03',
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

COLUMNS = ["id", "title", "unit", "due", "met_on", "status", "light"]


@app.command("add")
def add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The matter's code."),
    title: str = typer.Argument(..., help="What is to be done by the milestone's deadline."),
    due: str | None = typer.Option(None, "--due", help="The milestone's deadline, as a date."),
    within: int | None = typer.Option(
        None, "--within", help="The milestone's deadline, in working days after --on."
    ),
    unit: str | None = typer.Option(
        None, "--unit", "-u", help="The lead unit it falls to (default: the matter's)."
    ),
    on: str | None = typer.Option(
        None, "--on", help="The day it is set, the deadline's start (default today)."
    ),
) -> None:
    """Add a milestone (节点目标) to an open matter, with its own deadline.

    Give --due DATE or --within N (working days after --on; the start day is never
    counted).  With --unit, it falls to that lead unit, which alone reports it done.  A
    milestone past its deadline and not reported done is listed by `duban overdue`.

    Example: duban milestone add DB-2026-0001 "完成现场摸排" --unit 市住房和城乡建设局 --within 5 --on 2026-11-03
    """
    from duban.ops.milestones import add_milestone

    run: Run = ctx.obj
    with run.change() as c:
        milestone, matter, _unit = add_milestone(
            c,
            code,
            title,
            due=c.date(due, what="deadline") if due is not None else None,
            within=within,
            unit=unit,
            on=c.date(on, what="milestone date") if on else None,
        )
        rows = c.reader.milestones(matter, milestone.created_on)
        data = next(row for row in rows if row.id == milestone.id)
    from duban import views

    shape = views.milestone(data)
    run.say(
        _("milestone {id} of {code}, due {due}").format(
            id=milestone.id, code=matter.code, due=run.day(shape["due"])
        )
    )
    run.emit(shape, table=COLUMNS)


@app.command("list")
def list_(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The matter's code."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="As the milestones stood on this date (default today)."
    ),
) -> None:
    """List a matter's milestones by deadline: met, open or overdue on the day.

    A milestone is met by a report naming it (`report --milestone ID`), received by the
    day and not returned by a review dated by then.

    Example: duban milestone list DB-2026-0001 --as-of 2026-11-20 --json
    """
    from duban import views

    run: Run = ctx.obj
    with run.reader() as r:
        day = r.date(as_of, what="as-of date")
        matter = r.find_matter(code)
        rows = [views.milestone(x) for x in r.milestones(matter, day)]
        run.emit(
            rows,
            columns=COLUMNS,
            title=_("Milestones of {code} as of {day}").format(
                code=matter.code, day=run.day(day.isoformat())
            ),
        )
