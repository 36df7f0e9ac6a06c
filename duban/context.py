"""What every operation works with: one session, who acts, the settings, the calendar.

A Context is made for one command: the operation reads and writes through its
session (one transaction), adds each change to the history with `add_to_history`, and
counts deadlines (`duban.deadlines`) on `calendar`, the register's own calendar, with
its strictness.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlmodel import Session

from duban import chain
from duban.errors import BadValue
from duban.i18n import _
from duban.models import HistoryEntry, Matter
from duban.reader import Reader
from duban.vocab import ACTION
from duban.workdays import Calendar


def utcnow() -> dt.datetime:
    """When a change was recorded: an aware UTC instant, whatever the server's zone."""
    return dt.datetime.now(dt.UTC)


@dataclass
class Context:
    session: Session
    actor: str
    strict_calendar: bool | None = None  # --strict-calendar for one run; None: the setting
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        chain.watch(self.session)  # each entry is chained, with the state it left, at commit

    # -- settings ----------------------------------------------------------------

    @cached_property
    def reader(self) -> Reader:
        """The read path (`duban.reader`) on this session's connection, in its transaction."""
        conn = self.session.connection()
        raw = conn.connection.driver_connection
        return Reader(raw, conn.dialect.name, before=self.session.flush)

    def setting(self, key: str) -> str:
        return self.reader.setting(key)

    def forget_settings(self) -> None:
        self.reader.__dict__.pop("settings", None)

    def today(self) -> dt.date:
        return self.reader.today()

    def date(self, text: str | dt.date | None, *, what: str = "date") -> dt.date:
        """A date the user typed, or today in the office's zone when none was given."""
        return self.reader.date(text, what=what)

    def business_day(
        self,
        on: dt.date | None,
        *,
        not_before: dt.date | None,
        refusal: str = "",
        **fields: object,
    ) -> dt.date:
        """The day a change took effect: `on`, or today; never before `not_before`, and
        never after today by more than the setting `future_days` (a register records
        what happened, not what is planned).

        `refusal` (already translated) says why a day before `not_before` is refused,
        with `{day}` and `{limit}` for the two dates and any other `{field}` given in
        `fields`.  Every business date a change records passes here: the one check.
        """
        day = on or self.today()
        if not_before is not None and day < not_before:
            raise BadValue(
                refusal.format(day=day.isoformat(), limit=not_before.isoformat(), **fields)
            )
        today = self.today()
        ahead = int(self.setting("future_days"))
        if (day - today).days > ahead:
            if ahead:
                message = _(
                    "{day} is after today ({today}): a register records what has happened, "
                    "and a date may run at most {n} day(s) ahead (setting future_days)"
                )
            else:
                message = _(
                    "{day} is after today ({today}): a register records what has happened "
                    "(setting future_days allows none ahead)"
                )
            raise BadValue(message.format(day=day.isoformat(), today=today.isoformat(), n=ahead))
        return day

    # -- calendar ----------------------------------------------------------------

    @property
    def calendar(self) -> Calendar:
        return self.reader.calendar

    def forget_calendar(self) -> None:
        self.reader.__dict__.pop("calendar", None)

    @property
    def strict(self) -> bool:
        if self.strict_calendar is not None:
            return self.strict_calendar
        return self.setting("strict_calendar") == "true"

    # -- history -----------------------------------------------------------------

    def unlinked_rows(self, table: str, first_id: int) -> list[tuple[str, int]]:
        """The rows of `table` above `first_id` pointing at nothing: a bulk write's own
        check of its foreign keys (`db.transaction(bulk=True)`), SQLite only."""
        from duban.db import unlinked_rows

        return unlinked_rows(self.session.connection(), table, first_id)

    def set_indexes_aside(self, tables: Sequence[str]) -> list[str]:
        """A bulk write's plain indexes of `tables` dropped until `make_indexes` (SQLite
        only: `db.set_indexes_aside`); the statements that make them again."""
        from duban.db import set_indexes_aside

        return set_indexes_aside(self.session.connection(), tables)

    def make_indexes(self, statements: Sequence[str]) -> None:
        from duban.db import make_indexes

        make_indexes(self.session.connection(), statements)

    def add_to_history(
        self,
        action: str,
        effective_on: dt.date,
        matter: Matter | None = None,
        **detail: object,
    ) -> HistoryEntry:
        """Append one change to the history, in the same transaction as the change.

        `action` is one of `duban.vocab.ACTION`'s words.
        """
        if action not in ACTION.terms:
            raise ValueError(f"not a history action: {action!r}")
        entry = HistoryEntry(
            matter_id=matter.id if matter is not None else None,
            action=action,
            detail=json.dumps(detail, ensure_ascii=False, default=_json_default, sort_keys=True),
            actor=self.actor,
            recorded_at=utcnow(),
            effective_on=effective_on,
        )
        self.session.add(entry)
        chain.track(self.session, entry)
        return entry


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot record {type(value).__name__}")


@contextmanager
def open_register(
    db: str | None = None, user: str = "python", *, strict_calendar: bool | None = None
) -> Iterator[Context]:
    """One change from Python: a Context in one transaction, committed whole or not at all.

    with open_register("register.db", user="王敏") as ctx:
        register_matter(ctx, "研究解决城区供暖问题", source="instruction")
    """
    from duban.db import engine_for, transaction

    engine = engine_for(db)
    try:
        with transaction(engine) as session:
            yield Context(session, user, strict_calendar)
    finally:
        engine.dispose()
