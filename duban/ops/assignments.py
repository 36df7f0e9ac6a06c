"""assign: name the lead and participating units of a matter (第十一条, 第十二条)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from duban.context import Context, Deadline, utcnow
from duban.errors import BadValue, Refused
from duban.models import Assignment, Matter, Unit
from duban.ops.matters import deadline_for, find_matter
from duban.ops.units import find_unit


def matter_deadline(matter: Matter) -> Deadline:
    return Deadline(matter.due_on, matter.due_within, matter.due_from, matter.due_provisional)


def assign_units(
    ctx: Context,
    code: str,
    *,
    leads: list[str],
    participants: list[str] | None = None,
    responsible: str | None = None,
    due: dt.date | None = None,
    within: int | None = None,
    on: dt.date | None = None,
) -> tuple[Matter, list[tuple[Assignment, Unit]]]:
    """Assign units to a matter.  `on` is the day they were notified; `within` counts from it.

    With neither `due` nor `within` an assignment takes the matter's deadline.  Two or
    more lead units each report separately (第十二条).
    """
    participants = participants or []
    matter = find_matter(ctx, code)
    if matter.status == "closed":
        raise Refused("第十一条", f"{matter.code} is closed: nothing more to assign")
    if not leads and not participants:
        raise BadValue("name at least one unit: --lead UNIT or --participant UNIT")
    named = [(find_unit(ctx, name), "lead") for name in leads]
    named += [(find_unit(ctx, name), "participant") for name in participants]
    seen: dict[int, str] = {}
    for unit, role in named:
        if unit.id in seen:
            raise BadValue(f"{unit.name} is named twice: a unit has one role in a matter")
        seen[unit.id] = role
    existing = {
        a.unit_id: a
        for a in ctx.session.exec(select(Assignment).where(Assignment.matter_id == matter.id))
    }
    for unit, _ in named:
        if unit.id in existing:
            raise Refused(
                "第十二条",
                f"{unit.name} is already a {existing[unit.id].role} unit of {matter.code}",
            )
    if not leads and not any(a.role == "lead" for a in existing.values()):
        raise Refused(
            "第十二条",
            f"{matter.code} has no lead unit: participating units work with a lead unit "
            "(name one with --lead)",
        )
    notified = on or ctx.today()
    if notified < matter.received_on:
        raise BadValue(
            f"the units cannot be notified on {notified.isoformat()}, before the matter was "
            f"received ({matter.received_on.isoformat()})"
        )
    deadline = deadline_for(ctx, notified, due=due, within=within, default=matter_deadline(matter))
    made: list[tuple[Assignment, Unit]] = []
    for unit, role in named:
        assignment = Assignment(
            matter_id=matter.id,
            unit_id=unit.id,
            role=role,
            responsible=(responsible or "").strip() or None,
            notified_on=notified,
            due_on=deadline.due,
            due_within=deadline.within,
            due_from=deadline.start,
            due_provisional=deadline.provisional,
            original_due_on=deadline.due,
            original_due_within=deadline.within,
            original_due_from=deadline.start,
            original_due_provisional=deadline.provisional,
            status="open",
            created_at=utcnow(),
        )
        ctx.session.add(assignment)
        ctx.session.flush()
        ctx.record(
            "assign",
            notified,
            matter,
            assignment_id=assignment.id,
            unit=unit.name,
            role=role,
            responsible=assignment.responsible,
            notified=notified,
            due=deadline.due,
            due_within=deadline.within,
            due_provisional=deadline.provisional,
        )
        made.append((assignment, unit))
    if matter.status == "registered":
        matter.status = "assigned"
        ctx.session.add(matter)
    return matter, made
