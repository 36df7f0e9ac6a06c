"""Evaluation (第二十一条, 第二十二条): stats (the scorecards) and bulletin (the 通报)."""

from pathlib import Path

import typer

from duban.cli.restricted import INCLUDE_RESTRICTED
from duban.cli.run import Run
from duban.i18n import _

FROM = typer.Option(
    None, "--from", help="The period's first day (default 1 January of --to's year)."
)
TO = typer.Option(None, "--to", help="The period's last day (default --as-of).")
AS_OF = typer.Option(
    None,
    "--as-of",
    help="Judge as the register stood on this day when it is before --to (default today).",
)

# The columns of each grouping (JSON gives every key).
KEYS = {"unit": ["unit"], "source": ["source", "proposal_by"], "month": ["month"]}
FIGURES = ["due", "on_time", "on_time_original", "late", "overdue", "urged_overdue",
           "returned", "extended", "median_days", "on_time_rate", "rank"]  # fmt: skip


def _period(r, start: str | None, stop: str | None, as_of: str | None):
    from duban.scorecards import Period

    day = r.date(as_of, what="as-of date")
    first = r.date(start, what="--from date") if start else None
    last = r.date(stop, what="--to date") if stop else None
    return Period.of(first, last, day)


def _record(run: Run, command: str, codes: set[str], period, **detail) -> None:
    """第三条: asking to include restricted matters is recorded in the history."""
    from duban.ops import restricted

    with run.change() as c:
        restricted.record_inclusion(
            c,
            command=command,
            codes=codes,
            on=period.end,
            period_from=period.start.isoformat(),
            period_to=period.stop.isoformat(),
            **detail,
        )


def register_commands(app: typer.Typer) -> None:
    @app.command("stats")
    def stats(
        ctx: typer.Context,
        start: str | None = FROM,
        stop: str | None = TO,
        as_of: str | None = AS_OF,
        unit: str | None = typer.Option(None, "--unit", "-u", help="Only this unit."),
        by: str = typer.Option(
            "unit",
            "--by",
            help="One row per unit, per source (第十条) or per month (of the original "
            "deadline): unit, source or month.",
        ),
        include_restricted: bool = INCLUDE_RESTRICTED,
    ) -> None:
        """Scorecards of the lead units over a period (督查评价, 第二十一条).

        For each unit: assignments due (original deadline in the period), completed on
        time (by the deadline in force, or by the original one), late, overdue at the
        period's end (and of those, urged), reports returned, extensions granted, the
        median working days to completion, the on-time rate and the rank.  A past period
        is judged as the register stood at its end.  A table shows the on-time rates as
        bars; --json and --format csv are for scripts.

        Example: duban stats --from 2026-10-01 --to 2026-12-31 --json
        """
        run: Run = ctx.obj
        from duban import render
        from duban.scorecards import Scorecards, check_by

        by = check_by(by)
        with run.reader() as r:
            period = _period(r, start, stop, as_of)
            cards = Scorecards(r, period, include_restricted=include_restricted)
            rows = cards.rows(by, unit)
        if include_restricted:
            _record(run, "stats", cards.restricted, period, by=by)
        columns = [*KEYS[by], *FIGURES]
        if run.fmt == "table":  # the rates as bars; `due` is a count here, not a date
            rows = [
                {
                    **row,
                    "due_in_period": row["due"],
                    "on_time_rate": render.bar(row["on_time_rate"]),
                }
                for row in rows
            ]
            columns = [*KEYS[by], "due_in_period", *FIGURES[1:]]
        run.emit(
            rows,
            columns=columns,
            title=_("Scorecards {start} to {stop}").format(
                start=run.day(period.start.isoformat()), stop=run.day(period.stop.isoformat())
            ),
        )

    @app.command("bulletin")
    def bulletin(
        ctx: typer.Context,
        start: str = typer.Option(..., "--from", help="The period's first day."),
        stop: str = typer.Option(..., "--to", help="The period's last day."),
        as_of: str | None = AS_OF,
        out: Path | None = typer.Option(
            None,
            "--out",
            help="Write the bulletin to this file: FILE.md (Markdown) or FILE.docx (Word, "
            "GB/T 9704); default: Markdown on stdout.",
        ),
        include_restricted: bool = INCLUDE_RESTRICTED,
    ) -> None:
        """Draft the period's bulletin (通报, 第二十二条).

        Totals (registered, closed, closing rate, in progress, overdue), the units to
        commend (setting commend_rule: all on time, nothing returned), the units to
        criticise (setting criticise_rule: still overdue after being urged) with their
        matters and days overdue, the matters closed, and the scorecards.  --json prints
        the data; otherwise the bulletin as Markdown, or a file with --out.

        Example: duban bulletin --from 2026-10-01 --to 2026-12-31 --out 通报.docx
        """
        run: Run = ctx.obj
        from duban.errors import BadValue
        from duban.scorecards import bulletin as data_of

        kind = out.suffix.lower() if out is not None else None
        if kind not in (None, ".md", ".docx"):
            raise BadValue(_("--out {file}: give a .md or a .docx file").format(file=out))
        if out is not None and not out.parent.is_dir():
            raise BadValue(
                _("--out {file}: the folder {folder} does not exist").format(
                    file=out, folder=out.parent
                )
            )
        seen: set[str] = set()
        with run.reader() as r:
            period = _period(r, start, stop, as_of)
            data = data_of(r, period, include_restricted=include_restricted, seen=seen)
        if include_restricted:
            _record(run, "bulletin", seen, period, file=str(out) if out else None)
        from duban import documents

        if kind == ".docx":
            documents.bulletin_docx(data, out, run.lang)
        elif out is not None:
            out.write_text(documents.bulletin_markdown(data, run.lang), encoding="utf-8")
        if out is not None:
            run.say(_("Wrote the bulletin to {file}").format(file=out))
        if run.fmt == "json":
            run.emit(data)
        elif run.fmt == "csv":
            run.emit(data["scorecards"], columns=[*KEYS["unit"], *FIGURES])
        elif out is None:
            from duban.render import visible

            typer.echo(visible(documents.bulletin_markdown(data, run.lang).rstrip("\n")))
