"""close: 办结, once every lead unit's final report was accepted (第十一条, 第十二条)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from duban.context import Context
from duban.errors import Refused
from duban.i18n import _
from duban.models import Assignment, Matter, Unit
from duban.ops.assignments import assignments_of
from duban.ops.matters import find_matter


def close_matter(ctx: Context, code: str, *, on: dt.date | None = None) -> Matter:
    matter = find_matter(ctx, code)
    if matter.status == "cancelled":
        raise Refused("第十一条", _("{code} was cancelled").format(code=matter.code))
    if matter.status == "closed":
        raise Refused(
            "第十一条",
            _("{code} was already closed on {day}").format(code=matter.code, day=matter.closed_on),
        )
    leads = [
        (a.assignment, a.unit)
        for a in assignments_of(ctx, [matter.id])[matter.id]
        if a.assignment.role == "lead" and a.assignment.status != "withdrawn"
    ]
    if not leads:
        raise Refused(
            "第十一条",
            _("{code} has no lead unit yet: assign one, then close").format(code=matter.code),
        )
    waiting = [u.name for a, u in leads if a.status != "done"]
    if waiting:
        raise Refused(
            "第十二条",
            _("{code} waits for the accepted final report of {units}").format(
                code=matter.code, units=", ".join(waiting)
            ),
        )
    closed = ctx.business_day(
        on,
        not_before=max(a.completed_on for a, _unit in leads if a.completed_on),
        refusal=_(
            "{code} cannot close on {day}, before its last final report was accepted ({limit})"
        ),
        code=matter.code,
    )
    # The participating units' part ends with the matter: they helped the lead, and
    # nothing of theirs stays open on a closed matter (reopen opens it again).
    helped = []
    for assignment, unit in ctx.session.exec(
        select(Assignment, Unit)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(
            Assignment.matter_id == matter.id,
            Assignment.role == "participant",
            Assignment.status == "open",
        )
        .order_by(Assignment.id)
    ).all():
        assignment.status = "done"
        assignment.completed_on = closed
        ctx.session.add(assignment)
        helped.append(unit.name)
    matter.status = "closed"
    matter.closed_on = closed
    ctx.session.add(matter)
    detail = {"participants": helped} if helped else {}
    ctx.add_to_history("matter.close", closed, matter, closed=closed, **detail)
    return matter
