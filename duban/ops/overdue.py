"""overdue (逾期): who is late on a given day, most overdue first.

The query is the read path's (`duban.reader.Reader.overdue`), which the CLI runs on
the driver alone; this is the same for a Python user holding a Context.
"""

from __future__ import annotations

import datetime as dt

from duban.context import Context
from duban.reader import OverdueRow

__all__ = ["OverdueRow", "overdue"]


def overdue(
    ctx: Context, as_of: dt.date, *, unit: str | None = None, limit: int | None = None
) -> list[OverdueRow]:
    """Who is late on `as_of`, most overdue first (at most `limit`)."""
    return list(ctx.reader.overdue(as_of, unit=unit, limit=limit))
