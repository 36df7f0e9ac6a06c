"""close: 办结, once every lead unit's final report was accepted (第十一条, 第十二条)."""

from __future__ import annotations

import datetime as dt

from duban.context import Context
from duban.errors import Refused
from duban.models import Matter
from duban.ops.assignments import assignments_of
from duban.ops.matters import find_matter


def close_matter(ctx: Context, code: str, *, on: dt.date | None = None) -> Matter:
    matter = find_matter(ctx, code)
    if matter.status == "closed":
        raise Refused("第十一条", f"{matter.code} was already closed on {matter.closed_on}")
    leads = [
        (a.assignment, a.unit)
        for a in assignments_of(ctx, [matter.id])[matter.id]
        if a.assignment.role == "lead"
    ]
    if not leads:
        raise Refused("第十一条", f"{matter.code} has no lead unit yet: assign one, then close")
    waiting = [u.name for a, u in leads if a.status != "done"]
    if waiting:
        raise Refused(
            "第十二条",
            f"{matter.code} waits for the accepted final report of {', '.join(waiting)}",
        )
    closed = ctx.business_day(
        on,
        not_before=max(a.completed_on for a, _ in leads if a.completed_on),
        refusal=f"{matter.code} cannot close on {{day}}, before its last final report was "
        "accepted ({limit})",
    )
    matter.status = "closed"
    matter.closed_on = closed
    ctx.session.add(matter)
    ctx.add_to_history("matter.close", closed, matter, closed=closed)
    return matter
