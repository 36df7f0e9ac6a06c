"""Milestones (节点目标, 第十一条 分解工作任务, 第十二条): steps of a matter with deadlines of
their own, met by a report that names them (`report --milestone`)."""

from __future__ import annotations

import datetime as dt

from duban import deadlines
from duban.context import Context, utcnow
from duban.errors import BadValue, NotFound, Refused
from duban.i18n import N_, _
from duban.models import MAX_ID, Assignment, Matter, Milestone, Unit
from duban.ops.assignments import find_assignment
from duban.ops.follow import _open_matter
from duban.ops.matters import find_matter
from duban.ops.units import find_unit
from duban.text import name as clean_name


def add_milestone(
    ctx: Context,
    code: str,
    title: str,
    *,
    due: dt.date | None = None,
    within: int | None = None,
    unit: str | None = None,
    on: dt.date | None = None,
) -> tuple[Milestone, Matter, Unit | None]:
    """Add a milestone to an open matter: its deadline given as a date or counted in
    working days from `on` (default today); with `unit`, the lead unit it falls to."""
    matter = find_matter(ctx, code)
    _open_matter(matter, _("it takes no more milestones"))
    title = clean_name(
        title, _("a milestone needs a title that shows: {title!r}").format(title=title)
    )
    if due is None and within is None:
        raise BadValue(_("give the milestone's deadline: --due DATE or --within N"))
    assignment, reporter = None, None
    start = matter.received_on
    if unit is not None:
        reporter = find_unit(ctx, unit)
        assignment = find_assignment(ctx, matter, reporter)
        if assignment.role != "lead":
            raise Refused(
                "第十二条",
                _(
                    "{unit} is a participating unit of {code}: a milestone falls to a lead "
                    "unit, which reports for all"
                ).format(unit=reporter.name, code=matter.code),
            )
        if assignment.status == "done":
            raise Refused(
                "第十五条",
                _("{unit}'s final report on {code} was already accepted").format(
                    unit=reporter.name, code=matter.code
                ),
            )
        start = assignment.notified_on
    day = ctx.business_day(
        on,
        not_before=start,
        refusal=_("a milestone of {code} cannot be set on {day}, before {limit}"),
        code=matter.code,
    )
    due_ = deadlines.choose(ctx, day, due=due, within=within, what=N_("milestone deadline"))
    milestone = Milestone(
        matter_id=matter.id,
        assignment_id=assignment.id if assignment is not None else None,
        title=title,
        due_on=due_.on,
        counted_from=due_.counted_from,
        within=due_.within,
        provisional=due_.provisional,
        created_on=day,
        created_at=utcnow(),
        created_by=ctx.actor,
    )
    ctx.session.add(milestone)
    ctx.session.flush()
    ctx.add_to_history(
        "milestone.add",
        day,
        matter,
        milestone_id=milestone.id,
        title=title,
        unit=reporter.name if reporter is not None else None,
        **due_.detail(),
    )
    return milestone, matter, reporter


def check_milestone(
    ctx: Context, milestone_id: int, matter: Matter, assignment: Assignment, unit: Unit
) -> Milestone:
    """The milestone a report names: it must be the matter's (exit 2), and the reporting
    unit's when it falls to a unit (第十二条, exit 4)."""
    milestone = ctx.session.get(Milestone, milestone_id) if 0 < milestone_id <= MAX_ID else None
    if milestone is None:
        raise NotFound(
            _("no milestone {id}: see `duban milestone list {code}`").format(
                id=milestone_id, code=matter.code
            )
        )
    if milestone.matter_id != matter.id:
        raise BadValue(
            _("milestone {id} is not one of {code}'s: see `duban milestone list {code}`").format(
                id=milestone_id, code=matter.code
            )
        )
    if milestone.assignment_id is not None and milestone.assignment_id != assignment.id:
        owner = ctx.session.get(Assignment, milestone.assignment_id)
        other = ctx.session.get(Unit, owner.unit_id)
        raise Refused(
            "第十二条",
            _("milestone {id} falls to {other}, not {unit}").format(
                id=milestone_id, other=other.name, unit=unit.name
            ),
        )
    return milestone
