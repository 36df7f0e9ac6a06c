"""duban unit: the units that handle matters (承办单位)."""

from pathlib import Path

import typer

from duban.cli.command import App
from duban.cli.run import Run

app = App(
    help="The units that handle matters (承办单位): add, edit, list, import.\n\n"
    "Example: duban unit add 市教育局 --head 李明 --kind department",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

KIND_HELP = "department (部门), district (旗区), agency (直属单位), enterprise (企事业单位), other."
COLUMNS = ["name", "code", "kind", "head", "parent"]


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
) -> None:
    """Add a unit to the register.

    Example: duban unit add 东胜区人民政府 --kind district --head 刘伟 --code dsq
    """
    from duban import views
    from duban.ops.units import add_unit, parent_of

    run: Run = ctx.obj
    with run.change() as c:
        unit = add_unit(c, name, head=head, kind=kind, parent=parent, code=code)
        data = views.unit(unit, parent_of(c, unit))
    run.say(f"added {unit.name}")
    run.emit(data, table=COLUMNS)


@app.command("edit")
def edit(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The unit's name or code."),
    head: str | None = typer.Option(None, "--head", help="A new head (主要负责人)."),
    kind: str | None = typer.Option(None, "--kind", help=KIND_HELP),
    parent: str | None = typer.Option(None, "--parent", help="A new unit above it."),
    code: str | None = typer.Option(None, "--code", help="A new short code."),
    rename: str | None = typer.Option(None, "--rename", help="A new name."),
) -> None:
    """Change a unit's head, kind, parent, code or name; the history keeps the old values.

    Example: duban unit edit 市教育局 --head 王芳
    """
    from duban import views
    from duban.ops.units import edit_unit, parent_of

    run: Run = ctx.obj
    with run.change() as c:
        unit = edit_unit(c, name, head=head, kind=kind, parent=parent, code=code, rename=rename)
        data = views.unit(unit, parent_of(c, unit))
    run.say(f"changed {unit.name}")
    run.emit(data, table=COLUMNS)


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the registered units.

    Example: duban unit list --format csv > units.csv
    """
    from duban import views

    run: Run = ctx.obj
    with run.reader() as r:
        data = views.units(r.units())
    run.emit(data, columns=COLUMNS)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A UTF-8 CSV file: name, code, kind, head, parent."),
) -> None:
    """Add every unit of a CSV file, all or nothing.

    The first line names the columns (name, code, kind, head, parent; or 名称, 代码, 类型,
    主要负责人, 上级单位).  One bad row refuses the whole file.

    Example: duban unit import examples/units-ordos.csv
    """
    from duban import views
    from duban.ops.units import import_units, parent_of

    run: Run = ctx.obj
    with run.change() as c:
        data = [views.unit(u, parent_of(c, u)) for u in import_units(c, file)]
    run.say(f"imported {len(data)} unit(s) from {file}")
    run.emit(data, table=COLUMNS)
