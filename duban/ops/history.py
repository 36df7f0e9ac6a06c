"""The history: every change, with who, when recorded, and the business date.

The query is the read path's (`duban.reader.Reader.history`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from duban.context import Context
from duban.reader import check_action

__all__ = ["check_action", "history"]


def history(
    ctx: Context,
    *,
    code: str | None = None,
    action: str | None = None,
    since: dt.date | None = None,
    limit: int | None = None,
) -> list[tuple[Any, str | None]]:
    """Entries oldest first, each with its matter's code (None for units, calendar, config);
    with `limit`, the last `limit` of them."""
    return ctx.reader.history(code=code, action=action, since=since, limit=limit)
