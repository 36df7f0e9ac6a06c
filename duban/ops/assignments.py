"""Assignments (承办): name a matter's lead and participating units (第十一条, 第十二条),
find one unit's assignment, and read a matter's assignments with their deadlines."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import select

from duban import deadlines
from duban.context import Context, utcnow
from duban.errors import BadValue, Refused
from duban.i18n import _
from duban.models import Assignment, Matter, Unit
from duban.ops.matters import find_matter
from duban.ops.units import find_unit
from duban.reader import Assigned
from duban.text import optional

_PAIR = re.compile(r"\s*[=＝]\s*")


def find_assignment(ctx: Context, matter: Matter, unit: Unit) -> Assignment:
    """The unit's assignment on the matter; refused (第十二条) if it has none."""
    assignment = ctx.session.exec(
        select(Assignment).where(Assignment.matter_id == matter.id, Assignment.unit_id == unit.id)
    ).first()
    if assignment is None:
        raise Refused(
            "第十二条",
            _("{unit} is not assigned to {code}: see `duban show {code}`").format(
                unit=unit.name, code=matter.code
            ),
        )
    if assignment.status == "withdrawn":
        raise Refused(
            "第十二条",
            _("{unit} was withdrawn from {code} (assigned by mistake): see `duban show {code}`")
            .format(unit=unit.name, code=matter.code),
        )  # fmt: skip
    return assignment


def assignments_of(ctx: Context, matter_ids: list[int]) -> dict[int, list[Assigned]]:
    """Each matter's assignments, with units and deadlines, in one query for a listing."""
    return ctx.reader.assignments_of(matter_ids)


def _named(text: str) -> tuple[str, str | None]:
    """`UNIT` or `UNIT=PERSON`: the unit and its responsible person (具体责任人)."""
    parts = _PAIR.split(text.strip(), maxsplit=1)
    if len(parts) == 1:
        return parts[0], None
    unit, person = parts[0], optional(parts[1])
    if not unit or not person:
        raise BadValue(
            _("{text!r}: name a unit and its responsible person as UNIT=PERSON").format(text=text)
        )
    return unit, person


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
) -> tuple[Matter, list[Assigned]]:
    """Assign units to a matter.  `on` is the day they were notified; `within` counts from it.

    Each unit is named as `UNIT` or `UNIT=PERSON`, PERSON being its responsible person
    (具体责任人); `responsible` names the person when only one unit is named.  With
    neither `due` nor `within` an assignment's deadline counts from `on` by its source's
    own default (setting `source_deadlines`: a proposal within three months of
    assignment); a source without one takes the matter's deadline.  Two or more lead
    units each report separately (第十二条).
    """
    participants = participants or []
    named_units = [(text, "lead") for text in leads] + [(t, "participant") for t in participants]
    if not named_units:
        raise BadValue(_("name at least one unit: --lead UNIT or --participant UNIT"))
    if responsible is not None and len(named_units) > 1:
        raise BadValue(
            _(
                "--responsible names one unit's person: with several units, give each its own "
                "as --lead UNIT=PERSON or --participant UNIT=PERSON"
            )
        )
    matter = find_matter(ctx, code)
    if matter.status == "closed":
        raise Refused(
            "第十一条", _("{code} is closed: nothing more to assign").format(code=matter.code)
        )
    named: list[tuple[Unit, str, str | None]] = []
    for text, role in named_units:
        name, person = _named(text)
        if person is not None and responsible is not None:
            raise BadValue(
                _("{unit}'s responsible person is given twice: {person} and {other}").format(
                    unit=name, person=person, other=responsible
                )
            )
        named.append((find_unit(ctx, name), role, person or optional(responsible)))
    seen: set[int] = set()
    for unit, _role, _person in named:
        if unit.id in seen:
            raise BadValue(
                _("{unit} is named twice: a unit has one role in a matter").format(unit=unit.name)
            )
        seen.add(unit.id)
    existing = {
        a.unit_id: a
        for a in ctx.session.exec(select(Assignment).where(Assignment.matter_id == matter.id))
    }
    already = {
        "lead": _("{unit} is already a lead unit of {code}"),
        "participant": _("{unit} is already a participant unit of {code}"),
    }
    for unit, _role, _person in named:
        if unit.id in existing and existing[unit.id].status == "withdrawn":
            raise Refused(
                "第十二条",
                _("{unit} was withdrawn from {code} (assigned by mistake): see `duban show {code}`")
                .format(unit=unit.name, code=matter.code),
            )  # fmt: skip
        if unit.id in existing:
            raise Refused(
                "第十二条",
                already[existing[unit.id].role].format(unit=unit.name, code=matter.code),
            )
    if not leads and not any(
        a.role == "lead" and a.status != "withdrawn" for a in existing.values()
    ):
        raise Refused(
            "第十二条",
            _(
                "{code} has no lead unit: participating units work with a lead unit "
                "(name one with --lead)"
            ).format(code=matter.code),
        )
    notified = ctx.business_day(
        on,
        not_before=matter.received_on,
        refusal=_(
            "the units cannot be notified on {day}, before the matter was received ({limit})"
        ),
    )
    default = None
    if due is None and within is None:
        default = deadlines.by_source(ctx, notified, matter.source, matter.proposal_by)
        default = default or deadlines.Due.of(deadlines.current(ctx, matter))
    due_ = deadlines.choose(ctx, notified, due=due, within=within, default=default)
    made: list[Assigned] = []
    for unit, role, person in named:
        assignment = Assignment(
            matter_id=matter.id,
            unit_id=unit.id,
            role=role,
            responsible=person,
            notified_on=notified,
            status="open",
            created_at=utcnow(),
        )
        ctx.session.add(assignment)
        ctx.session.flush()
        row = deadlines.set_for_assignment(ctx, matter, assignment, due_)
        ctx.add_to_history(
            "assignment.add",
            notified,
            matter,
            assignment_id=assignment.id,
            unit=unit.name,
            role=role,
            responsible=person,
            notified=notified,
            **due_.detail(),
        )
        made.append(Assigned(assignment, unit, row, row))
    if matter.status == "registered":
        matter.status = "assigned"
        ctx.session.add(matter)
    return matter, made
