"""The supervision cycle: register, assign, report, review, close, overdue, list, show."""

from pathlib import Path

import typer

from duban.cli.command import fail
from duban.cli.options import AGAINST
from duban.cli.run import Run
from duban.errors import EXIT_FINDING, EXIT_USAGE
from duban.i18n import _

MATTER_COLUMNS = ["code", "title", "source", "received", "due", "status", "lead_units"]
ASSIGNED_COLUMNS = ["unit", "role", "responsible", "notified", "due"]
REPORT_COLUMNS = ["id", "code", "unit", "kind", "received", "written", "signed_by", "sealed",
                  "status"]  # fmt: skip
REVIEW_COLUMNS = ["id", "code", "unit", "kind", "decision", "reason", "reviewed", "new_due"]
OVERDUE_COLUMNS = ["code", "title", "unit", "responsible", "kind", "milestone", "due",
                   "days_overdue", "workdays_overdue", "light"]  # fmt: skip
LIST_COLUMNS = [*MATTER_COLUMNS, "light"]
DUE_COLUMNS = ["code", "title", "unit", "responsible", "due", "workdays_left", "light"]


def register_commands(app: typer.Typer) -> None:
    @app.command("register")
    def register(
        ctx: typer.Context,
        title: str = typer.Argument(
            ..., help="What is to be done, as the leader or document says."
        ),
        source: str = typer.Option(
            ...,
            "--source",
            "-s",
            help="第十条: decision, document, meeting, instruction, proposal, hotspot, other "
            "(or 决策, 文件, 会议, 批示, 建议提案, 热点, 其他). 人大建议 (议案) and 政协提案 "
            "are proposals that say whose, counted apart.",
        ),
        ref: str | None = typer.Option(
            None, "--ref", help="Document number or meeting name (文号)."
        ),
        leader: str | None = typer.Option(
            None, "--leader", help="The leader who gave the instruction."
        ),
        received: str | None = typer.Option(
            None,
            "--received",
            help="The day the document or instruction was received (default today).",
        ),
        due: str | None = typer.Option(None, "--due", help="The deadline, as a date."),
        within: int | None = typer.Option(
            None, "--within", help="The deadline, in working days after receipt."
        ),
        handling: str | None = typer.Option(
            None, "--handling", help="第十二条: relay, investigate, rulemaking, opinion."
        ),
        reporting: str = typer.Option(
            "once",
            "--reporting",
            help="once; immediate (随办随报: report as it happens); or periodic (定期报告: a "
            "progress report every --every N working days).",
        ),
        every: int | None = typer.Option(
            None,
            "--every",
            help="With --reporting periodic: working days between progress reports, counted "
            "from each lead unit's notification.",
        ),
        note: str | None = typer.Option(None, "--note", help="Anything the register should keep."),
        plan: str | None = typer.Option(
            None, "--plan", help="The supervision plan (督查方案, 第十一条), as text."
        ),
        plan_file: Path | None = typer.Option(
            None, "--plan-file", help="Read the supervision plan from a UTF-8 text file."
        ),
        force: bool = typer.Option(
            False,
            "--force",
            help="Register it even though it looks like a matter already on the register "
            "(an open one with the same --ref, or the same title received within 7 days).",
        ),
        restricted: bool = typer.Option(
            False,
            "--restricted",
            help="第三条: a restricted matter (涉密): listed and shown marked, left out of "
            "exports, bulletins, stats and notices unless asked (--include-restricted).",
        ),
    ) -> None:
        """Register a matter (立项登记, 第十一条).

        With no deadline given, the source's own default applies (setting
        source_deadlines: proposals within three months), else a report is due 15 working
        days after the received date (第十二条); the start day is never counted.  A --due
        on a rest day runs to the next working day (setting rest_day_due).

        Example: duban register "研究解决城区供暖问题" --source instruction --leader 张市长 --received 2026-11-02
        """
        from duban import deadlines, views
        from duban.cli.corrections import plan_of
        from duban.ops.matters import register_matter

        run: Run = ctx.obj
        plan = plan_of(plan, plan_file)
        with run.change() as c:
            matter = register_matter(
                c,
                title,
                source=source,
                ref=ref,
                leader=leader,
                received=c.date(received, what="received date"),
                due=c.date(due, what="deadline") if due is not None else None,
                within=within,
                handling=handling,
                reporting=reporting,
                every=every,
                note=note,
                plan=plan,
                force=force,
                restricted=restricted,
            )
            data = views.matter(matter, deadlines.current(c, matter))
        run.say(
            _("registered {code}, due {due}").format(code=matter.code, due=run.day(data["due"]))
        )
        run.emit(data, table=MATTER_COLUMNS[:-1])

    @app.command("assign")
    def assign(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code, e.g. DB-2026-0001."),
        lead: list[str] = typer.Option(
            [],
            "--lead",
            "-l",
            help="A lead unit (牵头单位), as UNIT or UNIT=PERSON with its responsible person; "
            "repeat for more.",
        ),
        participant: list[str] = typer.Option(
            [],
            "--participant",
            "-p",
            help="A participating unit (参加单位), as UNIT or UNIT=PERSON; repeat for more.",
        ),
        responsible: str | None = typer.Option(
            None,
            "--responsible",
            help="The responsible person (具体责任人) when one unit is named; with several, "
            "give each its own as UNIT=PERSON.",
        ),
        due: str | None = typer.Option(None, "--due", help="The units' deadline, as a date."),
        within: int | None = typer.Option(
            None, "--within", help="The units' deadline, in working days after --on."
        ),
        on: str | None = typer.Option(
            None, "--on", help="The day the units were notified (default today)."
        ),
        role: str | None = typer.Option(
            None,
            "--role",
            help="With --unit: change an assigned unit's part to lead or participant, while "
            "it has reported nothing (e.g. --role participant --unit 市教育局).",
        ),
        unit: str | None = typer.Option(
            None, "--unit", "-u", help="With --role: the assigned unit whose part changes."
        ),
    ) -> None:
        """Assign lead and participating units to a matter (第十二条).

        Each unit has its own responsible person: `--lead 市住房和城乡建设局=周涛`.  With
        neither --due nor --within the units' deadline counts from --on by the source's own
        default (setting source_deadlines: proposals within three months of assignment);
        a source without one takes the matter's deadline.  Two or more lead units each
        report separately.

        Example: duban assign DB-2026-0001 --lead 市住房和城乡建设局=周涛 --participant 东胜区人民政府=王芳 --on 2026-11-03
        """
        from duban import views
        from duban.ops.assignments import assign_units

        run: Run = ctx.obj
        if role is not None or unit is not None:
            alone = not (lead or participant or responsible or due or within is not None)
            if role is None or unit is None or not alone:
                fail(
                    _(
                        "--role ROLE --unit UNIT changes an assigned unit's part, alone: no "
                        "--lead, --participant, --responsible, --due or --within"
                    ),
                    EXIT_USAGE,
                )
            from duban.cli.corrections import change_role

            change_role(run, code, unit, role, on)
            return
        with run.change() as c:
            matter, made = assign_units(
                c,
                code,
                leads=lead,
                participants=participant,
                responsible=responsible,
                due=c.date(due, what="deadline") if due is not None else None,
                within=within,
                on=c.date(on, what="notification date"),
            )
            rows = [views.assignment(a) for a in made]
        run.say(_("assigned {n} unit(s) to {code}").format(n=len(rows), code=matter.code))
        run.emit(rows, table=ASSIGNED_COLUMNS)

    @app.command("report")
    def report(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code."),
        unit: str = typer.Option(..., "--unit", "-u", help="The lead unit that reports."),
        kind: str = typer.Option(
            ..., "--kind", "-k", help="progress (进展), final (办结) or explanation (情况说明)."
        ),
        text: str | None = typer.Option(None, "--text", help="The report's text or summary."),
        file: Path | None = typer.Option(
            None, "--file", help="Read the report's text from a UTF-8 text file."
        ),
        written: bool = typer.Option(False, "--written", help="A written report (书面报告)."),
        signed_by: str | None = typer.Option(
            None, "--signed-by", help="Who signed it (签发); must be the unit's head to close."
        ),
        sealed: bool = typer.Option(False, "--sealed", help="It bears the unit's seal (加盖公章)."),
        on: str | None = typer.Option(None, "--on", help="The day it arrived (default today)."),
        propose_due: str | None = typer.Option(
            None,
            "--propose-due",
            help="With an explanation: the deadline the unit asks for (延期).",
        ),
        attach: list[Path] = typer.Option(
            [],
            "--attach",
            help="A file to keep with the report (a sealed scan), with its SHA-256; repeat "
            "for more.",
        ),
        milestone: int | None = typer.Option(
            None,
            "--milestone",
            help="The ID of the milestone (节点目标) this report says is done "
            "(see `duban milestone list CODE`).",
        ),
        late_reason: str | None = typer.Option(
            None,
            "--late-reason",
            help="Why it comes late: needed on an explanation asking for an extension "
            "after the deadline passed (第十二条).",
        ),
    ) -> None:
        """Enter a lead unit's report (第十二条).

        Only a lead unit reports: participating units report through their lead.  Paper
        reports arrive days before they are entered: --on is the day it arrived.
        --milestone ID reports on a milestone; --attach FILE keeps a copy of a sealed scan
        with its SHA-256; an extension asked for after the deadline needs --late-reason.

        Example: duban report DB-2026-0001 --unit 市住房和城乡建设局 --kind final --text "已完成" --written --signed-by 王强 --sealed --on 2026-11-20 --attach 报告.pdf
        """
        run: Run = ctx.obj
        if (text is None) == (file is None):
            fail(
                _("give the report's text with --text TEXT or --file PATH (one of them)"),
                EXIT_USAGE,
            )
        from duban import views
        from duban.files import read_text

        file_name = None
        if file is not None:
            text, file_name = read_text(file), file.name
        from duban.ops.reports import add_report

        with run.change() as c:
            rep, matter, reporter = add_report(
                c,
                code,
                unit=unit,
                kind=kind,
                text=text or "",
                file_name=file_name,
                written=written,
                signed_by=signed_by,
                sealed=sealed,
                on=c.date(on, what="report date"),
                propose_due=c.date(propose_due, what="proposed deadline") if propose_due else None,
                attach=attach,
                milestone=milestone,
                late_reason=late_reason,
            )
            data = views.report(rep, reporter, matter.code)
            if attach:  # the files kept, each with its SHA-256
                data["attachments"] = [views.attachment(f) for f in c.reader.attachments(matter.id)
                                       if f.report_id == rep.id]  # fmt: skip
        run.say(
            _(
                "report {id} from {unit} on {code}: review it with "
                "`duban review {id} --accept` or `--return --reason ...`"
            ).format(id=rep.id, unit=reporter.name, code=matter.code)
        )
        run.emit(data, table=REPORT_COLUMNS)

    @app.command("review")
    def review(
        ctx: typer.Context,
        report_id: int = typer.Argument(..., help="The report's ID (printed by `duban report`)."),
        accept: bool = typer.Option(False, "--accept", help="Accept the report."),
        return_: bool = typer.Option(False, "--return", help="Return it for rework (第十五条)."),
        reason: str | None = typer.Option(None, "--reason", help="Why it is returned."),
        within: int | None = typer.Option(
            None, "--within", help="Rework deadline in working days after the review (default 15)."
        ),
        due: str | None = typer.Option(None, "--due", help="Rework deadline as a date."),
        on: str | None = typer.Option(None, "--on", help="The day of the review (default today)."),
    ) -> None:
        """Review a report: accept it, or return it for rework with a new deadline (第十五条).

        Accepting a final report completes the unit's part, if the report is written, signed
        by the unit's head and sealed (第十二条).  Accepting an explanation with a proposed
        deadline extends the unit's deadline; the original deadline is kept.

        Example: duban review 3 --return --reason "未附整改清单" --within 10 --on 2026-11-24
        """
        run: Run = ctx.obj
        if accept == return_:
            fail(_("say --accept or --return (one of them)"), EXIT_USAGE)
        from duban import views
        from duban.ops.reports import review_report

        with run.change() as c:
            rv, rep, assigned, matter = review_report(
                c,
                report_id,
                accept=accept,
                reason=reason,
                within=within,
                due=c.date(due, what="rework deadline") if due is not None else None,
                on=c.date(on, what="review date"),
            )
            data = views.reviewed(rv, rep, assigned, matter.code)
        if accept:
            run.say(_("report {id} accepted").format(id=rep.id))
        else:
            from duban.render import provisional

            due_on = run.day(data["assignment"]["due"])
            mark = provisional(run.lang) if data["assignment"]["due_provisional"] else ""
            run.say(
                _("report {id} returned; {unit} is due {due}").format(
                    id=rep.id, unit=assigned.unit.name, due=due_on + mark
                )
            )
        run.emit(data, table=REVIEW_COLUMNS)

    @app.command("close")
    def close(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code."),
        on: str | None = typer.Option(None, "--on", help="The day it is closed (default today)."),
    ) -> None:
        """Close a matter (办结) once every lead unit's final report was accepted.

        The matter stays in the register.

        Example: duban close DB-2026-0001 --on 2026-11-25
        """
        from duban import deadlines, views
        from duban.ops.closing import close_matter

        run: Run = ctx.obj
        with run.change() as c:
            matter = close_matter(c, code, on=c.date(on, what="closing date"))
            data = views.matter(matter, deadlines.current(c, matter))
        run.say(_("closed {code}").format(code=matter.code))
        run.emit(data, table=["code", "title", "status", "closed"])

    @app.command("overdue")
    def overdue(
        ctx: typer.Context,
        today: bool = typer.Option(
            False, "--today", help="As of today in the office's time zone (default)."
        ),
        as_of: str | None = typer.Option(None, "--as-of", help="As of this date."),
        unit: str | None = typer.Option(None, "--unit", "-u", help="Only this unit."),
        limit: int | None = typer.Option(
            None, "--limit", help="Only the N most overdue (the rest are not read)."
        ),
        exit_code: bool = typer.Option(
            False, "--exit-code", help="Exit 1 when anything is overdue (for cron and scripts)."
        ),
        against: str = AGAINST,
    ) -> None:
        """List what is overdue (逾期), most overdue first.

        Every open lead assignment whose deadline is before the date, and every matter past
        its deadline that was never assigned.  A deadline day is met if the report arrives on
        it.  Also every milestone past its deadline and not met, and every periodic report
        missed (JSON `kind`: deadline, milestone or periodic).  Quiet when nothing is
        overdue.

        Example: duban overdue --as-of 2026-11-26 --json
        """
        run: Run = ctx.obj
        if today and as_of:
            fail(_("give --today or --as-of, not both"), EXIT_USAGE)
        from duban import views
        from duban.reader import check_against

        against = check_against(against)
        with run.reader() as r:
            day = r.date(as_of, what="as-of date")
            found = [0]

            def rows():
                for late in r.overdue(day, unit=unit, limit=limit, against=against):
                    found[0] += 1
                    yield views.overdue(late)

            run.emit(
                rows(),  # printed as they come
                # CSV names its columns even when nothing is overdue; JSON is then [].
                table=OVERDUE_COLUMNS,
                columns=list(views.OVERDUE_KEYS),
                title=_("Overdue as of {day}").format(day=run.day(day.isoformat())),
            )
        if exit_code and found[0]:
            raise typer.Exit(EXIT_FINDING)

    @app.command("list")
    def list_(
        ctx: typer.Context,
        status: str | None = typer.Option(
            None, "--status", help="registered, assigned or closed (已立项, 办理中, 已办结)."
        ),
        unit: str | None = typer.Option(
            None, "--unit", "-u", help="Matters this unit is assigned."
        ),
        source: str | None = typer.Option(
            None,
            "--source",
            "-s",
            help="One source (第十条); 人大建议 or 政协提案 lists only those proposals.",
        ),
        search: str | None = typer.Option(
            None, "--search", help="Text in the title, reference, leader, note or code."
        ),
        limit: int | None = typer.Option(None, "--limit", help="At most this many matters."),
        light: str | None = typer.Option(
            None, "--light", help="Only matters with this warning light: red, yellow or green."
        ),
        as_of: str | None = typer.Option(
            None, "--as-of", help="Judge the warning lights on this date (default today)."
        ),
        against: str = AGAINST,
    ) -> None:
        """List the matters on the register (all of them unless --limit).

        Example: duban list --status assigned --unit 市教育局 --json
        """
        from duban import views
        from duban.reader import check_against

        run: Run = ctx.obj
        against = check_against(against)
        with run.reader() as r:
            day = r.date(as_of, what="as-of date")
            found = r.matters(
                status=status, unit=unit, source=source, search=search, limit=limit,
                as_of=day, light=light, against=against,
            )  # fmt: skip
            # Printed as the rows come: a listing of every matter holds a page in memory.
            run.emit((views.listed(item) for item in found), columns=LIST_COLUMNS)

    @app.command("show")
    def show(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code."),
        as_of: str | None = typer.Option(
            None,
            "--as-of",
            help="Show the matter as it stood on this date, by business dates: deadlines "
            "then in force, reports received and reviews made by then, lights on the day.",
        ),
    ) -> None:
        """Show one matter: its assignments, reports, reviews, deadlines and full history.

        Example: duban show DB-2026-0001 --json
        """
        from duban import past, render, views

        run: Run = ctx.obj
        with run.reader() as r:
            day = r.date(as_of, what="as-of date")
            found = r.dossier(r.find_matter(code), day)
            if as_of is not None:  # as the register stood on that day
                found = past.as_it_stood(r, found, day)
            data = views.dossier(found)
        render.dossier(data, run.fmt, run.lang)

    @app.command("due")
    def due(
        ctx: typer.Context,
        within: int = typer.Option(
            ..., "--within", help="Falling due in the next N working days (1 or more)."
        ),
        unit: str | None = typer.Option(None, "--unit", "-u", help="Only this unit."),
        as_of: str | None = typer.Option(
            None, "--as-of", help="Looking ahead from this date (default today)."
        ),
        against: str = AGAINST,
    ) -> None:
        """List what falls due soon (即将到期), soonest first, with its warning light.

        Every open lead assignment, and every matter never assigned, whose deadline is after
        the date and on or before its Nth working day.

        Example: duban due --within 5 --as-of 2026-11-16 --json
        """
        run: Run = ctx.obj
        if within < 1:
            fail(_("--within must be 1 or more, not {n}").format(n=within), EXIT_USAGE)
        from duban import views
        from duban.reader import check_against

        against = check_against(against)
        with run.reader() as r:
            day = r.date(as_of, what="as-of date")
            run.emit(
                (
                    views.due_soon(row)
                    for row in r.due_soon(day, within, unit=unit, against=against)
                ),
                table=DUE_COLUMNS,
                columns=list(views.DUE_KEYS),
                title=_("Due within {n} working days of {day}").format(
                    n=within, day=run.day(day.isoformat())
                ),
            )

    @app.command("summary")
    def summary(
        ctx: typer.Context,
        as_of: str | None = typer.Option(None, "--as-of", help="As of this date (default today)."),
        against: str = AGAINST,
    ) -> None:
        """One screen for the leader (督办概况): matters open, due this week (the next 5
        working days), overdue and closed this month, and the same for each lead unit.

        Example: duban summary --as-of 2026-11-26 --json
        """
        from duban import render, views
        from duban.reader import check_against

        run: Run = ctx.obj
        against = check_against(against)
        with run.reader() as r:
            data = views.summary(r.summary(r.date(as_of, what="as-of date"), against=against))
        render.summary(data, run.fmt, run.lang)
