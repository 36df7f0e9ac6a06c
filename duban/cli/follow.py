"""Following matters through: urge, cancel, reopen, archive."""

import sys
from pathlib import Path

import typer

from duban.cli.command import fail
from duban.cli.run import Run
from duban.errors import EXIT_USAGE
from duban.i18n import _


def register_commands(app: typer.Typer) -> None:
    @app.command("urge")
    def urge(
        ctx: typer.Context,
        code: str | None = typer.Argument(None, help="The matter's code."),
        unit: list[str] = typer.Option(
            [],
            "--unit",
            "-u",
            help="The unit to urge; repeat for more (default: every open lead unit overdue).",
        ),
        on: str | None = typer.Option(None, "--on", help="The day of the urging (default today)."),
        via: str = typer.Option(
            "notice", "--via", help="phone, notice, meeting, sms or other (电话, 通知, 会议, 短信)."
        ),
        note: str | None = typer.Option(None, "--note", help="Anything the register should keep."),
        all_overdue: bool = typer.Option(
            False,
            "--all-overdue",
            help="Urge every overdue lead unit, at most once a day each (safe to run twice).",
        ),
        as_of: str | None = typer.Option(
            None, "--as-of", help="With --all-overdue: the day (default today)."
        ),
    ) -> None:
        """Urge units on a matter (催办, 第十三条) and print the urging notice to send.

        With --all-overdue, every overdue lead unit is urged, once a day at most, so a cron
        job can run it twice; --json prints the urgings made ([] when none).

        Example: duban urge DB-2026-0001 --unit 市住房和城乡建设局 --via phone --on 2026-11-26
        """
        from duban import views
        from duban.cli.supervision import send
        from duban.ops import notices
        from duban.ops.follow import urge as urge_units
        from duban.ops.follow import urge_all_overdue

        run: Run = ctx.obj
        if all_overdue == (code is not None):
            fail(_("name a matter, or give --all-overdue (one of them)"), EXIT_USAGE)
        if all_overdue and (unit or on):
            fail(_("--all-overdue urges every overdue unit as of --as-of: no --unit or --on"),
                 EXIT_USAGE)  # fmt: skip
        if not all_overdue and as_of:
            fail(_("--as-of goes with --all-overdue; for one matter, give --on"), EXIT_USAGE)
        with run.change() as c:
            if all_overdue:
                made = urge_all_overdue(c, c.date(as_of, what="as-of date"), via=via, note=note)
            else:
                made = urge_units(
                    c,
                    code or "",
                    units=unit,
                    on=c.date(on, what="urging date") if on else None,
                    via=via,
                    note=note,
                )
            rows = [views.urged(u) for u in made]
            hook, pending = notices.command(c), notices.urgings(c, made)
        if pending:  # piped once committed: a failing command never loses an urging
            send(run, hook, pending)
        run.say(_("{n} urging(s) recorded").format(n=len(rows)))
        if run.fmt == "table":
            for row in rows:
                from duban.render import visible

                sys.stdout.write(visible(row["text"]) + "\n")
            return
        run.emit(rows, columns=list(views.URGED_KEYS))

    @app.command("cancel")
    def cancel(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code."),
        reason: str = typer.Option(..., "--reason", help="Why the matter is withdrawn."),
        on: str | None = typer.Option(
            None, "--on", help="The day it is cancelled (default today)."
        ),
    ) -> None:
        """Cancel a matter the leader withdrew (撤销): it stays on the register, out of overdue.

        Example: duban cancel DB-2026-0001 --reason "领导批示不再督办" --on 2026-11-26
        """
        from duban import deadlines, views
        from duban.ops.follow import cancel_matter

        run: Run = ctx.obj
        with run.change() as c:
            matter = cancel_matter(
                c, code, reason=reason, on=c.date(on, what="cancelling date") if on else None
            )
            data = views.matter(matter, deadlines.current(c, matter))
        run.say(_("cancelled {code}").format(code=matter.code))
        run.emit(data, table=["code", "title", "status"])

    @app.command("reopen")
    def reopen(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code."),
        reason: str = typer.Option(..., "--reason", help="Why the matter is not really done."),
        on: str | None = typer.Option(None, "--on", help="The day it is reopened (default today)."),
        within: int | None = typer.Option(
            None, "--within", help="The lead units' new deadline, in working days after --on."
        ),
        due: str | None = typer.Option(
            None, "--due", help="The lead units' new deadline, as a date."
        ),
    ) -> None:
        """Reopen a closed matter that was not really done (第十六条).

        Its lead units work again, with a new deadline (default 15 working days after the
        reopening); each reports again, and the matter closes again as before.

        Example: duban reopen DB-2026-0001 --reason "整改未到位" --within 10 --on 2026-12-01
        """
        from duban import deadlines, views
        from duban.ops.follow import reopen_matter

        run: Run = ctx.obj
        with run.change() as c:
            matter, names, new_due = reopen_matter(
                c,
                code,
                reason=reason,
                on=c.date(on, what="reopening date") if on else None,
                due=c.date(due, what="deadline") if due is not None else None,
                within=within,
            )
            data = views.matter(matter, deadlines.current(c, matter))
            data["lead_units"] = names
            data["units_due"] = views.iso(new_due.on)
        run.say(
            _("reopened {code}; its lead units are due {due}").format(
                code=matter.code, due=run.day(data["units_due"])
            )
        )
        run.emit(data, table=["code", "title", "status", "lead_units", "units_due"])

    @app.command("archive")
    def archive(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code."),
        to: Path = typer.Option(
            Path("."), "--to", help="The folder to write the dossier in (default this one)."
        ),
        transferred_on: str | None = typer.Option(
            None,
            "--transferred-on",
            help="The day the dossier went to the archives department (移交档案部门).",
        ),
    ) -> None:
        """Write a closed matter's dossier (组卷, 第十一条): CODE.json and CODE.md.

        The dossier holds the matter, its units and deadlines, its reports with their
        reviews, its urgings and its full history.  The files and their SHA-256 are
        recorded in the history; --transferred-on records the transfer to the archives.

        Example: duban archive DB-2026-0001 --to ./卷宗 --transferred-on 2026-12-31
        """
        from duban import render, views
        from duban.ops.follow import archive_matter, check_archivable

        run: Run = ctx.obj
        with run.change() as c:
            matter = check_archivable(c, code)
            data = views.dossier(c.reader.dossier(c.reader.find_matter(matter.code)))
            files = {
                f"{matter.code}.json": (render.dumps(data) + "\n").encode("utf-8"),
                f"{matter.code}.md": render.dossier_markdown(data, run.lang).encode("utf-8"),
            }
            _matter, written = archive_matter(
                c,
                code,
                files,
                to=to,
                transferred_on=c.date(transferred_on, what="transfer date")
                if transferred_on
                else None,
            )
        run.say(
            _("archived {code}: {files}").format(
                code=matter.code, files=", ".join(w["file"] for w in written)
            )
        )
        run.emit(written, table=["file", "sha256"])
