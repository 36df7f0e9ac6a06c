"""Corrections (更正): a clerk's mistakes put right in the open, never silently undone.

A register is evidence: each correction keeps the old and the new values and the reason
in the history.  `resembling` finds the matters a new one may duplicate (`register`
refuses it without `--force`); `unassign` takes off a unit assigned by mistake and
`change_role` changes a unit's part, both while the unit has reported nothing.
`edit_matter` corrects a matter's title, reference, leader, plan and
deadline.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import and_, or_, select

from duban.context import Context
from duban.errors import BadValue, Refused
from duban.i18n import _
from duban.models import Assignment, Matter, Report, Unit
from duban.text import name as clean_name
from duban.text import optional
from duban.vocab import ROLE

# -- duplicates -------------------------------------------------------------------------

DUPLICATE_DAYS = 7  # the same title received within a week is likely the same matter
OPEN = ("registered", "assigned")
NOT_CANCELLED = ("registered", "assigned", "closed")


def resembling(
    ctx: Context, title: str, ref: str | None, received: dt.date
) -> list[tuple[str, str]]:
    """The matters a new one may duplicate, as (code, why): an open matter with the same
    reference (文号), or one not cancelled with the same title received within
    DUPLICATE_DAYS days.  One query; each branch has its index (`ix_matter_title`,
    `ix_matter_source_ref`), so its cost does not grow with the register."""
    near = (
        received - dt.timedelta(days=DUPLICATE_DAYS),
        received + dt.timedelta(days=DUPLICATE_DAYS),
    )
    same_title = and_(
        Matter.title == title,
        Matter.status.in_(NOT_CANCELLED),
        Matter.received_on >= near[0],
        Matter.received_on <= near[1],
    )
    where = same_title
    if ref:
        where = or_(and_(Matter.status.in_(OPEN), Matter.source_ref == ref), same_title)
    found = []
    for code, other_ref in ctx.session.exec(
        select(Matter.code, Matter.source_ref).where(where).order_by(Matter.id)
    ):
        why = "ref" if ref and other_ref == ref else "title"
        found.append((code, why))
    return found


def refuse_duplicate(ref: str | None, found: list[tuple[str, str]]) -> None:
    """第十一条: one matter, one entry on the register; --force registers anyway."""
    code, why = found[0]
    if why == "ref":
        text = _(
            "{code} is open with the same reference {ref!r}: it may be the same matter; see "
            "`duban show {code}`, or give --force to register it anyway"
        )
    else:
        text = _(
            "{code} has the same title, received within {days} days: it may be the same "
            "matter; see `duban show {code}`, or give --force to register it anyway"
        )
    raise Refused("第十一条", text.format(code=code, ref=ref, days=DUPLICATE_DAYS))


# -- assignments made by mistake --------------------------------------------------------


def _changeable(ctx: Context, code: str, unit_name: str, what: str):
    """The matter, unit and assignment to correct: the matter open, the unit on it and
    not withdrawn, and nothing reported by it (a report is evidence: 第十二条)."""
    from duban.ops.assignments import find_assignment
    from duban.ops.matters import find_matter
    from duban.ops.units import find_unit

    matter = find_matter(ctx, code)
    if matter.status in ("closed", "cancelled"):
        text = {
            "closed": _("{code} is closed: {what}"),
            "cancelled": _("{code} was cancelled: {what}"),
        }[matter.status]
        raise Refused("第十一条", text.format(code=matter.code, what=what))
    unit = find_unit(ctx, unit_name)
    assignment = find_assignment(ctx, matter, unit)
    report = ctx.session.exec(
        select(Report).where(Report.assignment_id == assignment.id).order_by(Report.id)
    ).first()
    if report is not None:
        raise Refused(
            "第十二条",
            _(
                "{unit} has reported on {code} (report {id}, {kind}, {day}): its part stays "
                "as it is"
            ).format(
                unit=unit.name, code=matter.code, id=report.id, kind=report.kind,
                day=report.received_on.isoformat(),
            ),
        )  # fmt: skip
    return matter, unit, assignment


def _active(ctx: Context, matter: Matter) -> list[Assignment]:
    return list(
        ctx.session.exec(
            select(Assignment)
            .where(Assignment.matter_id == matter.id, Assignment.status != "withdrawn")
            .order_by(Assignment.id)
        )
    )


def _keeps_a_lead(ctx: Context, matter: Matter, leaving: Assignment) -> None:
    """Participating units work with a lead unit (第十二条): the last lead cannot leave
    while participants stay."""
    others = [a for a in _active(ctx, matter) if a.id != leaving.id]
    if leaving.role == "lead" and others and not any(a.role == "lead" for a in others):
        raise Refused(
            "第十二条",
            _(
                "{code} would have participating units and no lead unit: assign the right "
                "lead first (`duban assign {code} --lead UNIT`)"
            ).format(code=matter.code),
        )


def unassign(
    ctx: Context, code: str, *, unit: str, reason: str, on: dt.date | None = None
) -> tuple[Matter, Unit, Assignment]:
    """Take off a unit assigned by mistake (撤回交办) while it has reported nothing.

    The assignment stays as evidence, `withdrawn`: out of overdue, the lights, the
    summary and what a close waits for.  A matter left with no unit is `registered`
    again, judged by its own deadline.
    """
    reason = (reason or "").strip()
    if not reason:
        raise BadValue(_("say why the unit is taken off with --reason: a register is evidence"))
    matter, named, assignment = _changeable(ctx, code, unit, _("nothing to withdraw"))
    _keeps_a_lead(ctx, matter, assignment)
    day = ctx.business_day(
        on,
        not_before=assignment.notified_on,
        refusal=_("{unit} cannot be withdrawn on {day}, before it was notified ({limit})"),
        unit=named.name,
    )
    assignment.status = "withdrawn"
    ctx.session.add(assignment)
    ctx.session.flush()
    if not _active(ctx, matter):
        matter.status = "registered"
        ctx.session.add(matter)
    ctx.add_to_history(
        "assignment.remove",
        day,
        matter,
        assignment_id=assignment.id,
        unit=named.name,
        role=assignment.role,
        reason=reason,
    )
    return matter, named, assignment


def change_role(
    ctx: Context,
    code: str,
    *,
    unit: str,
    role: str,
    on: dt.date | None = None,
    reason: str | None = None,
) -> tuple[Matter, Unit, Assignment, str]:
    """Change an assigned unit's part (lead or participant) while it has reported
    nothing; returns the old role too."""
    new = ROLE.parse(role)
    matter, named, assignment = _changeable(ctx, code, unit, _("its units stay as they are"))
    old = assignment.role
    if old == new:
        raise BadValue(
            {
                "lead": _("{unit} is already a lead unit of {code}"),
                "participant": _("{unit} is already a participant unit of {code}"),
            }[new].format(unit=named.name, code=matter.code)
        )
    _keeps_a_lead(ctx, matter, assignment)
    day = ctx.business_day(
        on,
        not_before=assignment.notified_on,
        refusal=_("{unit}'s part cannot change on {day}, before it was notified ({limit})"),
        unit=named.name,
    )
    assignment.role = new
    ctx.session.add(assignment)
    ctx.add_to_history(
        "assignment.role",
        day,
        matter,
        assignment_id=assignment.id,
        unit=named.name,
        before=old,
        after=new,
        **({"reason": reason.strip()} if reason and reason.strip() else {}),
    )
    return matter, named, assignment, old


# -- a matter's own fields --------------------------------------------------------------

# What `edit` corrects: the option, and the matter's attribute (the history's key).
EDITABLE = (("title", "title"), ("ref", "source_ref"), ("leader", "leader"), ("plan", "plan"))


def edit_matter(
    ctx: Context,
    code: str,
    *,
    reason: str,
    title: str | None = None,
    ref: str | None = None,
    leader: str | None = None,
    plan: str | None = None,
    due: dt.date | None = None,
    within: int | None = None,
    on: dt.date | None = None,
    restricted: bool | None = None,
) -> tuple[Matter, dict[str, list[object]]]:
    """更正: correct a matter's title, reference, leader, plan or deadline (第十一条).

    `restricted` marks (True) or unmarks (False) a restricted matter (涉密, 第三条); that
    alone may be changed on a closed or cancelled matter too (it is still exported).

    None leaves a field as it is; an empty reference, leader or plan clears it.  A new
    deadline (`due`, or `within` working days after receipt) is a deadline row of its
    own (why `edit`), in force from `on`; the units keep theirs (a unit's deadline
    changes by review or extension).  One history entry `matter.edit` keeps each
    changed field's old and new values and the reason.  Returns the matter and the
    changes, field -> [old, new].
    """
    from duban import deadlines
    from duban.ops.matters import find_matter

    reason = (reason or "").strip()
    if not reason:
        raise BadValue(_("say why with --reason: a register is evidence"))
    given = {"title": title, "ref": ref, "leader": leader, "plan": plan}
    only_marking = all(v is None for v in given.values()) and due is None and within is None
    if only_marking and restricted is None:
        raise BadValue(
            _(
                "nothing to correct: give --title, --ref, --leader, --plan, --due, --within, "
                "--restricted or --unrestricted"
            )
        )
    matter = find_matter(ctx, code)
    if matter.status in ("closed", "cancelled") and not only_marking:
        text = {
            "closed": _("{code} is closed: {what}"),
            "cancelled": _("{code} was cancelled: {what}"),
        }[matter.status]
        raise Refused("第十一条", text.format(code=matter.code, what=_("nothing to correct")))
    day = ctx.business_day(
        on,
        not_before=matter.received_on,
        refusal=_("{code} cannot be corrected on {day}, before it was received ({limit})"),
        code=matter.code,
    )
    if title is not None:
        given["title"] = clean_name(
            title, _("a matter needs a title that shows: {title!r}").format(title=title)
        )
    changes: dict[str, list[object]] = {}
    for option, attr in EDITABLE:
        value = given[option]
        if value is None:
            continue
        new = optional(value)
        old = getattr(matter, attr)
        if new != old:
            changes[attr] = [old, new]
            setattr(matter, attr, new)
    counted: dict[str, object] = {}
    if due is not None or within is not None:
        before = deadlines.current(ctx, matter)
        due_ = deadlines.choose(ctx, matter.received_on, due=due, within=within)
        if due_.on != before.due_on:
            _before, row = deadlines.correct(ctx, matter, due_, effective_on=day)
            changes["due"] = [before.due_on, due_.on]
            counted = {
                k: v for k, v in due_.detail().items() if k != "due" and v not in (None, False)
            }
            counted["deadline_id"] = row.id
            if _active(ctx, matter):
                ctx.warnings.append(
                    _(
                        "the units of {code} keep their own deadlines: a unit's deadline "
                        "changes by review (--return --due) or an accepted extension"
                    ).format(code=matter.code)
                )
    if restricted is not None and bool(matter.restricted) != restricted:
        changes["restricted"] = [bool(matter.restricted), restricted]
        matter.restricted = restricted
    if not changes:
        raise BadValue(_("{code} already reads so: nothing to correct").format(code=matter.code))
    ctx.session.add(matter)
    ctx.add_to_history("matter.edit", day, matter, changes=changes, reason=reason, **counted)
    return matter, changes
