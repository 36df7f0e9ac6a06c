"""What is told to the office's notify command (`notify_command`, see `duban.notify`):
each new urging, and each lead unit that turned red, once for its deadline in force.

The operations here only choose the events and record what became of them; the piping
itself happens after the change that made them was committed, so that a failing
command never loses an urging.  The table `notice` keeps one row per event (`kind`,
`ref`): a red unit told once (`ok`) is not told again, one whose notice failed is told
at the next `duban notify`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import func, select

from duban import deadlines
from duban.context import Context, utcnow
from duban.i18n import _
from duban.models import Notice, Urging
from duban.ops.follow import Urged, overdue_units
from duban.ops.matters import find_matter


@dataclass(frozen=True)
class Pending:
    """An event to pipe: its kind (`urging`, `red`), what it is about, and the JSON."""

    kind: str
    ref: str
    code: str
    unit: str
    day: dt.date
    event: dict[str, Any]


def command(ctx: Context) -> str:
    """The notify command (the setting `notify_command`); empty: none."""
    return ctx.setting("notify_command")


def urgings(ctx: Context, made: Iterable[Urged]) -> list[Pending]:
    """The events of urgings just made (none when no notify command is set)."""
    if not command(ctx):
        return []
    out = []
    for u in made:
        days = (u.urged_on - u.due).days if u.due is not None else None
        out.append(
            Pending("urging", f"urging:{u.urging_id}", u.code, u.unit, u.urged_on, {
                "event": "urging",
                "code": u.code,
                "title": u.title,
                "unit": u.unit,
                "due": u.due.isoformat() if u.due is not None else None,
                "days_overdue": max(days, 0) if days is not None else None,
                "times_urged": u.times,
                "urged_on": u.urged_on.isoformat(),
                "via": u.via,
                "text": u.text,
                # 第三条: the office's command decides how a restricted matter may go out.
                "restricted": bool(find_matter(ctx, u.code).restricted),
            })
        )  # fmt: skip
    return out


def _told(ctx: Context, kind: str, ref: str) -> Notice | None:
    return ctx.session.exec(select(Notice).where(Notice.kind == kind, Notice.ref == ref)).first()


def reds(ctx: Context, day: dt.date) -> list[Pending]:
    """Each lead unit overdue on `day` (still open today), not yet told for the deadline
    it is judged by (the one in force that day); a notice that failed is due again."""
    day = ctx.business_day(day, not_before=None)  # a notice is sent of what has happened
    out = []
    for row, matter, unit, assignment in overdue_units(ctx, day):
        if row.kind != "deadline":
            continue
        due = deadlines.in_force(ctx, matter, day, assignment=assignment)
        if due is None:
            continue
        ref = f"assignment:{assignment.id}:deadline:{due.id}"
        told = _told(ctx, "red", ref)
        if told is not None and told.ok:
            continue
        times = ctx.session.exec(
            select(func.count())
            .select_from(Urging)
            .where(Urging.assignment_id == assignment.id, Urging.urged_on <= day)
        ).one()
        text = _(
            "“{title}” ({code}): {unit} is overdue: the deadline was {due}, {days} day(s) "
            "ago; urged {times} time(s)."
        ).format(
            title=matter.title, code=matter.code, unit=unit.name, due=row.due.isoformat(),
            days=row.days_overdue, times=times,
        )  # fmt: skip
        out.append(
            Pending("red", ref, matter.code, unit.name, day, {
                "event": "red",
                "code": matter.code,
                "title": matter.title,
                "unit": unit.name,
                "due": row.due.isoformat(),
                "days_overdue": row.days_overdue,
                "times_urged": int(times),
                "as_of": day.isoformat(),
                "text": text,
                "restricted": bool(matter.restricted),  # 第三条
            })
        )  # fmt: skip
    return out


def record(ctx: Context, sent: Sequence[tuple[Pending, str | None]]) -> None:
    """Record each event piped and whether it was taken (None: no error)."""
    for pending, error in sent:
        ok = error is None
        row = _told(ctx, pending.kind, pending.ref)
        if row is None:
            row = Notice(kind=pending.kind, ref=pending.ref, sent_at=utcnow(), ok=ok)
        else:
            row.sent_at, row.ok = utcnow(), ok
        ctx.session.add(row)
        ctx.add_to_history(
            "notice.send", pending.day, find_matter(ctx, pending.code), kind=pending.kind,
            ref=pending.ref, unit=pending.unit, ok=ok, error=error,
        )  # fmt: skip
