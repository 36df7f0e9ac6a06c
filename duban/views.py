"""The shapes the CLI shows: plain dicts with English snake_case keys, ISO dates.

JSON is the same whatever the language; tables take their labels from here too.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from duban.models import Assignment, Event, Matter, Report, Review, Unit


def iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()


def matter(m: Matter, leads: list[str] | None = None) -> dict[str, Any]:
    out = {
        "code": m.code,
        "title": m.title,
        "source": m.source,
        "source_ref": m.source_ref,
        "leader": m.leader,
        "handling": m.handling,
        "reporting": m.reporting,
        "received": iso(m.received_on),
        "due": iso(m.due_on),
        "due_provisional": m.due_provisional,
        "status": m.status,
        "closed": iso(m.closed_on),
        "note": m.note,
    }
    if leads is not None:
        out["lead_units"] = leads
    return out


def unit(u: Unit, parent: str | None = None) -> dict[str, Any]:
    return {
        "name": u.name,
        "code": u.code,
        "kind": u.kind,
        "head": u.head,
        "parent": parent,
    }


def assignment(a: Assignment, u: Unit) -> dict[str, Any]:
    return {
        "unit": u.name,
        "role": a.role,
        "responsible": a.responsible,
        "notified": iso(a.notified_on),
        "due": iso(a.due_on),
        "due_provisional": a.due_provisional,
        "original_due": iso(a.original_due_on),
        "original_due_provisional": a.original_due_provisional,
        "status": a.status,
        "completed": iso(a.completed_on),
    }


def review(r: Review | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "decision": r.decision,
        "reason": r.reason,
        "reviewed": iso(r.reviewed_on),
        "new_due": iso(r.new_due_on),
        "by": r.created_by,
    }


def report(r: Report, u: Unit, code: str, rv: Review | None = None) -> dict[str, Any]:
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
        "status": r.status,
        "text": r.text,
        "file_name": r.file_name,
        "review": review(rv),
    }


def event(e: Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "action": e.action,
        "effective_on": iso(e.effective_on),
        "recorded_at": iso(e.recorded_at),
        "actor": e.actor,
        "detail": json.loads(e.detail),
    }
