"""Corrections (更正): edit a matter; the plan's text from --plan or --plan-file."""

from pathlib import Path

import typer

from duban.cli.command import fail
from duban.cli.run import Run
from duban.errors import EXIT_USAGE
from duban.i18n import N_, _

EDITED_COLUMNS = ["code", "title", "source_ref", "leader", "received", "due", "status"]


def plan_of(plan: str | None, plan_file: Path | None) -> str | None:
    """The supervision plan (督查方案) from --plan TEXT or --plan-file PATH (one of them)."""
    if plan is not None and plan_file is not None:
        fail(_("give the plan with --plan TEXT or --plan-file PATH, not both"), EXIT_USAGE)
    if plan_file is not None:
        from duban.files import read_text

        return read_text(plan_file)
    return plan


def register_commands(app: typer.Typer) -> None:
    _assignment_commands(app)

    @app.command("edit")
    def edit(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code."),
        reason: str | None = typer.Option(
            None, "--reason", help="Why it is corrected (required: a register is evidence)."
        ),
        title: str | None = typer.Option(None, "--title", help="The corrected title."),
        ref: str | None = typer.Option(
            None,
            "--ref",
            help='The corrected document number or meeting name (文号); "" clears it.',
        ),
        leader: str | None = typer.Option(
            None, "--leader", help='The corrected leader; "" clears it.'
        ),
        plan: str | None = typer.Option(
            None, "--plan", help='The supervision plan (督查方案), as text; "" clears it.'
        ),
        plan_file: Path | None = typer.Option(
            None, "--plan-file", help="Read the supervision plan from a UTF-8 text file."
        ),
        due: str | None = typer.Option(
            None, "--due", help="The matter's corrected deadline, as a date."
        ),
        within: int | None = typer.Option(
            None, "--within", help="The matter's corrected deadline, in working days after receipt."
        ),
        on: str | None = typer.Option(
            None, "--on", help="The day of the correction (default today)."
        ),
        restricted: bool | None = typer.Option(
            None,
            "--restricted/--unrestricted",
            help="第三条: mark the matter restricted (涉密: left out of exports, bulletins, "
            "stats and notices unless asked), or unmark it; allowed on a closed matter too.",
        ),
    ) -> None:
        """Correct a matter (更正): its title, reference, leader, plan or deadline.

        The old and new values and the reason go into the history (matter.edit); nothing
        is silently undone.  A new deadline is the matter's own, in force from --on; its
        units keep theirs (a unit's deadline changes by review or an accepted extension).
        A closed or cancelled matter is not corrected, except for --restricted and
        --unrestricted (第三条), since it is still exported.

        Example: duban edit DB-2026-0001 --ref "鄂府办发〔2026〕12号" --reason "文号录入错误" --on 2026-11-05
        """
        from duban import deadlines, views
        from duban.ops.corrections import edit_matter

        run: Run = ctx.obj
        if reason is None or not reason.strip():
            fail(_("say why with --reason: a register is evidence"), EXIT_USAGE)
        plan = plan_of(plan, plan_file)
        with run.change() as c:
            matter, changes = edit_matter(
                c,
                code,
                reason=reason or "",
                title=title,
                ref=ref,
                leader=leader,
                plan=plan,
                due=c.date(due, what="deadline") if due is not None else None,
                within=within,
                on=c.date(on, what=N_("correction date")) if on else None,
                restricted=restricted,
            )
            data = {**views.matter(matter, deadlines.current(c, matter)), "plan": matter.plan}
            data["changed"] = list(changes)
        run.say(_("corrected {code}: {fields}").format(code=matter.code, fields=", ".join(changes)))
        run.emit(data, table=EDITED_COLUMNS)


ROLE_COLUMNS = ["code", "unit", "role", "status"]


def change_role(run: Run, code: str, unit: str, role: str, on: str | None) -> None:
    """`assign CODE --role ROLE --unit UNIT`: an assigned unit's part changed."""
    from duban.ops.corrections import change_role as change

    with run.change() as c:
        matter, named, assignment, old = change(
            c, code, unit=unit, role=role, on=c.date(on, what="date") if on else None
        )
        data = {
            "code": matter.code,
            "unit": named.name,
            "role": assignment.role,
            "role_before": old,
            "status": assignment.status,
        }
    from duban.vocab import ROLE

    run.say(
        _("{unit} on {code}: now {role} (was {before})").format(
            unit=named.name,
            code=matter.code,
            role=ROLE.label(assignment.role, run.lang),
            before=ROLE.label(old, run.lang),
        )
    )
    run.emit(data, table=ROLE_COLUMNS)


def _assignment_commands(app: typer.Typer) -> None:
    @app.command("unassign")
    def unassign(
        ctx: typer.Context,
        code: str = typer.Argument(..., help="The matter's code."),
        unit: str = typer.Option(..., "--unit", "-u", help="The unit assigned by mistake."),
        reason: str = typer.Option(
            ..., "--reason", help="Why it is taken off (a register is evidence)."
        ),
        on: str | None = typer.Option(
            None, "--on", help="The day it is taken off (default today)."
        ),
    ) -> None:
        """Take off a unit assigned by mistake (撤回交办), while it has reported nothing.

        The assignment stays on the register as evidence, withdrawn (已撤回): out of
        overdue, due, the lights, the summary and what a close waits for.  A matter left
        with no unit is registered again, judged by its own deadline.  The last lead unit
        cannot leave while participating units stay: assign the right lead first.

        Example: duban unassign DB-2026-0001 --unit 市教育局 --reason "误交办" --on 2026-11-04
        """
        from duban.ops.corrections import unassign as take_off

        run: Run = ctx.obj
        with run.change() as c:
            matter, named, assignment = take_off(
                c, code, unit=unit, reason=reason, on=c.date(on, what="date") if on else None
            )
            data = {
                "code": matter.code,
                "unit": named.name,
                "role": assignment.role,
                "status": assignment.status,
                "matter_status": matter.status,
            }
        run.say(_("withdrew {unit} from {code}").format(unit=named.name, code=matter.code))
        run.emit(data, table=["code", "unit", "role", "status"])
