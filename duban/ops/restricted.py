"""Restricted matters (涉密事项, 第三条 保守秘密): kept out of what leaves the office.

A matter registered with `register --restricted` (or marked by `edit --restricted`) has
`matter.restricted` true.  The office's own register still shows it, marked (`list`,
`show`, `overdue`, `history`); what leaves the office leaves it out: `export`,
`bulletin`, `stats` and `notice` take `--include-restricted` to put it in, and asking
for that is recorded in the history (`restricted.include`, 纳入涉密事项).

How a command uses this module (engineers of stats, bulletin, export, notice):

1. Declare the option once, from `duban.cli.restricted`::

       from duban.cli.restricted import INCLUDE_RESTRICTED
       def bulletin(..., include_restricted: bool = INCLUDE_RESTRICTED) -> None:

2. Leave restricted matters out of the SQL (the alias is the `matter` table's)::

       sql = "SELECT ... FROM matter m JOIN ... WHERE ..." + restricted.sql_filter(include)

   The filter is plain SQL with no parameter (`AND NOT m.restricted`), the same on
   SQLite (0/1) and PostgreSQL (boolean); it does not change the `?` count of a query.
   For rows already in Python, `restricted.kept(rows, include)` or `visible(flag, include)`.

3. A command about ONE matter (`notice CODE`): `refuse_unless_included(code, flag,
   include)` raises Refused("第三条", ...) (exit 4) for a restricted matter without
   `--include-restricted`.

4. Record the asking, once per run, only when `--include-restricted` was given — even a
   command that otherwise only reads opens one change for this one entry, AFTER its
   reading succeeded and BEFORE it prints or writes its file (so a failed command
   records nothing)::

       if include_restricted:
           with run.change() as c:
               restricted.record_inclusion(c, command="bulletin", codes=codes,
                                           period_from=start, period_to=end)

   `codes` are the restricted matters that the output now holds (may be empty: the
   asking is recorded all the same); `matter=` ties the entry to one matter (a notice),
   so that the matter's own `history CODE` shows it.  `on` is the business date (default
   today in the office's zone).  Any other keyword goes into the entry's detail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from duban.errors import Refused
from duban.i18n import _

if TYPE_CHECKING:  # no ORM at import: `overdue` and `list` read with the driver alone
    from duban.context import Context
    from duban.models import HistoryEntry, Matter

T = TypeVar("T")

ACTION = "restricted.include"


def sql_filter(include: bool, alias: str = "m") -> str:
    """`""` when restricted matters are included, else `" AND NOT {alias}.restricted"`.

    Append to a WHERE clause whose `matter` table is `alias`.  No parameter: the `?`
    count of the query stays as it was.  Works on SQLite and PostgreSQL alike.
    """
    if include:
        return ""
    return f" AND NOT {alias}.restricted"


def visible(restricted: Any, include: bool) -> bool:
    """Whether a matter with this `restricted` flag (bool, 0/1 or None) may go out."""
    return include or not restricted


def kept(rows: Iterable[T], include: bool, flag: str = "restricted") -> Iterator[T]:
    """The rows that may go out: each row's attribute (or key) `flag` says restricted."""
    for row in rows:
        value = row.get(flag) if isinstance(row, dict) else getattr(row, flag, False)
        if visible(value, include):
            yield row


def refuse_unless_included(code: str, restricted: Any, include: bool) -> None:
    """A single restricted matter asked for without `--include-restricted`: exit 4."""
    if not visible(restricted, include):
        raise Refused(
            "第三条",
            _("{code} is restricted (涉密): add --include-restricted to include it").format(
                code=code
            ),
        )


def record_inclusion(
    ctx: Context,
    *,
    command: str,
    codes: Iterable[str] | None = None,
    matter: Matter | None = None,
    on: dt.date | None = None,
    **detail: object,
) -> HistoryEntry:
    """Record in the history that `command` was asked to include restricted matters.

    One entry `restricted.include` (纳入涉密事项) with who (the run's user) and when
    (recorded now; business date `on`, default today), the command, the restricted
    matters covered (`codes`, sorted) and any other `detail` (the period, the file, the
    format...).  Call it inside `with run.change() as c:`; see the module's docstring.
    """
    covered = sorted(set(codes or ()))
    return ctx.add_to_history(
        ACTION, on or ctx.today(), matter, command=command, codes=covered, **detail
    )


def set_restricted(matter: Matter, restricted: bool) -> bool:
    """Mark or unmark a matter; whether it changed."""
    if bool(matter.restricted) == restricted:
        return False
    matter.restricted = restricted
    return True
