"""Deadlines (办理时限): how each is counted, set, changed and recounted, and what it was.

Every deadline on the register is a row of the `deadline` table (`models.Deadline`),
and no row is ever changed: setting a deadline adds a row, and the matter or the
assignment points at the row in force.  An assignment points at two: the deadline in
force (`deadline_id`) and its first one (`original_deadline_id`), kept through every
extension and rework (第十二条, 第十五条).  So the register can say what a deadline was on
any day (`in_force`), and milestones, lights and scorecards can judge against either.

A deadline is counted as `within` working days strictly after `counted_from` (the
start day is never counted, 民法典 第二百零一条), counted in calendar months from
`counted_from` (`within` null; the history's detail says how many months), or given by
hand as a date (`within` and `counted_from` null).  A date given by hand or counted in
months that falls on a rest day runs to the next working day (民法典 第二百零三条)
unless the setting `rest_day_due` is `keep`.  Where the count reaches a year whose holiday schedule nobody has
published, the deadline is an estimate, marked provisional, until `calendar
recompute` counts it again (`recount`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import aliased
from sqlmodel import col, or_, select

from duban.context import Context, utcnow
from duban.errors import BadValue, Refused
from duban.i18n import N_, _
from duban.models import Assignment, Deadline, Matter, Unit
from duban.settings import parse_source_deadlines
from duban.workdays import check_range


@dataclass(frozen=True)
class Due:
    """A deadline as counted: the day, and the rule (null `within`: a date given by hand)."""

    on: dt.date
    within: int | None = None
    counted_from: dt.date | None = None
    provisional: bool = False
    months: int | None = None  # counted in calendar months (a source's policy), not kept in a row

    @classmethod
    def of(cls, row: Deadline) -> Due:
        return cls(row.due_on, row.within, row.counted_from, row.provisional)

    def detail(self, prefix: str = "due") -> dict[str, object]:
        """How the history records it: the day, and what it was counted from and by."""
        out: dict[str, object] = {
            prefix: self.on,
            f"{prefix}_counted_from": self.counted_from,
            f"{prefix}_within": self.within,
            f"{prefix}_provisional": self.provisional,
        }
        if self.months is not None:
            out[f"{prefix}_months"] = self.months
        return out


def check_reach(ctx: Context, start: dt.date, due: dt.date, *, what: str = N_("deadline")) -> None:
    """A deadline within the calendar and at most the setting `deadline_years` years after
    its start (a report, a notification, a receipt): 2100-01-01 is a slip, not a plan."""
    check_range(due)
    years = int(ctx.setting("deadline_years"))
    if due > start + relativedelta(years=years):
        raise BadValue(
            _(
                "the {what} {due} is more than {n} year(s) after {start} (setting deadline_years)"
            ).format(what=_(what), due=due.isoformat(), n=years, start=start.isoformat())
        )


def check_within(within: int | None) -> None:
    if within is not None and within < 1:
        raise BadValue(
            _("--within must be 1 or more working days, not {within}").format(within=within)
        )


def count(ctx: Context, start: dt.date, within: int, *, what: str = N_("deadline")) -> Due:
    """`within` working days after `start`, provisional where a year is unpublished.

    Under a strict calendar an estimate is refused; otherwise it is kept with a warning.
    `what` names the deadline in them (marked with N_, translated here).
    """
    due = ctx.calendar.add(start, within)
    years = ctx.calendar.provisional_years(start, due)
    if years:
        names = ", ".join(str(y) for y in years)
        if ctx.strict:
            raise Refused(
                N_("strict calendar"),
                _(
                    "the holiday schedule of {years} is not loaded, so the {what} cannot be "
                    "counted exactly: load it with `duban calendar load FILE`"
                ).format(years=names, what=_(what)),
            )
        ctx.warnings.append(
            _(
                "the {what} {due} is provisional: the holiday schedule of {years} is not "
                "published or loaded; `duban calendar load` then `duban calendar recompute` "
                "will correct it"
            ).format(what=_(what), due=due.isoformat(), years=names)
        )
    return Due(due, within, start, bool(years))


def on_working_day(ctx: Context, day: dt.date, *, what: str = N_("deadline")) -> dt.date:
    """A deadline that falls on a rest day runs to the next working day (民法典 第二百零三条),
    with a warning; the setting `rest_day_due` `keep` keeps it as it is, silently."""
    if ctx.setting("rest_day_due") == "keep" or ctx.calendar.is_workday(day):
        return day
    after = ctx.calendar.add(day, 1)
    ctx.warnings.append(
        _(
            "the {what} {due} is a rest day: it runs to the next working day, {next} "
            "(民法典 第二百零三条)"
        ).format(what=_(what), due=day.isoformat(), next=after.isoformat())
    )
    return after


def count_months(ctx: Context, start: dt.date, months: int, *, what: str = N_("deadline")) -> Due:
    """`months` calendar months after `start` (2026-11-30 + 3 months: 2027-02-28), run
    to the next working day when it is a rest day (see `on_working_day`)."""
    on = start + relativedelta(months=months)
    check_range(on)
    return Due(on_working_day(ctx, on, what=what), None, start, False, months)


def by_source(
    ctx: Context,
    start: dt.date,
    source: str,
    proposal_by: str | None = None,
    *,
    what: str = N_("deadline"),
) -> Due | None:
    """The source's own default deadline from `start` (setting `source_deadlines`): the
    proposer's (npc, cppcc) if it has one, else the source's; None where it has none."""
    policy = parse_source_deadlines(ctx.setting("source_deadlines"))
    found = policy.get(proposal_by) if proposal_by else None
    found = found or policy.get(source)
    if found is None:
        return None
    n, unit = found
    if unit == "m":
        return count_months(ctx, start, n, what=what)
    return count(ctx, start, n, what=what)


def choose(
    ctx: Context,
    start: dt.date,
    *,
    due: dt.date | None,
    within: int | None,
    default: Due | None = None,
    what: str = N_("deadline"),
) -> Due:
    """A deadline from --due or --within, else `default`, else the register's default
    (15 working days after `start`, 第十二条).  A --due on a rest day runs to the next
    working day (`on_working_day`)."""
    if due is not None and within is not None:
        raise BadValue(_("give --due or --within, not both"))
    check_within(within)
    if due is not None:
        check_range(due)
        if due < start:
            raise BadValue(
                _("the {what} {due} is before {start}").format(
                    what=_(what), due=due.isoformat(), start=start.isoformat()
                )
            )
        check_reach(ctx, start, due, what=what)
        return Due(on_working_day(ctx, due, what=what))
    if within is not None:
        counted = count(ctx, start, within, what=what)
        check_reach(ctx, start, counted.on, what=what)
        return counted
    if default is not None:
        return default
    return count(ctx, start, int(ctx.setting("default_within")), what=what)


def _add(
    ctx: Context,
    matter: Matter,
    assignment: Assignment | None,
    due: Due,
    *,
    why: str,
    effective_on: dt.date,
    previous: Deadline | None = None,
) -> Deadline:
    row = Deadline(
        matter_id=matter.id,
        assignment_id=assignment.id if assignment is not None else None,
        what="assignment" if assignment is not None else "matter",
        due_on=due.on,
        counted_from=due.counted_from,
        within=due.within,
        provisional=due.provisional,
        why=why,
        previous_id=previous.id if previous is not None else None,
        effective_on=effective_on,
        recorded_at=utcnow(),
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


def set_for_matter(ctx: Context, matter: Matter, due: Due) -> Deadline:
    """The deadline of a matter just registered: in force from its receipt."""
    row = _add(ctx, matter, None, due, why="register", effective_on=matter.received_on)
    matter.deadline_id = row.id
    ctx.session.add(matter)
    return row


def set_for_assignment(ctx: Context, matter: Matter, assignment: Assignment, due: Due) -> Deadline:
    """A unit's first deadline, in force from its notification; it is also its original."""
    row = _add(ctx, matter, assignment, due, why="assign", effective_on=assignment.notified_on)
    assignment.deadline_id = assignment.original_deadline_id = row.id
    ctx.session.add(assignment)
    return row


