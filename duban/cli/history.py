"""duban history: every change on the register, with who and when."""

import typer

from duban.cli.run import Run


def register_commands(app: typer.Typer) -> None:
    @app.command("history")
    def history(
        ctx: typer.Context,
        code: str | None = typer.Argument(None, help="Only this matter's changes."),
        action: str | None = typer.Option(
            None,
            "--action",
            help="Only this group of changes (matter, assignment, report, review, deadline, "
            "calendar, unit, config) or one action (review.return).",
        ),
        since: str | None = typer.Option(None, "--since", help="Changes effective on or after."),
        limit: int | None = typer.Option(None, "--limit", help="Only the last N changes."),
    ) -> None:
        """Show the history: every change, who made it, when, and the day it took effect.

        Unit, calendar and setting changes belong to no matter and are listed here too.

        Example: duban history --action calendar --since 2026-11-01
        """
        from duban import views

        run: Run = ctx.obj
        with run.reader() as r:
            found = r.history(
                code=code,
                action=action,
                since=r.date(since, what="date") if since else None,
                limit=limit,
            )
            rows = [views.history_row(entry, code_) for entry, code_ in found]
        run.emit(
            rows,
            table=["id", "effective_on", "code", "action", "actor", "recorded_at", "detail"],
        )
