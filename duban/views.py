"""The shapes the commands print: plain dicts with English snake_case keys, ISO dates.

Every shape is built here, once; `duban.render` turns them into tables, JSON or CSV.
JSON is the same whatever the language: tables take their labels from `render`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the ORM is imported by whoever hands these functions its rows
    from duban.deadlines import Due, Recount
    from duban.models import CalendarYear, Deadline, HistoryEntry, Matter, Report, Review, Unit
    from duban.ops.calendar import Explanation, SourceRow
    from duban.ops.config import SettingRow
    from duban.ops.verify import Verified
    from duban.reader import Assigned, Dossier, DueRow, Listed, MilestoneRow, OverdueRow
    from duban.workdays import DayInfo

Shape = dict[str, Any]


def iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()


# -- matters, units, assignments, reports --------------------------------------------


def matter(m: Matter, due: Deadline, leads: list[str] | None = None) -> Shape:
    out = {
        "code": m.code,
        "title": m.title,
        "source": m.source,
        "proposal_by": m.proposal_by,  # 第十条: npc, cppcc, or null
        "source_ref": m.source_ref,
        "leader": m.leader,
        "handling": m.handling,
        "reporting": m.reporting,
        "report_every": m.report_every,  # 定期报告: working days between progress reports
        "received": iso(m.received_on),
        "due": iso(due.due_on),
        "due_provisional": due.provisional,
        "status": m.status,
        "closed": iso(m.closed_on),
        "note": m.note,
        "restricted": bool(getattr(m, "restricted", False)),  # 涉密 (第三条)
    }
    if leads is not None:
        out["lead_units"] = leads
    return out


def listed(item: Listed) -> Shape:
    """A matter in `list`, with its warning light (null for a closed or cancelled one)."""
    return {
        **matter(item.matter, item.due, item.leads),
        "light": item.light,
        "last_report": iso(item.last_report),  # 随办随报: when it last reported
    }


def unit(u: Unit, parent: str | None = None, aliases: list[str] | None = None) -> Shape:
    return {
        "name": u.name,
        "code": u.code,
        "aliases": list(aliases or []),  # 简称
        "kind": u.kind,
        "head": u.head,
        "parent": parent,
    }


def heads(rows: list[Any]) -> list[Shape]:
    """A unit's heads (unit_head rows, in the order they took office), each with the day
    it began (`since`, null: before the register knew) and the day the next one began
    (`until`, null: the present head)."""
    return [
        {
            "head": r.head,
            "since": iso(r.since),
            "until": iso(rows[i + 1].since) if i + 1 < len(rows) else None,
            "recorded_by": r.created_by,
        }
        for i, r in enumerate(rows)
    ]


def units(rows: list[Unit], aliases: dict[int, list[str]] | None = None) -> list[Shape]:
    """Units with their parents' names (the parent of each is in the same list) and
    their short names (unit id -> names)."""
    names = {u.id: u.name for u in rows}
    aliases = aliases or {}
    return [unit(u, names.get(u.parent_id), aliases.get(u.id)) for u in rows]


def assignment(a: Assigned) -> Shape:
    return {
        "unit": a.unit.name,
        "role": a.assignment.role,
        "responsible": a.assignment.responsible,
        "notified": iso(a.assignment.notified_on),
        "due": iso(a.due.due_on),
        "due_provisional": a.due.provisional,
        "original_due": iso(a.original.due_on),
        "original_due_provisional": a.original.provisional,
        "status": a.assignment.status,
        "completed": iso(a.assignment.completed_on),
    }


def review(r: Review | None) -> Shape | None:
    if r is None:
        return None
    return {
        "decision": r.decision,
        "reason": r.reason,
        "reviewed": iso(r.reviewed_on),
        "new_due": iso(r.new_due_on),
        "by": r.created_by,
    }


def report(r: Report, u: Unit, code: str, rv: Review | None = None) -> Shape:
    return {
        "id": r.id,
        "code": code,
        "unit": u.name,
        "kind": r.kind,
        "received": iso(r.received_on),
        "written": r.written,
        "signed_by": r.signed_by,
        "sealed": r.sealed,
        "proposed_due": iso(r.proposed_due_on),
        "milestone_id": r.milestone_id,  # the milestone (节点目标) it reports done
        "late_reason": r.late_reason,  # why an extension was asked for after the deadline
        "status": r.status,
        "text": r.text,
        "file_name": r.file_name,
        "review": review(rv),
    }


def reviewed(rv: Review, rep: Report, a: Assigned, code: str) -> Shape:
    """What `review` prints: the decision on the report and the unit's part after it."""
    return {
        "id": rep.id,
        "code": code,
        "unit": a.unit.name,
        "kind": rep.kind,
        **review(rv),
        "report_status": rep.status,
        "assignment": assignment(a),
    }