def change(
    ctx: Context,
    matter: Matter,
    assignment: Assignment,
    due: Due,
    *,
    why: str,
    effective_on: dt.date,
) -> tuple[Deadline, Deadline]:
    """A new deadline for a unit (`rework` or `extension`); the original stays.

    Returns the deadline replaced and the new one.
    """
    before = current(ctx, assignment)
    row = _add(ctx, matter, assignment, due, why=why, effective_on=effective_on, previous=before)
    assignment.deadline_id = row.id
    ctx.session.add(assignment)
    return before, row


def correct(
    ctx: Context, matter: Matter, due: Due, *, effective_on: dt.date
) -> tuple[Deadline, Deadline]:
    """A matter's own deadline corrected (`edit`, 更正), in force from `effective_on`;
    its units' deadlines stay as they are.  Returns the deadline replaced and the new one."""
    before = current(ctx, matter)
    row = _add(ctx, matter, None, due, why="edit", effective_on=effective_on, previous=before)
    matter.deadline_id = row.id
    ctx.session.add(matter)
    return before, row


def current(ctx: Context, holder: Matter | Assignment) -> Deadline:
    """The deadline in force now, of a matter or of an assignment."""
    return ctx.session.get(Deadline, holder.deadline_id)


def original(ctx: Context, assignment: Assignment) -> Deadline:
    return ctx.session.get(Deadline, assignment.original_deadline_id)


