"""duban history: every change on the register, with who and when."""

import typer

from duban.cli.common import Run, check_dates, command, fail
from duban.errors import EXIT_USAGE


def register_commands(app: typer.Typer) -> None:
    @command(app, "history")
    def history(
        run: Run,
        code: str | None = typer.Argument(None, help="Only this matter's changes."),
        action: str | None = typer.Option(
            None,
            "--action",
            help="Only this kind of change: register, assign, report, "
            "review, close, unit, calendar, config, recompute ...",
        ),
        since: str | None = typer.Option(None, "--since", help="Changes effective on or after."),
        limit: int | None = typer.Option(None, "--limit", help="Only the last N changes."),
    ) -> None:
        """Show the history: every change, who made it, when, and the day it took effect.

        Unit, calendar and setting changes belong to no matter and are listed here too.

        Example: duban history --action calendar --since 2026-11-01
        """
        check_dates(since=since)
        if limit is not None and limit < 1:
            fail("--limit must be 1 or more", EXIT_USAGE)
        from duban import views
        from duban.ops.history import history as read_history

        with run.read() as ctx:
            rows = [
                {"code": code_, **views.event(event)}
                for event, code_ in read_history(
                    ctx,
                    code=code,
                    action=action,
                    since=ctx.date(since, what="date") if since else None,
                    limit=limit,
                )
            ]
        run.emit(
            rows,
            columns=["id", "effective_on", "code", "action", "actor", "recorded_at", "detail"]
            if run.fmt == "table"
            else None,
        )
