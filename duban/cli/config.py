"""duban config: the settings kept in the register."""

import typer

from duban.cli.run import Run
from duban.i18n import _

COLUMNS = ["key", "value", "default", "help"]


def register_commands(app: typer.Typer) -> None:
    @app.command("config")
    def config(
        ctx: typer.Context,
        key: str | None = typer.Argument(None, help="A setting's name; none lists them all."),
        value: str | None = typer.Argument(None, help="A new value; none shows the setting."),
    ) -> None:
        """Show or set the register's settings (time zone, default deadline, strict calendar).

        Settings live in the register, so every user of a shared register sees the same
        ones; each change is recorded in the history.

        Example: duban config strict_calendar true
        """
        from duban import views
        from duban.ops.config import set_setting, show_settings

        run: Run = ctx.obj
        if value is None:
            with run.read(optional=True) as c:
                rows = [views.setting(r) for r in show_settings(c, key)]
            rows = [_explained(run, r) for r in rows]
            run.emit(rows[0] if key is not None else rows, columns=COLUMNS)
            return
        with run.change() as c:
            data = views.setting(set_setting(c, key, value))
        run.say(_("{key} = {value}").format(key=key, value=data["value"]))
        run.emit(_explained(run, data), table=COLUMNS)


def _explained(run: Run, row: dict) -> dict:
    """A setting with its meaning in the run's language, in a table (JSON and CSV keep
    the English)."""
    return {**row, "help": _(row["help"])} if run.fmt == "table" else row
