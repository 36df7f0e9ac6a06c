"""One invocation of a command: where the register is, who acts, how to print.

`Run.change()` is one change (one transaction); `Run.read()` a read that takes no
write lock and never creates a register.  Once a change is committed, `committed`
says so, whatever happens to the output afterwards.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duban.cli.options import Options

if TYPE_CHECKING:
    from duban.context import Context
    from duban.reader import Reader


@dataclass
class Run:
    options: Options
    warnings: list[str] = field(default_factory=list)
    committed: bool = False  # a change was committed: nothing may report it as unmade
    said: str | None = None  # the confirmation of the change, for the person at the terminal
    created: Path | None = None  # the register file this run created, if any
    _engine: Any = None

    @property
    def fmt(self) -> str:
        return self.options.fmt

    register_lang: str = ""  # the register's setting `lang`, once the register is open

    def __post_init__(self) -> None:
        from duban import render

        render.show_dates("iso", None)  # until the register says otherwise (see _heard)

    @property
    def lang(self) -> str:
        """--lang, DUBAN_LANG, the register's setting, the locale: in that order."""
        from duban.i18n import from_environment

        return self.options.lang or self.register_lang or from_environment() or "en"

    def _heard(self, setting: Callable[[str], str]) -> None:
        """The register is open: its setting `lang` counts where no option chose, and
        tables show dates as its settings `date_format` and `timezone` say."""
        from duban import render
        from duban.dates import zone
        from duban.errors import BadValue
        from duban.i18n import set_language

        self.register_lang = setting("lang")
        set_language(self.lang)
        try:
            office = zone(setting("timezone"))
        except BadValue:  # a bad DUBAN_TZ: times stay in UTC here; "today" will say why
            office = None
        render.show_dates(setting("date_format"), office)

    @property
    def location(self) -> str:
        """The register, as a person would name it: its file, or its URL (no password)."""
        from duban.db import locate

        where = locate(self.options.db)
        if where.path is not None:
            return str(where.path)
        from sqlalchemy.engine import make_url

        return make_url(where.url).render_as_string(hide_password=True)

    def _open(self, *, create: bool) -> Any:
        if self._engine is None:
            from duban.db import open_engine

            opened = open_engine(self.options.db, create=create)
            self._engine, self.created = opened.engine, opened.created
        return self._engine

    def _context(self, session: Any) -> Context:
        from duban.context import Context

        return Context(session, self.options.user, self.options.strict_calendar)

    @contextmanager
    def change(self, *, bulk: bool = False) -> Iterator[Context]:
        """One change: a Context in one transaction, committed whole or not at all.

        `bulk`: a write of many rows that checks its own foreign keys (`db.transaction`)."""
        from duban.db import transaction

        engine = self._open(create=True)
        with transaction(engine, on_commit=self._committed, bulk=bulk) as session:
            ctx = self._context(session)
            self._heard(ctx.setting)
            yield ctx
            self.warnings.extend(ctx.warnings)

    def _committed(self) -> None:
        self.committed = True

    @contextmanager
    def read(self, *, optional: bool = False) -> Iterator[Context]:
        """A read.  `optional`: where there is no register yet, read an empty one (the
        package's calendar and the default settings) instead of refusing."""
        from duban.db import empty_engine, reading
        from duban.errors import Damaged, RegisterError

        try:
            engine = self._open(create=False)
        except RegisterError as exc:
            if not optional or self.options.db is not None and "://" in self.options.db:
                raise
            if isinstance(exc, Damaged):  # a damaged register is no empty one
                raise
            engine = self._engine = empty_engine()
        with reading(engine) as session:
            ctx = self._context(session)
            self._heard(ctx.setting)
            yield ctx
            self.warnings.extend(ctx.warnings)

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        """The read path: the register read with the database driver alone, no ORM.

        Print inside the block when the rows stream (a listing of every matter)."""
        from duban.reader import open_reader

        reader, close = open_reader(self.options.db)
        try:
            self._heard(reader.setting)
            yield reader
        finally:
            close()

    def close(self, *, failed: bool) -> None:
        """Release the register; a register this run created for a change that failed
        is removed again (bad input writes nothing)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if failed and self.created is not None and not self.committed:
            from duban.db import discard_if_unused

            discard_if_unused(self.created)

    # -- output ------------------------------------------------------------------------

    def emit(
        self,
        data: Any,
        *,
        columns: list[str] | None = None,
        table: list[str] | None = None,
        title: str | None = None,
    ) -> None:
        """Print a shape: `table` picks a table's columns, `columns` those of every format
        but JSON (a CSV of nothing still names them); a title shows over a table."""
        from duban.render import emit

        emit(data, self.fmt, columns=columns, table=table, lang=self.lang, title=title)

    def day(self, iso: str | None) -> str:
        """A date in a message, as this run's tables show dates (2026年11月20日 in Chinese,
        where the register's setting `date_format` is `chinese`)."""
        from duban.render import day

        return day(iso or "", self.lang)

    def say(self, message: str) -> None:
        """A line for the person at the terminal (stderr), never mixed into the data."""
        from duban.render import visible

        self.said = message
        if self.fmt == "table":
            sys.stderr.write(visible(message) + "\n")

    def warn(self) -> None:
        from duban.i18n import _
        from duban.render import visible

        for warning in self.warnings:
            said = _("warning: {warning}").format(warning=warning)
            sys.stderr.write("duban: " + visible(said) + "\n")
