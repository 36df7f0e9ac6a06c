"""The register itself: create it (`init`); backups and checks will live here too."""

import typer

from duban.cli.run import Run


def register_commands(app: typer.Typer) -> None:
    @app.command("init")
    def init(ctx: typer.Context) -> None:
        """Create the register, or bring an older one up to this version.

        Commands that change the register create it too; commands that only read never
        do, so that a mistyped --db or DUBAN_DB is an error, not an empty register.

        Example: duban init --db /srv/duban/register.db
        """
        from duban import views
        from duban.migrations import LATEST

        run: Run = ctx.obj
        with run.change():
            pass
        data = views.register_info(run.location, LATEST, created=run.created is not None)
        run.say(f"{'created' if data['created'] else 'ready'}: the register at {data['register']}")
        run.emit(data, table=["register", "schema", "created"])
