"""Following a matter through: urging (催办, 第十三条, 第二十二条), cancelling (撤销),
reopening (第十六条) and archiving the dossier (组卷, 移交档案部门, 第十一条)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import func, select

from duban import deadlines
from duban.context import Context, utcnow
from duban.errors import BadValue, Refused
from duban.i18n import _
from duban.models import Assignment, Matter, Unit, Urging
from duban.ops import attachments
from duban.ops.assignments import find_assignment
from duban.ops.matters import find_matter
from duban.ops.units import find_unit
from duban.reader import OverdueRow
from duban.vocab import URGE_VIA


@dataclass(frozen=True)
class Urged:
    """One urging made, with the notice to send."""

    code: str
    unit: str
    urged_on: dt.date
    via: str
    times: int  # how many times this unit was urged on this matter before
    text: str
    # For the notification (`notify_command`): the urging's row, the title, the deadline.
    urging_id: int | None = None
    title: str = ""
    due: dt.date | None = None


def _open_matter(matter: Matter, refusal: str) -> None:
    if matter.status == "closed":
        raise Refused(
            "第十一条", _("{code} is closed: {what}").format(code=matter.code, what=refusal)
        )
    if matter.status == "cancelled":
        raise Refused(
            "第十一条", _("{code} was cancelled: {what}").format(code=matter.code, what=refusal)
        )


def urging_text(matter: Matter, unit: Unit, due: dt.date, day: dt.date, times: int) -> str:
    """The urging notice's words (催办通知), the one place they are: `urge` prints them and
    the 催办通知书 (`notice --kind urge`, `duban.ops.documents`) opens with them."""
    days = (day - due).days
    if days > 0:
        text = _(
            "Urging notice on “{title}” ({code}): {unit}: the deadline was {due}, {days} "
            "day(s) ago; urged {times} time(s) before. Please handle it promptly and report "
            "how it was handled."
        )
    else:
        text = _(
            "Urging notice on “{title}” ({code}): {unit}: the deadline is {due}; urged "
            "{times} time(s) before. Please handle it promptly and report how it was handled."
        )
    return text.format(
        title=matter.title, code=matter.code, unit=unit.name, due=due.isoformat(), days=days,
        times=times,
    )  # fmt: skip


def _urge_one(
    ctx: Context,
    matter: Matter,
    assignment: Assignment,
    unit: Unit,
    day: dt.date,
    via: str,
    note: str | None,
) -> Urged:
    times = ctx.session.exec(
        select(func.count()).select_from(Urging).where(Urging.assignment_id == assignment.id)
    ).one()
    due = deadlines.current(ctx, assignment).due_on
    urging = Urging(
        matter_id=matter.id,
        assignment_id=assignment.id,
        urged_on=day,
        via=via,
        note=note,
        created_at=utcnow(),
        created_by=ctx.actor,
    )
    ctx.session.add(urging)
    ctx.session.flush()
    ctx.add_to_history(
        "urge.add", day, matter, unit=unit.name, via=via, note=note, due=due, times=times
    )
    return Urged(
        matter.code, unit.name, day, via, int(times), urging_text(matter, unit, due, day, times),
        urging.id, matter.title, due,
    )  # fmt: skip


def urge(
    ctx: Context,
    code: str,
    *,
    units: list[str] | None = None,
    on: dt.date | None = None,
    via: str = "notice",
    note: str | None = None,
) -> list[Urged]:
    """Urge units on a matter (催办): the named units, or every open lead unit overdue on `on`."""
    how = URGE_VIA.parse(via)
    matter = find_matter(ctx, code)
    _open_matter(matter, _("there is nothing to urge"))
    day = ctx.business_day(
        on,
        not_before=matter.received_on,
        refusal=_("{code} cannot be urged on {day}, before it was received ({limit})"),
        code=matter.code,
    )
    pairs: list[tuple[Assignment, Unit]] = []
    if units:
        for name in units:
            unit = find_unit(ctx, name)
            assignment = find_assignment(ctx, matter, unit)
            if assignment.status == "done":
                raise Refused(
                    "第十三条",
                    _("{unit} has completed its part of {code}: nothing to urge").format(
                        unit=unit.name, code=matter.code
                    ),
                )
            pairs.append((assignment, unit))
    else:
        for row in list(ctx.reader.overdue(day)):
            # A unit late on its deadline, a milestone and a periodic report is urged once.
            if row.code == matter.code and row.unit not in (None, *(u.name for _a, u in pairs)):
                unit = find_unit(ctx, row.unit)
                pairs.append((find_assignment(ctx, matter, unit), unit))
        if not pairs:
            raise Refused(
                "第十三条",
                _("no lead unit of {code} is overdue on {day}: name one with --unit").format(
                    code=matter.code, day=day.isoformat()
                ),
            )
    return [_urge_one(ctx, matter, a, u, day, how, note) for a, u in pairs]


def overdue_units(
    ctx: Context, day: dt.date
) -> Iterator[tuple[OverdueRow, Matter, Unit, Assignment]]:
    """The lead units overdue on `day` (`Reader.overdue`: deadlines, milestones, periodic
    reports) whose matter is open and whose part is still open now, each with its row."""
    for row in list(ctx.reader.overdue(day)):
        if row.unit is None:
            continue
        matter = find_matter(ctx, row.code)
        if matter.status not in ("registered", "assigned"):
            continue
        unit = find_unit(ctx, row.unit)
        assignment = find_assignment(ctx, matter, unit)
        if assignment.status == "open":
            yield row, matter, unit, assignment


def urge_all_overdue(
    ctx: Context, as_of: dt.date, *, via: str = "notice", note: str | None = None
) -> list[Urged]:
    """Urge every overdue lead unit on `as_of`, at most once per unit and matter that day
    (so that a cron job may run twice)."""
    how = URGE_VIA.parse(via)
    as_of = ctx.business_day(as_of, not_before=None)  # an urging is made, not planned
    made: list[Urged] = []
    for _row, matter, unit, assignment in overdue_units(ctx, as_of):
        already = ctx.session.exec(
            select(Urging.id).where(Urging.assignment_id == assignment.id, Urging.urged_on == as_of)
        ).first()
        if already is None:
            made.append(_urge_one(ctx, matter, assignment, unit, as_of, how, note))
    return made


def cancel_matter(ctx: Context, code: str, *, reason: str, on: dt.date | None = None) -> Matter:
    """Cancel a matter the leader withdrew (撤销): kept on the register, out of overdue."""
    matter = find_matter(ctx, code)
    _open_matter(matter, _("it cannot be cancelled"))
    if not reason.strip():
        raise BadValue(_("say why with --reason"))
    day = ctx.business_day(
        on,
        not_before=matter.received_on,
        refusal=_("{code} cannot be cancelled on {day}, before it was received ({limit})"),
        code=matter.code,
    )
    before = matter.status
    matter.status = "cancelled"
    ctx.session.add(matter)
    ctx.add_to_history("matter.cancel", day, matter, reason=reason.strip(), status_before=before)
    return matter


def reopen_matter(
    ctx: Context,
    code: str,
    *,
    reason: str,
    on: dt.date | None = None,
    due: dt.date | None = None,
    within: int | None = None,
) -> tuple[Matter, list[str], deadlines.Due]:
    """Reopen a closed matter not really done (第十六条): its lead units work again, with a
    new deadline (default `default_within` working days after the reopening)."""
    matter = find_matter(ctx, code)
    if matter.status != "closed":
        raise Refused(
            "第十六条",
            _("{code} is not closed: only a closed matter can be reopened").format(
                code=matter.code
            ),
        )
    if not reason.strip():
        raise BadValue(_("say why with --reason"))
    day = ctx.business_day(
        on,
        not_before=matter.closed_on,
        refusal=_("{code} cannot be reopened on {day}, before it was closed ({limit})"),
        code=matter.code,
    )
    new_due = deadlines.choose(ctx, day, due=due, within=within)
    leads = ctx.session.exec(
        select(Assignment, Unit)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(
            Assignment.matter_id == matter.id,
            Assignment.role == "lead",
            Assignment.status != "withdrawn",
        )
        .order_by(Assignment.id)
    ).all()
    names = []
    for assignment, unit in leads:
        assignment.status = "open"
        assignment.completed_on = None
        deadlines.change(ctx, matter, assignment, new_due, why="reopen", effective_on=day)
        names.append(unit.name)
    closed = matter.closed_on
    # The participating units completed with the close (ops/closing.py) help again.
    for assignment in ctx.session.exec(
        select(Assignment).where(
            Assignment.matter_id == matter.id,
            Assignment.role == "participant",
            Assignment.status == "done",
            Assignment.completed_on == closed,
        )
    ).all():
        assignment.status = "open"
        assignment.completed_on = None
        ctx.session.add(assignment)
    matter.status = "assigned"
    matter.closed_on = None
    ctx.session.add(matter)
    ctx.add_to_history(
        "matter.reopen", day, matter, reason=reason.strip(), closed=closed, units=names,
        **new_due.detail(),
    )  # fmt: skip
    return matter, names, new_due


def check_archivable(ctx: Context, code: str) -> Matter:
    """The matter, if it is closed: only a closed matter is archived (第十一条)."""
    matter = find_matter(ctx, code)
    if matter.status != "closed":
        raise Refused(
            "第十一条",
            _("{code} is not closed: only a closed matter is archived").format(code=matter.code),
        )
    return matter


def archive_matter(
    ctx: Context,
    code: str,
    files: dict[str, bytes],
    *,
    to: Path,
    transferred_on: dt.date | None = None,
) -> tuple[Matter, list[dict[str, str]]]:
    """Write the dossier's files (name -> bytes) of a closed matter into `to` and record
    them with their SHA-256; with `transferred_on`, record the transfer to the archives
    department (移交档案部门)."""
    matter = check_archivable(ctx, code)
    if not to.is_dir():
        raise BadValue(_("{folder} is not a folder").format(folder=str(to)))
    day = max(ctx.today(), matter.closed_on)
    if transferred_on is not None:
        transferred_on = ctx.business_day(
            transferred_on,
            not_before=matter.closed_on,
            refusal=_("{code} cannot be transferred on {day}, before it was closed ({limit})"),
            code=matter.code,
        )
    written = []
    for name, content in files.items():
        path = to / name
        path.write_bytes(content)
        written.append({"file": str(path), "sha256": hashlib.sha256(content).hexdigest()})
    written += attachments.export(ctx, matter, to)  # CODE-attachments/, each checked
    ctx.add_to_history("matter.archive", day, matter, files=written)
    if transferred_on is not None:
        ctx.add_to_history(
            "matter.transfer", transferred_on, matter, transferred_on=transferred_on,
            files=[w["sha256"] for w in written],
        )  # fmt: skip
    return matter, written