def deadline(d: Deadline, unit_name: str | None) -> Shape:
    """One row of a deadline's history: whose, the day, the rule, why, from when."""
    return {
        "what": d.what,
        "unit": unit_name,
        "due": iso(d.due_on),
        "due_provisional": d.provisional,
        "counted_from": iso(d.counted_from),
        "within": d.within,
        "why": d.why,
        "effective_on": iso(d.effective_on),
        "replaces": d.previous_id,
        "id": d.id,
    }


def history_entry(e: HistoryEntry) -> Shape:
    return {
        "id": e.id,
        "action": e.action,
        "effective_on": iso(e.effective_on),
        "recorded_at": iso(e.recorded_at),
        "actor": e.actor,
        "detail": json.loads(e.detail),
    }


def history_row(e: HistoryEntry, code: str | None) -> Shape:
    """`history`: an entry with its matter's code (null for units, calendar, settings)."""
    return {"code": code, **history_entry(e)}


def dossier(d: Dossier) -> Shape:
    """`show`: the matter with its assignments, reports, deadlines and full history."""
    units_by_assignment = {a.assignment.id: a.unit.name for a in d.assignments}
    return {
        **matter(d.matter, d.due),
        "light": d.light,  # the matter's own: the worst of its lead units'
        "as_of": iso(d.as_of),  # null, or the past day it is shown as it stood
        "plan": d.matter.plan,  # 督查方案 (第十一条)
        "assignments": [{**assignment(a), "light": a.light} for a in d.assignments],
        "reports": [report(r, u, d.matter.code, rv) for r, u, rv in d.reports],
        "deadlines": [deadline(x, units_by_assignment.get(x.assignment_id)) for x in d.deadlines],
        "history": [history_entry(e) for e in d.history],
        "urgings": [urging(g, name) for g, name in d.urgings],
        "coordinations": [coordination(c) for c in d.coordinations],
        "inspections": [inspection(i) for i in d.inspections],
        "attachments": [attachment(f) for f in d.attachments],
        "milestones": [milestone(x) for x in d.milestones],
        "last_report": iso(max((r.received_on for r, _u, _v in d.reports), default=None)),
    }


def milestone(x: MilestoneRow) -> Shape:
    """A milestone (节点目标) on the day asked: met, open or overdue, with its light."""
    return {
        "id": x.id,
        "code": x.code,
        "title": x.title,
        "unit": x.unit,
        "due": iso(x.due),
        "due_provisional": x.due_provisional,
        "set_on": iso(x.set_on),
        "met_on": iso(x.met_on),
        "status": x.status,
        "light": x.light,
    }


def coordination(c: Any) -> Shape:
    """One coordination (协调) of units that disagreed; `escalated`: 提请市政府领导协调."""
    return {
        "id": c.id,
        "units": c.units.split("、"),
        "note": c.note,
        "escalated": bool(c.escalated),
        "coordinated_on": iso(c.coordinated_on),
        "by": c.created_by,
    }


def inspection(i: Any) -> Shape:
    """One inspection (督查, 第二十条): how the office checked the matter."""
    return {
        "id": i.id,
        "method": i.method,
        "note": i.note,
        "inspected_on": iso(i.inspected_on),
        "by": i.created_by,
    }


def attachment(f: Any) -> Shape:
    """A file kept beside the register, with the report or inspection it came with."""
    return {
        "id": f.id,
        "name": f.name,
        "sha256": f.sha256,
        "size": f.size,
        "report_id": f.report_id,
        "inspection_id": f.inspection_id,
    }


def urging(g: Any, unit_name: str) -> Shape:
    """One urging (催办) of a unit on a matter."""
    return {
        "unit": unit_name,
        "urged_on": iso(g.urged_on),
        "via": g.via,
        "note": g.note,
        "by": g.created_by,
    }


URGED_KEYS = ("code", "unit", "urged_on", "via", "times", "text")


def urged(u: Any) -> Shape:
    """`urge`: one urging made (`duban.ops.follow.Urged`), with the notice to send."""
    return {
        "code": u.code,
        "unit": u.unit,
        "urged_on": iso(u.urged_on),
        "via": u.via,
        "times": u.times,
        "text": u.text,
    }


