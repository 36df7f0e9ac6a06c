"""The history: every change, with who, when recorded, and the business date."""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select

from duban.context import Context
from duban.models import Event, Matter
from duban.ops.matters import find_matter


def history(
    ctx: Context,
    *,
    code: str | None = None,
    action: str | None = None,
    since: dt.date | None = None,
    limit: int | None = None,
) -> list[tuple[Event, str | None]]:
    """Events oldest first, each with its matter's code (None for units, calendar, config)."""
    query = select(Event, Matter.code).join(Matter, col(Matter.id) == Event.matter_id, isouter=True)
    if code is not None:
        query = query.where(Event.matter_id == find_matter(ctx, code).id)
    if action is not None:
        query = query.where(col(Event.action).startswith(action))
    if since is not None:
        query = query.where(Event.effective_on >= since)
    query = query.order_by(col(Event.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return list(reversed(ctx.session.exec(query).all()))
