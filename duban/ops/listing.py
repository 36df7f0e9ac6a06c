"""Reading matters: the listing (`duban list`) and one matter whole (`duban show`).

The queries are the read path's (`duban.reader`); these give them to a Python user
holding a Context, in its transaction.
"""

from __future__ import annotations

from duban.context import Context
from duban.models import Matter
from duban.reader import Dossier, Listed, check_limit

__all__ = ["Dossier", "Listed", "check_limit", "list_matters", "matter_dossier"]


def list_matters(
    ctx: Context,
    *,
    status: str | None = None,
    unit: str | None = None,
    source: str | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[Listed]:
    return list(
        ctx.reader.matters(status=status, unit=unit, source=source, search=search, limit=limit)
    )


def matter_dossier(ctx: Context, matter: Matter) -> Dossier:
    """The matter with its assignments, reports, reviews, deadlines and full history."""
    return ctx.reader.dossier(ctx.reader.find_matter(matter.code))
