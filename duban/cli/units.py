"""duban unit: the units that handle matters (承办单位)."""

from pathlib import Path

import typer

from duban.cli.common import Run, command

app = typer.Typer(
    help="The units that handle matters (承办单位): add, edit, list, import.\n\n"
    "Example: duban unit add 市教育局 --head 李明 --kind department",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

KIND_HELP = "department (部门), district (旗区), agency (直属单位), enterprise (企事业单位), other."
COLUMNS = ["name", "code", "kind", "head", "parent"]


def _rows(ctx, units) -> list[dict]:
    from duban import views

    names = {u.id: u.name for u in units}
    return [views.unit(u, names.get(u.parent_id)) for u in units]


@command(app, "add")
def add(
    run: Run,
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
    from duban.models import Unit
    from duban.ops.units import add_unit

    with run.change() as ctx:
        unit = add_unit(ctx, name, head=head, kind=kind, parent=parent, code=code)
        # The parent's registered name, not what was typed (it may be its code).
        above = ctx.session.get(Unit, unit.parent_id) if unit.parent_id else None
        data = views.unit(unit, above.name if above else None)
    run.say(f"added {unit.name}")
    run.emit(data, columns=COLUMNS if run.fmt == "table" else None)


@command(app, "edit")
def edit(
    run: Run,
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
    from duban.ops.units import edit_unit, list_units

    with run.change() as ctx:
        unit = edit_unit(ctx, name, head=head, kind=kind, parent=parent, code=code, rename=rename)
        data = next(r for r in _rows(ctx, list_units(ctx)) if r["name"] == unit.name)
    run.say(f"changed {unit.name}")
    run.emit(data, columns=COLUMNS if run.fmt == "table" else None)


@command(app, "list")
def list_(run: Run) -> None:
    """List the registered units.

    Example: duban unit list --format csv > units.csv
    """
    from duban.ops.units import list_units

    with run.read() as ctx:
        data = _rows(ctx, list_units(ctx))
    run.emit(data, columns=COLUMNS)


@command(app, "import")
def import_(
    run: Run,
    file: Path = typer.Argument(..., help="A UTF-8 CSV file: name, code, kind, head, parent."),
) -> None:
    """Add every unit of a CSV file, all or nothing.

    The first line names the columns (name, code, kind, head, parent; or 名称, 代码, 类型,
    主要负责人, 上级单位).  One bad row refuses the whole file.

    Example: duban unit import examples/units-ordos.csv
    """
    from duban.ops.units import import_units, list_units

    with run.change() as ctx:
        added = import_units(ctx, file)
        names = {u.name for u in added}
        data = [r for r in _rows(ctx, list_units(ctx)) if r["name"] in names]
    run.say(f"imported {len(data)} unit(s) from {file}")
    run.emit(data, columns=COLUMNS if run.fmt == "table" else None)
