"""The office's notices to a unit: `notice` (督办通知单, 催办通知书) in the official layout."""

import sys
from pathlib import Path

import typer

from duban.cli.restricted import INCLUDE_RESTRICTED
from duban.cli.run import Run
from duban.errors import BadValue
from duban.i18n import _


def register_commands(app: typer.Typer) -> None:
    @app.command("notice")
    def notice(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code."),
        kind: str = typer.Option(
            ...,
            "--kind",
            help="assign: the supervision notice (督办通知单); urge: the urging notice (催办通知书).",
        ),
        unit: str | None = typer.Option(
            None,
            "--unit",
            "-u",
            help="The unit it goes to (default: the first lead unit; for urge, the first overdue).",
        ),
        out: Path | None = typer.Option(
            None, "--out", help="Write it as a Word file (.docx); without it, print it as Markdown."
        ),
        on: str | None = typer.Option(None, "--on", help="The notice's date (default today)."),
        report_within: int | None = typer.Option(
            None,
            "--report-within",
            help="urge: working days after --on to report by (default: the setting "
            "urge_report_within, 3).",
        ),
        include_restricted: bool = INCLUDE_RESTRICTED,
    ) -> None:
        """Write the notice of a matter to one unit, in the official layout (GB/T 9704).

        --kind assign is the supervision notice (督办通知单): the matter, its source, the
        requirements, the units, the deadline, how to report.  --kind urge is the urging
        notice (催办通知书): the deadline passed and the days overdue, the times urged, the
        day to report by (第十二条); it opens with the words `duban urge` prints.  Each
        notice is numbered by kind within the year and recorded in the history
        (notice.write).  A restricted matter (第三条) needs --include-restricted.

        Example: duban notice DB-2026-0001 --kind urge --on 2026-11-26 --out 催办通知书.docx
        """
        from duban import documents, views
        from duban.ops.documents import notice as write_notice

        run: Run = ctx.obj
        if out is not None and out.suffix.lower() != ".docx":
            raise BadValue(_("{file}: a notice is written as a Word file (.docx)").format(
                file=str(out)))  # fmt: skip
        if out is not None and not out.parent.is_dir():
            raise BadValue(_("{folder} is not a folder").format(folder=str(out.parent)))
        with run.change() as c:
            fields = write_notice(
                c,
                code,
                kind.strip().lower(),
                unit=unit,
                on=c.date(on, what="notice date") if on else None,
                include_restricted=include_restricted,
                report_within=report_within,
                file=str(out) if out is not None else None,
            )
            data = views.notice(fields)
            if out is not None:  # written before the commit: no record without the file
                documents.notice_docx(data, out, run.lang)
        if out is not None:
            run.say(_("wrote {number} to {file}").format(number=data["number"], file=str(out)))
            run.emit(data, table=["number", "code", "unit", "due"])
            return
        if run.fmt == "table":
            from duban.render import visible

            sys.stdout.write(visible(documents.notice_markdown(data, run.lang)))
            return
        run.emit(data)
