"""The past as it was: a matter's dossier as the register stood on a day (`show --as-of`).

Rebuilt by business dates, not by when the clerk typed them, and from the history, not
from today's state: the units notified by then, each unit's deadline in force on the
day (an extension accepted later does not count yet; its original is kept), the reports
received by then, the reviews dated by then (a report returned later is still pending),
the urgings, coordinations and inspections by then, the history entries that took
effect by then, each unit's part then (done once its final report was accepted, open
again from a reopening, withdrawn from its withdrawal, its role before a later change),
the matter's status then (closed only from its closing, cancelled from its
cancellation, assigned once a lead unit was notified), and every light judged on the
day.  Pure over what `Reader.dossier` read: nothing more is asked of the register.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any

from duban.errors import BadValue
from duban.i18n import _
from duban.reader import Assigned, Dossier, Reader

_DECIDED = {"accept": "accepted", "return": "returned"}


def _detail(entry: Any) -> dict[str, Any]:
    try:
        found = json.loads(entry.detail or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _latest(rows: list[Any]) -> Any:
    """The row in force: the latest to take effect (a recount takes the date of the
    estimate it corrects, so it replaces it from the start)."""
    return max(rows, key=lambda x: (x.effective_on, x.id), default=None)


def _part_then(
    a: Assigned, day: dt.date, events: list[Any], history: list[Any], due: Any
) -> Assigned:
    """One unit's part as it stood after `events` (the entries that took effect by the
    day, in business order); `history` is the whole of it, for the role it began with."""
    me = a.assignment.id

    def mine(entry: Any) -> bool:
        return _detail(entry).get("assignment_id") == me

    changes = [e for e in history if e.action == "assignment.role" and mine(e)]
    changes.sort(key=lambda e: (e.effective_on, e.id))
    role = _detail(changes[0]).get("old", a.assignment.role) if changes else a.assignment.role
    completes = any(e.action == "assignment.complete" and mine(e) for e in history)
    status, completed = "open", None
    done_on = a.assignment.completed_on
    if not completes and done_on is not None and done_on <= day:
        # A history that does not name the assignment: its completion date then.
        status, completed = "done", done_on
    for e in events:
        if e.action == "assignment.complete" and mine(e):
            status, completed = "done", e.effective_on
        elif e.action == "matter.reopen" and role == "lead" and status == "done":
            status, completed = "open", None
        elif e.action == "assignment.remove" and mine(e):
            status = "withdrawn"
        elif e.action == "assignment.role" and mine(e):
            role = _detail(e).get("new", role)
    then = a.assignment._replace(status=status, completed_on=completed, role=role)
    return replace(a, assignment=then, due=due or a.due, light=None)


def as_it_stood(reader: Reader, found: Dossier, day: dt.date) -> Dossier:
    """The dossier `found` (today's, from `Reader.dossier`) as it stood on `day`."""
    matter = found.matter
    if day < matter.received_on:
        raise BadValue(
            _("{code} was received on {received}: it was not on the register on {day}").format(
                code=matter.code, received=matter.received_on.isoformat(), day=day.isoformat()
            )
        )
    history = [e for e in found.history if e.effective_on <= day]
    events = sorted(history, key=lambda e: (e.effective_on, e.id))
    deadlines = [x for x in found.deadlines if x.effective_on <= day]

    def in_force(assignment_id: int | None) -> Any:
        return _latest([x for x in deadlines if x.assignment_id == assignment_id])

    parts = [
        _part_then(a, day, events, found.history, in_force(a.assignment.id))
        for a in found.assignments
        if a.assignment.notified_on <= day
    ]
    reports = []
    for report, unit, review in found.reports:
        if report.received_on > day:
            continue
        if review is not None and review.reviewed_on > day:
            review = None  # decided later: still waiting then
        status = _DECIDED.get(review.decision, report.status) if review else "pending"
        reports.append((report._replace(status=status), unit, review))
    status, closed = "registered", None
    for e in events:
        if e.action == "matter.close":
            status, closed = "closed", e.effective_on
        elif e.action == "matter.reopen":
            status, closed = "assigned", None
        elif e.action == "matter.cancel":
            status = "cancelled"
    if status not in ("closed", "cancelled"):
        leads = [p for p in parts if p.assignment.role == "lead"]
        status = (
            "assigned" if any(p.assignment.status != "withdrawn" for p in leads) else ("registered")
        )
    kept_reports = {r.id for r, _u, _v in reports}
    inspections = tuple(i for i in found.inspections if i.inspected_on <= day)
    kept_inspections = {i.id for i in inspections}
    then = replace(
        found,
        matter=matter._replace(status=status, closed_on=closed),
        due=in_force(None) or found.due,
        assignments=reader._lit(parts, [r for r, _u, _v in reports], day),
        reports=reports,
        deadlines=deadlines,
        history=history,
        urgings=tuple((g, name) for g, name in found.urgings if g.urged_on <= day),
        coordinations=tuple(c for c in found.coordinations if c.coordinated_on <= day),
        inspections=inspections,
        attachments=tuple(f for f in found.attachments if _kept(f, kept_reports, kept_inspections)),
        milestones=tuple(x for x in found.milestones if x.set_on <= day),
        as_of=day,
    )
    return replace(then, light=reader.matter_light(then, day))


def _kept(attachment: Any, reports: set[int], inspections: set[int]) -> bool:
    """A file kept with a report or inspection the day had (others: always)."""
    if attachment.report_id is not None:
        return attachment.report_id in reports
    if attachment.inspection_id is not None:
        return attachment.inspection_id in inspections
    return True
