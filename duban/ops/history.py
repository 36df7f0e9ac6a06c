"""The history: every change, with who, when recorded, and the business date."""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, or_, select

from duban.context import Context
from duban.errors import BadValue
from duban.models import HistoryEntry, Matter
from duban.ops.listing import check_limit
from duban.ops.matters import find_matter
from duban.vocab import ACTION, ACTION_GROUPS


def check_action(action: str) -> str:
    """A whole group (`calendar`) or one action (`calendar.recompute`)."""
    key = action.strip().lower()
    if key in ACTION_GROUPS or key in ACTION.terms:
        return key
    raise BadValue(
        f"unknown action {action!r}: use a group ({', '.join(ACTION_GROUPS)}) or one of its "
        "actions, e.g. review.return"
    )


def history(
    ctx: Context,
    *,
    code: str | None = None,
    action: str | None = None,
    since: dt.date | None = None,
    limit: int | None = None,
) -> list[tuple[HistoryEntry, str | None]]:
    """Entries oldest first, each with its matter's code (None for units, calendar, config);
    with `limit`, the last `limit` of them."""
    check_limit(limit)
    query = select(HistoryEntry, Matter.code).join(
        Matter, col(Matter.id) == HistoryEntry.matter_id, isouter=True
    )
    if code is not None:
        query = query.where(HistoryEntry.matter_id == find_matter(ctx, code).id)
    if action is not None:
        key = check_action(action)
        query = query.where(
            or_(HistoryEntry.action == key, col(HistoryEntry.action).startswith(key + "."))
        )
    if since is not None:
        query = query.where(HistoryEntry.effective_on >= since)
    query = query.order_by(col(HistoryEntry.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return list(reversed(ctx.session.exec(query).all()))
