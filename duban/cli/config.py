"""duban config: the settings kept in the register."""

import typer

from duban.cli.common import Run, command


def register_commands(app: typer.Typer) -> None:
    @command(app, "config")
    def config(
        run: Run,
        key: str | None = typer.Argument(None, help="A setting's name; none lists them all."),
        value: str | None = typer.Argument(None, help="A new value; none shows the setting."),
    ) -> None:
        """Show or set the register's settings (time zone, default deadline, strict calendar).

        Settings live in the register, so every user of a shared register sees the same
        ones; each change is recorded in the history.

        Example: duban config strict_calendar true
        """
        from dataclasses import asdict

        from duban.ops.config import set_setting, show_settings
        from duban.settings import check

        columns = ["key", "value", "default", "help"]
        if value is None:
            with run.read() as ctx:
                rows = [asdict(r) for r in show_settings(ctx)]
            if key is not None:
                match = [r for r in rows if r["key"] == key]
                if not match:
                    from duban.errors import BadValue
                    from duban.settings import SETTINGS

                    raise BadValue(f"unknown setting {key!r}: use one of {', '.join(SETTINGS)}")
                run.emit(match[0], columns=columns if run.fmt == "table" else None)
                return
            run.emit(rows, columns=columns)
            return
        check(key, value)
        with run.change() as ctx:
            row = set_setting(ctx, key, value)
        run.say(f"{key} = {row.value}")
        run.emit(asdict(row), columns=columns if run.fmt == "table" else None)