# A unit's deadline as `overdue` and `due` list it; then how far past or ahead it is.
_DEADLINE_KEYS = (
    "code",
    "title",
    "unit",
    "role",
    "responsible",
    "head",
    "due",
    "original_due",
    "due_provisional",
)
# Every column of `overdue`, also named by an empty CSV listing.
OVERDUE_KEYS = (*_DEADLINE_KEYS, "days_overdue", "workdays_overdue", "kind", "milestone")


def overdue(r: OverdueRow) -> Shape:
    out = {key: getattr(r, key) for key in OVERDUE_KEYS}
    return {**out, "due": iso(r.due), "original_due": iso(r.original_due), "light": r.light,
            "restricted": r.restricted}  # fmt: skip


# Every column of `due`, also named by an empty CSV listing.
DUE_KEYS = (*_DEADLINE_KEYS, "days_left", "workdays_left", "light")


def due_soon(r: DueRow) -> Shape:
    out = {key: getattr(r, key) for key in DUE_KEYS}
    return {**out, "due": iso(r.due), "original_due": iso(r.original_due)}


def summary(s: dict[str, Any]) -> Shape:
    """`summary`: the leader's one screen (`Reader.summary`)."""
    return {**s, "as_of": iso(s["as_of"])}


def register_info(where: str, schema: int, *, created: bool) -> Shape:
    """`init`: where the register is, its schema version, whether it was just made."""
    return {"register": where, "schema": schema, "created": created}


# -- the calendar ------------------------------------------------------------------


def day(info: DayInfo) -> Shape:
    return {
        "date": info.date.isoformat(),
        "workday": info.workday,
        "kind": info.kind,
        "name": info.name or None,
        "provisional": info.provisional,
    }


def counted(start: dt.date, n: int, due: Due | None) -> Shape:
    """`calendar add`: the Nth working day after START (n = 0: START itself)."""
    return {
        "start": start.isoformat(),
        "n": n,
        "due": (due.on if due else start).isoformat(),
        "provisional": bool(due and due.provisional),
    }


def between(first: dt.date, last: dt.date, workdays: int, provisional: bool) -> Shape:
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "workdays": workdays,
        "provisional": provisional,
    }


def month(first: dt.date, days: list[DayInfo]) -> Shape:
    """`calendar show`: one month, every day described."""
    return {
        "month": f"{first.year}-{first.month:02d}",
        "first_weekday": first.weekday(),
        "provisional": any(d.provisional for d in days),
        "days": [day(d) for d in days],
    }


def explanation(ex: Explanation) -> Shape:
    """`calendar explain`: each day from the start to the deadline, and how it counted."""
    rows = []
    for info, n in ex.days:
        if info.date == ex.start:
            note = "start day: not counted"
        elif n is not None:
            note = f"working day {n}"
        else:
            note = "not a working day"
        rows.append({**day(info), "count": n, "note": note})
    return {
        "code": ex.code,
        "what": ex.what,
        "start": ex.start.isoformat(),
        "within": ex.within,
        "due": ex.due.isoformat(),
        "provisional": ex.provisional,
        "days": rows,
    }


def loaded(row: CalendarYear) -> Shape:
    """`calendar load`: the year loaded, from which file, by whom."""
    return {"year": row.year, "source": row.source, "loaded_by": row.loaded_by}


def source(r: SourceRow) -> Shape:
    return {
        "year": r.year,
        "source": r.source,
        "provisional": r.provisional,
        "loaded_at": iso(r.loaded_at),
        "loaded_by": r.loaded_by,
        "days_set": r.days_set,
    }


def recount(c: Recount) -> Shape:
    return {
        "code": c.code,
        "what": c.what,
        "before": c.before.isoformat(),
        "after": c.after.isoformat(),
        "moved": c.moved,
        "provisional": c.provisional,
    }


def setting(r: SettingRow) -> Shape:
    return {"key": r.key, "value": r.value, "default": r.default, "help": r.help}


def notice(f: Any) -> Shape:
    """`notice`: a notice's fields (`duban.ops.documents.NoticeFields`), dates in ISO."""
    import dataclasses

    return {k: iso(v) if isinstance(v, dt.date) else v for k, v in dataclasses.asdict(f).items()}


def verified(v: Verified) -> Shape:
    """`verify`: whether anything was changed outside duban, and what; the chain's head
    to write down (`--anchor` checks it later)."""
    return {
        "ok": v.ok,
        "head": v.head,
        "anchor": v.anchor,
        "entries": v.entries,
        "matters": v.matters,
        "tables": list(v.tables),
        "findings": [
            {"table": f.table, "found": f.found, "code": f.code, "id": f.id, "message": f.message}
            for f in v.findings
        ],
    }
