"""The register itself: create it (`init`); backups and checks will live here too."""

import typer

from duban.cli.run import Run
from duban.i18n import _


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
        if data["created"]:
            run.say(_("created: the register at {register}").format(register=data["register"]))
        else:
            run.say(_("ready: the register at {register}").format(register=data["register"]))
        run.emit(data, table=["register", "schema", "created"])
