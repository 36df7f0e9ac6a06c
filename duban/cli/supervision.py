"""The office's own work on a matter: coordinate, inspect; and notify (for cron)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from duban.cli.run import Run
from duban.i18n import N_, _

if TYPE_CHECKING:
    from duban.ops.notices import Pending

COORDINATION_COLUMNS = ["id", "code", "coordinated_on", "units", "escalated", "note"]
INSPECTION_COLUMNS = ["id", "code", "inspected_on", "method", "note", "attachments"]
NOTICE_KEYS = ["event", "code", "unit", "due", "days_overdue", "ok", "error"]

_EVENTS = {"urging": N_("the urging"), "red": N_("the red light")}


def send(run: Run, command: str, pending: list[Pending]) -> list[dict[str, Any]]:
    """Pipe each event to the notify command, after its change was committed, and record
    what became of it; a failure is a warning, never an error (the change stands)."""
    from duban.errors import DubanError
    from duban.notify import pipe
    from duban.ops import notices

    sent = []
    for p in pending:
        error = pipe(command, p.event)
        if error is not None:
            run.warnings.append(
                _("the notify command failed on {what} of {unit} on {code}: {reason}").format(
                    what=_(_EVENTS[p.kind]), unit=p.unit, code=p.code, reason=error
                )
            )
        sent.append((p, error))
    if sent:
        try:
            with run.change() as c:
                notices.record(c, sent)
        except DubanError as exc:
            run.warnings.append(
                _("the notices sent could not be recorded: {reason}").format(reason=exc.message)
            )
    return [
        {
            "event": p.kind,
            "code": p.code,
            "unit": p.unit,
            "due": p.event.get("due"),
            "days_overdue": p.event.get("days_overdue"),
            "ok": error is None,
            "error": error,
        }
        for p, error in sent
    ]


def register_commands(app: typer.Typer) -> None:
    @app.command("coordinate")
    def coordinate(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code."),
        units: list[str] = typer.Option(
            ...,
            "--units",
            help="The units that disagree, by name, code or short name: A,B (or repeat).",
        ),
        note: str = typer.Option(
            ..., "--note", help="What they disagreed on and how it was handled."
        ),
        escalate: bool = typer.Option(
            False,
            "--escalate",
            help="The office asked the city government's leaders to coordinate (第十三条).",
        ),
        on: str | None = typer.Option(
            None, "--on", help="The day of the coordination (default today)."
        ),
    ) -> None:
        """Record a disagreement between units that the office coordinated (协调, 第十二条).

        With --escalate, the office could not settle it and asked the city government's
        leaders to (提请市政府领导协调, 第十三条).  The units must be assigned to the matter.

        Example: duban coordinate DB-2026-0001 --units 市住房和城乡建设局,东胜区人民政府 --note "管网改造分工不明" --on 2026-11-10
        """
        from duban import views
        from duban.ops.supervision import coordinate as coordinate_units

        run: Run = ctx.obj
        with run.change() as c:
            row, matter = coordinate_units(
                c,
                code,
                units=units,
                note=note,
                escalate=escalate,
                on=c.date(on, what="coordination date") if on else None,
            )
            data = {"code": matter.code, **views.coordination(row)}
        said = (
            _("coordination {id} on {code} recorded: escalated to the city's leaders")
            if escalate
            else _("coordination {id} on {code} recorded")
        )
        run.say(said.format(id=row.id, code=matter.code))
        run.emit(data, table=COORDINATION_COLUMNS)

    @app.command("inspect")
    def inspect(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code."),
        method: str = typer.Option(
            ...,
            "--method",
            "-m",
            help="site-visit, hearing, meeting, survey, unannounced or records (实地督查, "
            "听取汇报, 座谈会, 问卷调查, 明察暗访, 查阅资料).",
        ),
        note: str = typer.Option(..., "--note", help="What the office found."),
        on: str | None = typer.Option(
            None, "--on", help="The day of the inspection (default today)."
        ),
        research_file: list[Path] = typer.Option(
            [],
            "--research-file",
            help="A research report (调研报告, 第十四条) to keep with the inspection, with its "
            "SHA-256; repeat for more.",
        ),
    ) -> None:
        """Record how the office checked a matter (督查, 第二十条).

        A research report given with --research-file is kept beside the register (the
        setting attachments_dir) and listed in `show` and the archived dossier.

        Example: duban inspect DB-2026-0001 --method site-visit --note "现场查看管网改造进度" --research-file 调研报告.pdf --on 2026-11-12
        """
        from duban import views
        from duban.ops.supervision import inspect as record_inspection

        run: Run = ctx.obj
        with run.change() as c:
            row, matter, kept = record_inspection(
                c,
                code,
                method=method,
                note=note,
                on=c.date(on, what="inspection date") if on else None,
                research_files=research_file,
            )
            data = {
                "code": matter.code,
                **views.inspection(row),
                "attachments": [views.attachment(f) for f in kept],
            }
        run.say(_("inspection {id} on {code} recorded").format(id=row.id, code=matter.code))
        run.emit({**data, "attachments": [f["name"] for f in data["attachments"]]}
                 if run.fmt == "table" else data, table=INSPECTION_COLUMNS)  # fmt: skip

    @app.command("notify")
    def notify(
        ctx: typer.Context,
        as_of: str | None = typer.Option(None, "--as-of", help="The day (default today)."),
    ) -> None:
        """Pipe each lead unit that turned red to the notify command (for cron).

        Each lead unit overdue on the day is piped once for the deadline it is judged by,
        as JSON on the stdin of the setting notify_command; a second run sends nothing
        new, and a notice that failed is sent again.  --json prints the notices sent ([]
        when none).  New urgings are piped by `duban urge` itself.

        Example: duban notify --as-of 2026-11-26 --json
        """
        from duban.errors import BadValue
        from duban.ops import notices

        run: Run = ctx.obj
        with run.read() as c:
            day = c.date(as_of, what="as-of date")
            command = notices.command(c)
            if not command:
                raise BadValue(
                    _("no notify command is set: `duban config notify_command 'COMMAND'`")
                )
            pending = notices.reds(c, day)
        rows = send(run, command, pending)
        failed = sum(1 for r in rows if not r["ok"])
        run.say(_("{n} notice(s) sent, {failed} failed").format(n=len(rows), failed=failed))
        run.emit(rows, columns=NOTICE_KEYS)