def in_force(
    ctx: Context, matter: Matter, on: dt.date, *, assignment: Assignment | None = None
) -> Deadline | None:
    """The deadline of a matter (or of one of its assignments) as it stood on a day.

    Rows take effect on their business date; of those in effect by `on`, the latest
    holds (a recount takes the date of the deadline it corrects, so it replaces the
    estimate from the start, but not a later extension).  None before the first.
    """
    holder = (
        col(Deadline.assignment_id).is_(None)
        if assignment is None
        else col(Deadline.assignment_id) == assignment.id
    )
    query = select(Deadline).where(
        Deadline.matter_id == matter.id, holder, Deadline.effective_on <= on
    )
    order = (col(Deadline.effective_on).desc(), col(Deadline.id).desc())
    rows = ctx.session.exec(query.order_by(*order))
    return rows.first()


def changes_of(ctx: Context, matter: Matter) -> list[Deadline]:
    """Every deadline row of a matter and its assignments, in the order they were set."""
    return list(
        ctx.session.exec(
            select(Deadline).where(Deadline.matter_id == matter.id).order_by(Deadline.id)
        )
    )


@dataclass(frozen=True)
class Recount:
    """One provisional deadline counted again: its date moved, or it was confirmed."""

    code: str
    what: str  # "matter", "deadline of <unit>", "original deadline of <unit>"
    before: dt.date
    after: dt.date
    provisional: bool

    @property
    def moved(self) -> bool:
        return self.before != self.after


def recount(ctx: Context) -> list[Recount]:
    """Count every provisional deadline in force (or original) again under the calendar
    as it stands now.

    Deadlines given as dates and deadlines counted in published years are left alone.
    A deadline whose count gives the same day and is still an estimate is left too.
    Each recount adds a row that replaces the estimate from the same effective date, and
    is recorded in its matter's history as `calendar.recompute`.
    """
    cal = ctx.calendar
    today = ctx.today()
    held = aliased(Deadline)
    out: list[Recount] = []
    rows = ctx.session.exec(
        select(held, Matter)
        .join(Matter, col(Matter.id) == held.matter_id)
        .where(
            held.provisional,
            col(held.within).is_not(None),
            or_(
                col(Matter.deadline_id) == held.id,
                select(Assignment.id)
                .where(
                    or_(
                        Assignment.deadline_id == held.id,
                        Assignment.original_deadline_id == held.id,
                    )
                )
                .exists(),
            ),
        )
        .order_by(held.id)
    ).all()
    for row, matter in rows:
        due_on = cal.add(row.counted_from, row.within)
        provisional = cal.provisional_span(row.counted_from, due_on)
        if due_on == row.due_on and provisional:  # still an estimate, and still the same day
            continue
        new = Deadline(
            matter_id=row.matter_id,
            assignment_id=row.assignment_id,
            what=row.what,
            due_on=due_on,
            counted_from=row.counted_from,
            within=row.within,
            provisional=provisional,
            why="recompute",
            previous_id=row.id,
            effective_on=row.effective_on,
            recorded_at=utcnow(),
        )
        ctx.session.add(new)
        ctx.session.flush()
        what, unit = "matter", None
        if row.assignment_id is None:
            matter.deadline_id = new.id
            ctx.session.add(matter)
        else:
            assignment = ctx.session.get(Assignment, row.assignment_id)
            unit = ctx.session.get(Unit, assignment.unit_id).name
            in_force_now = assignment.deadline_id == row.id
            if in_force_now:
                assignment.deadline_id = new.id
            if assignment.original_deadline_id == row.id:
                assignment.original_deadline_id = new.id
            ctx.session.add(assignment)
            what = f"deadline of {unit}" if in_force_now else f"original deadline of {unit}"
        out.append(Recount(matter.code, what, row.due_on, due_on, provisional))
        ctx.add_to_history(
            "calendar.recompute",
            today,
            matter,
            deadline_id=new.id,
            what=row.what,
            unit=unit,
            before=row.due_on,
            after=due_on,
            provisional=provisional,
        )
    return out
