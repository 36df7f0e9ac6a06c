"""duban unit: the units that handle matters (承办单位)."""

from pathlib import Path

import typer

from duban.cli.command import App
from duban.cli.run import Run
from duban.i18n import N_, _

app = App(
    help="The units that handle matters (承办单位): add, edit, show, list, import.\n\n"
    "Example: duban unit add 市教育局 --head 李明 --kind department",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

KIND_HELP = N_(
    "department (部门), district (旗区), agency (直属单位), enterprise (企事业单位), other."
)
COLUMNS = ["name", "code", "aliases", "kind", "head", "parent"]


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The unit's full name, e.g. 市教育局."),
    head: str | None = typer.Option(
        None, "--head", help="Its head (主要负责人), who signs reports."
    ),
    kind: str = typer.Option("department", "--kind", help=KIND_HELP),
    parent: str | None = typer.Option(None, "--parent", help="The unit above it (第五条)."),
    code: str | None = typer.Option(
        None, "--code", help="A short code to type instead of the name."
    ),
    alias: list[str] = typer.Option(
        [],
        "--alias",
        help="A short name (简称) it goes by, e.g. 发改委; any option taking a unit accepts "
        "it. Repeat for more.",
    ),
) -> None:
    """Add a unit to the register.

    Example: duban unit add 东胜区人民政府 --kind district --head 刘伟 --code dsq
    """
    from duban import views
    from duban.ops.units import add_unit, aliases_of, parent_of

    run: Run = ctx.obj
    with run.change() as c:
        unit = add_unit(c, name, head=head, kind=kind, parent=parent, code=code, aliases=alias)
        data = views.unit(unit, parent_of(c, unit), aliases_of(c, unit))
    run.say(_("added {unit}").format(unit=unit.name))
    run.emit(data, table=COLUMNS)


@app.command("edit")
def edit(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The unit's name, code or short name."),
    head: str | None = typer.Option(
        None, "--head", help="A new head (主要负责人); an empty one: none."
    ),
    since: str | None = typer.Option(
        None,
        "--since",
        help="The day the new head took office (default today; a unit's first head: "
        "from before the register knew). Reports that arrived before it are judged by "
        "the head before.",
    ),
    kind: str | None = typer.Option(None, "--kind", help=KIND_HELP),
    parent: str | None = typer.Option(None, "--parent", help="A new unit above it."),
    code: str | None = typer.Option(None, "--code", help="A new short code."),
    rename: str | None = typer.Option(None, "--rename", help="A new name."),
    alias: list[str] = typer.Option(
        [], "--alias", help="Another short name (简称) it goes by; repeat for more."
    ),
    drop_alias: list[str] = typer.Option(
        [], "--drop-alias", help="A short name it no longer goes by; repeat for more."
    ),
) -> None:
    """Change a unit's head, kind, parent, code or name; the history keeps the old values.

    A new head is kept with the day it took office (--since, default today): a final
    report is judged by the head on the day it arrived (第十二条), so a report signed by
    the head of the time stands after the head changes.  `duban unit show` lists them.

    Example: duban unit edit 市教育局 --head 王芳 --since 2026-11-16
    """
    from duban import views
    from duban.ops.units import aliases_of, edit_unit, parent_of

    run: Run = ctx.obj
    with run.change() as c:
        took_office = c.date(since, what=N_("date the head took office")) if since else None
        unit = edit_unit(c, name, head=head, kind=kind, parent=parent, code=code, rename=rename,
                         aliases=alias, drop_aliases=drop_alias,
                         head_since=took_office)  # fmt: skip
        data = views.unit(unit, parent_of(c, unit), aliases_of(c, unit))
    run.say(_("changed {unit}").format(unit=unit.name))
    run.emit(data, table=COLUMNS)


@app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The unit's name, code or short name."),
) -> None:
    """Show a unit and its heads (主要负责人), each with the day it took office.

    A head with no day is the one the unit had before the register knew of a change.
    JSON: the unit's fields and `heads` (`head`, `since`, `until`, `recorded_by`).

    Example: duban unit show 市教育局 --json
    """
    from duban import views
    from duban.ops.units import aliases_of, find_unit, heads_of, parent_of

    run: Run = ctx.obj
    with run.read() as c:
        unit = find_unit(c, name)
        data = {
            **views.unit(unit, parent_of(c, unit), aliases_of(c, unit)),
            "heads": views.heads(heads_of(c, unit)),
        }
    if run.fmt != "table":
        run.emit(data)
        return
    run.emit({k: v for k, v in data.items() if k != "heads"}, columns=COLUMNS)
    run.emit(data["heads"], columns=HEAD_COLUMNS, title=_("Heads"))


HEAD_COLUMNS = ["head", "since", "until", "recorded_by"]


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the registered units.

    Example: duban unit list --format csv > units.csv
    """
    from duban import views

    run: Run = ctx.obj
    with run.reader() as r:
        data = views.units(r.units(), r.unit_aliases())
    run.emit(data, columns=COLUMNS)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., help="A UTF-8 CSV file: name, code, aliases, kind, head, parent."
    ),
    update: bool = typer.Option(
        False,
        "--update",
        help="Update the units already registered (by name or code) from the file instead "
        "of refusing them: an empty cell leaves a value as it is, short names are added.",
    ),
) -> None:
    """Add every unit of a CSV file, all or nothing.

    The first line names the columns (name, code, aliases, kind, head, parent; or 名称,
    编号, 简称, 类型, 主要负责人, 上级单位, as `unit list` prints them).  Short names are
    separated by `;`.  One bad row refuses the whole file.  With --update, the units
    already registered (by name or code) are updated from their rows instead of
    refused, each changed one recorded once in the history (unit.edit).

    Example: duban unit import examples/units-ordos.csv --update
    """
    from duban import views
    from duban.ops.units import described, import_units

    run: Run = ctx.obj
    if update:
        with run.change() as c:
            added, updated = import_units(c, file, update=True)
            data = [
                {**views.unit(*shown), "change": change}
                for units, change in ((added, "added"), (updated, "updated"))
                for shown in described(c, units)
            ]
        run.say(
            _("imported {n} unit(s) from {file}, updated {m}").format(
                n=len(added), file=file, m=len(updated)
            )
        )
        run.emit(data, table=COLUMNS)
        return
    with run.change() as c:
        data = [views.unit(*shown) for shown in described(c, import_units(c, file))]
    run.say(_("imported {n} unit(s) from {file}").format(n=len(data), file=file))
    run.emit(data, table=COLUMNS)
