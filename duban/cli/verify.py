"""duban verify: was anything changed outside duban? (the history's chain, the tables)"""

import re

import typer

from duban.cli.run import Run
from duban.errors import EXIT_FINDING, BadValue
from duban.i18n import _

FINDING_COLUMNS = ["table", "code", "id", "message"]


def register_commands(app: typer.Typer) -> None:
    @app.command("verify")
    def verify(
        ctx: typer.Context,
        anchor: str | None = typer.Option(
            None,
            "--anchor",
            help="A head printed by an earlier verify (written down or kept elsewhere; its "
            "first 16 hex digits are enough): it must still be in the history's chain.",
        ),
    ) -> None:
        """Check that nothing in the register was changed outside duban (tamper evidence).

        Walks the history's hash chain (an entry changed, removed or put in outside duban
        breaks it) and hashes every matter's rows and every other table again, comparing
        them with what the history recorded (a deadline edited by hand in the database
        file is found).  Exit 0 when all is as duban left it, 1 with the findings, each
        naming its table and matter.  `head` is the chain's last hash: write it down, and
        `--anchor` it later, to see that the chain was not rewritten whole.

        Example: duban verify --json
        """
        from duban import views
        from duban.ops.verify import verify as check

        run: Run = ctx.obj
        if anchor is not None:
            anchor = anchor.strip().lower()
            if not re.fullmatch(r"[0-9a-f]{8,64}", anchor):
                raise BadValue(
                    _("--anchor takes a head verify printed: 8 to 64 hex digits, not {anchor!r}")
                    .format(anchor=anchor)
                )  # fmt: skip
        with run.reader() as r:
            result = check(r.conn, r.dialect, anchor=anchor)
        data = views.verified(result)
        if result.ok:
            run.say(
                _(
                    "verified: {entries} history entries and {matters} matters, nothing "
                    "changed outside duban; head {head}"
                ).format(entries=result.entries, matters=result.matters, head=result.head or "-")
            )
        else:
            run.say(
                _("{n} finding(s): the register was changed outside duban").format(
                    n=len(result.findings)
                )
            )
        if run.fmt == "json":
            run.emit(data)
        elif data["findings"]:
            run.emit(data["findings"], table=FINDING_COLUMNS, title=_("Changed outside duban"))
        if not result.ok:
            raise typer.Exit(EXIT_FINDING)
