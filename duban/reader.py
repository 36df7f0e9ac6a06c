"""The read path: the register read with plain SQL over a DB-API connection, no ORM.

Every read of the register goes through a `Reader`: the CLI's `list`, `overdue`, `show`
and `history` on a connection of the driver alone (`store.connect`, so they start as
fast as `duban --version`), and the operations in-process on the connection of their
ORM session (`Context.reader`), so both see the same rows, in the same transaction.

The schema is the one the migrations made from `duban.models`: a Reader learns each
table's columns and their declared types from the database itself, and gives rows as
named tuples with the models' attribute names (dates as dates, flags as booleans), so
`duban.views` shapes a row read here exactly as it shapes an ORM object.

Listings stream: `matters` yields rows as the cursor gives them, a page at a time, so
a listing of every matter holds a page in memory, not the register.
"""

from __future__ import annotations

import datetime as dt
import difflib
import heapq
import re
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import groupby, islice
from typing import Any

from duban import dates, lights
from duban.errors import BadValue, NotFound, RegisterError
from duban.i18n import _
from duban.settings import SETTINGS
from duban.vocab import ACTION, ACTION_GROUPS, MATTER_STATUS, format_code, parse_source

PAGE = 500  # rows fetched at a time

# A matter's short number, as clerks say it: 4, 2026-0004, DB-2026-4 (upper-cased first).
_SHORT_CODE = re.compile(r"(?:DB-?)?(?:(?P<year>\d{4})-)?(?P<seq>\d{1,6})")


def _initials(text: str) -> str:
    """The pinyin initials of a Chinese name, lower case (发改委: fgw); '' for none.

    pypinyin is imported here, when a lookup has failed: it takes a tenth of a second.
    """
    if text.isascii():
        return ""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()


def _date(value: Any) -> Any:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _instant(value: Any) -> Any:
    # SQLAlchemy keeps an instant in SQLite as "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC.
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return value


def _flag(value: Any) -> Any:
    return bool(value) if value is not None else None


_BY_TYPE: dict[str, Callable[[Any], Any]] = {
    "DATE": _date,
    "DATETIME": _instant,
    "TIMESTAMP": _instant,
    "BOOLEAN": _flag,
}


@dataclass(frozen=True)
class Table:
    """A table as the register has it: its columns, a row class, and how to read a row."""

    name: str
    columns: tuple[str, ...]
    row: type
    convert: tuple[Callable[[Any], Any] | None, ...]

    def make(self, values: tuple) -> Any:
        return self.row(*(f(v) if f else v for f, v in zip(self.convert, values, strict=True)))

    def select(self, alias: str) -> str:
        return ", ".join(f"{alias}.{c}" for c in self.columns)


@dataclass(frozen=True)
class Assigned:
    """One unit's part in a matter, with its deadline in force and its original one."""

    assignment: Any
    unit: Any
    due: Any
    original: Any
    light: str | None = None  # its warning light (`duban.lights`), where one was asked


@dataclass(frozen=True)
class Listed:
    """A matter as a listing shows it: its deadline in force and its lead units."""

    matter: Any
    due: Any
    leads: list[str]
    light: str | None = None  # its warning light on the day asked, if one was
    last_report: dt.date | None = None  # its latest report by the day (随办随报)


@dataclass(frozen=True)
class Dossier:
    """Everything `show` prints of one matter."""

    matter: Any
    due: Any
    assignments: list[Assigned]
    reports: list[tuple[Any, Any, Any]]  # report, unit, review or None
    deadlines: list[Any]
    history: list[Any]
    urgings: tuple[tuple[Any, str], ...] = ()  # 催办: each urging with its unit's name
    coordinations: tuple[Any, ...] = ()  # 协调 (第十二条, 第十三条)
    inspections: tuple[Any, ...] = ()  # 督查 (第二十条)
    attachments: tuple[Any, ...] = ()  # files kept beside the register
    milestones: tuple[MilestoneRow, ...] = ()  # 节点目标, as they stood on the day
    light: str | None = None  # the matter's own light: the worst of its lead units'
    as_of: dt.date | None = None  # the day it is shown as it stood (`duban.past`)


@dataclass(frozen=True)
class OverdueRow:
    code: str
    title: str
    unit: str | None
    role: str | None
    responsible: str | None
    head: str | None
    due: dt.date
    original_due: dt.date
    due_provisional: bool
    days_overdue: int
    workdays_overdue: int
    light: str | None = None
    # What is late: `deadline` (the unit's or the matter's), `milestone` (节点目标, then
    # `milestone` is {"id", "title"}) or `periodic` (a progress report due every N days).
    kind: str = "deadline"
    milestone: dict[str, Any] | None = None
    restricted: bool = False  # 涉密 (第三条): shown to the office, marked


@dataclass(frozen=True)
class MilestoneRow:
    """A milestone (节点目标) as it stood on a day: met by a report naming it, received by
    then and not returned by a review dated by then."""

    id: int
    code: str
    title: str
    unit: str | None
    due: dt.date
    due_provisional: bool
    set_on: dt.date
    met_on: dt.date | None
    status: str  # met, open or overdue
    light: str | None  # none once met, or when the matter or the unit's part is done


@dataclass(frozen=True)
class DueRow:
    """An open lead assignment (or a matter never assigned) falling due soon."""

    code: str
    title: str
    unit: str | None
    role: str | None
    responsible: str | None
    head: str | None
    due: dt.date
    original_due: dt.date
    due_provisional: bool
    days_left: int
    workdays_left: int
    light: str


def _by_unit(rows: Iterator[Any]) -> Iterator[Any]:
    """Rows the database gave in (due, code) order, the lead units of one matter with one
    deadline by name, as Python orders text (a server's collation may not)."""
    for _day, same in groupby(rows, key=lambda r: (r.due, r.code)):
        yield from sorted(same, key=lambda r: r.unit or "")


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise BadValue(_("--limit must be 1 or more, not {limit}").format(limit=limit))


def check_light(light: str) -> str:
    """red, yellow or green (or 红, 黄, 绿)."""
    key = {"红": "red", "黄": "yellow", "绿": "green"}.get(light.strip(), light.strip().lower())
    if key in lights.LIGHTS:
        return key
    raise BadValue(_("unknown light {light!r}: use red, yellow or green").format(light=light))


# What a unit is judged against (`--against`): the deadline in force on the day, or its
# original one, kept through extensions, reworks and reopenings.
AGAINST = ("current", "original")


def check_against(against: str) -> str:
    """current or original (or 现行, 原定)."""
    key = {"现行": "current", "原定": "original"}.get(against.strip(), against.strip().lower())
    if key in AGAINST:
        return key
    raise BadValue(
        _("unknown --against {against!r}: use current or original").format(against=against)
    )


# The deadline in force on a day `on` (SQL): the latest row to take effect by then (a
# recount takes the date of the estimate it corrects).
_IN_FORCE = (
    "(SELECT x.id FROM deadline x WHERE {whose} AND x.effective_on <= {on} "
    "ORDER BY x.effective_on DESC, x.id DESC LIMIT 1)"
)


def deadline_used(against: str, *, matter: bool = False, on: str | None = "?") -> str:
    """The SQL of the id of the deadline a lead unit (alias `a`), or a matter never
    assigned (alias `m`, with `matter`), is judged by; the one place of `--against`.

    `current`: the deadline in force on the day `on` (SQL, a parameter by default;
    None: the one in force now, the row pointed at).  `original`: the unit's first
    deadline (`original_deadline_id`, kept through extensions, reworks and recounts); a
    matter's, the one in force on the day it was received.
    """
    if matter:
        if against == "original":
            on = "m.received_on"
        elif on is None:
            return "m.deadline_id"
        return _IN_FORCE.format(whose="x.matter_id = m.id AND x.assignment_id IS NULL", on=on)
    if against == "original":
        return "a.original_deadline_id"
    if on is None:
        return "a.deadline_id"
    return _IN_FORCE.format(whose="x.assignment_id = a.id", on=on)


def check_action(action: str) -> str:
    """A whole group (`calendar`) or one action (`calendar.recompute`)."""
    key = action.strip().lower()
    if key in ACTION_GROUPS or key in ACTION.terms:
        return key
    raise BadValue(
        _(
            "unknown action {action!r}: use a group ({groups}) or one of its actions, "
            "e.g. review.return"
        ).format(action=action, groups=", ".join(ACTION_GROUPS))
    )


class Reader:
    """Reads one register over a DB-API connection (`sqlite3` or `psycopg`)."""

    def __init__(self, conn: Any, dialect: str, *, before: Callable[[], None] | None = None):
        self.conn = conn
        self.dialect = dialect
        self._before = before  # an ORM session's flush: what it holds, the SQL sees too
        self._tables: dict[str, Table] = {}
        self._cursors = 0

    # -- plumbing ------------------------------------------------------------------------

    def rows(self, sql: str, params: tuple = ()) -> Iterator[tuple]:
        """The rows of a query, a page at a time."""
        if self._before is not None:
            self._before()
        if self.dialect == "sqlite":
            cursor = self.conn.cursor()
        else:
            # A server-side cursor: psycopg's own would fetch every row before the first.
            sql = sql.replace("?", "%s")
            self._cursors += 1
            cursor = self.conn.cursor(name=f"duban_read_{self._cursors}")
        try:
            cursor.execute(sql, params)
            while page := cursor.fetchmany(PAGE):
                yield from page
        finally:
            # A listing left unfinished (a command that failed halfway) is closed when
            # it is collected, perhaps after its connection: nothing to say then, and
            # Python would print a traceback for it.
            with suppress(Exception):
                cursor.close()

    def value(self, value: Any) -> Any:
        """A parameter as the driver wants it: SQLite compares dates as ISO text."""
        if self.dialect == "sqlite" and isinstance(value, dt.date):
            return value.isoformat()
        return value

    def first(self, sql: str, params: tuple = ()) -> tuple | None:
        return next(self.rows(sql, params), None)

    def table(self, name: str) -> Table:
        """The table's columns and types, as the register has them."""
        if name not in self._tables:
            if self.dialect == "sqlite":
                info = [(r[1], r[2]) for r in self.rows(f'PRAGMA table_info("{name}")')]
            else:
                info = list(
                    self.rows(
                        "SELECT column_name, upper(data_type) FROM information_schema.columns "
                        "WHERE table_name = ? AND table_schema = current_schema() "
                        "ORDER BY ordinal_position",
                        (name,),
                    )
                )
            columns = tuple(c for c, _ in info)
            convert = tuple(
                _BY_TYPE.get(t.split("(")[0].upper()) if self.dialect == "sqlite" else None
                for _, t in info
            )
            self._tables[name] = Table(name, columns, namedtuple(name, columns), convert)
        return self._tables[name]

    def _split(self, values: tuple, *tables: Table) -> list[Any]:
        """One joined row, cut into a row of each table (their columns in order)."""
        out, at = [], 0
        for table in tables:
            end = at + len(table.columns)
            part = values[at:end]
            out.append(table.make(part) if part[0] is not None else None)
            at = end
        return out

    def schema_version(self) -> int | None:
        try:
            row = self.first("SELECT max(version) FROM schema_migration")
        except Exception as exc:  # no such table: not a register
            if type(exc).__name__ in ("OperationalError", "UndefinedTable", "DatabaseError"):
                return None
            raise
        return row[0] if row else None

    # -- settings and the calendar -------------------------------------------------------

    @cached_property
    def settings(self) -> dict[str, str]:
        return dict(self.rows("SELECT key, value FROM setting"))

    def setting(self, key: str) -> str:
        return self.settings.get(key, SETTINGS[key].default)

    def today(self) -> dt.date:
        return dates.today(self.setting("timezone"))

    def date(self, text: str | dt.date | None, *, what: str = "date") -> dt.date:
        """A date the user typed, or today in the office's zone when none was given."""
        if text is None:
            return self.today()
        return dates.parse_date(text, tz_name=self.setting("timezone"), what=what)

    @cached_property
    def calendar(self) -> Any:
        """The register's calendar: the package's, the years loaded, the days set."""
        from duban.workdays import Calendar, Day, YearSchedule

        years = dict(self.rows("SELECT year, source FROM calendar_year"))
        loaded: dict[int, dict[dt.date, Day]] = {year: {} for year in years}
        overrides: dict[dt.date, Day] = {}
        for day, off, name, by_office in self.rows(
            "SELECT day, off, name, set_by_office FROM calendar_day ORDER BY day"
        ):
            day = _date(day)
            if by_office:
                overrides[day] = Day(bool(off), name)
            elif day.year in loaded:
                loaded[day.year][day] = Day(bool(off), name)
        schedules = {
            year: YearSchedule(year, days, f"loaded: {years[year]}")
            for year, days in loaded.items()
        }
        return Calendar(loaded=schedules, overrides=overrides)

    @cached_property
    def judge(self) -> lights.Judge:
        """The warning lights on the register's calendar, with its `light_thresholds`."""
        return lights.Judge.of(self.calendar, self.setting("light_thresholds"))

    # -- finding what is named -------------------------------------------------------------

    def find_unit(self, name: str) -> Any:
        """The unit with that name, code or short name (简称; codes and short names in any
        letter case); NotFound with "did you mean" otherwise.

        The one lookup of a unit: every option that takes a unit comes here.
        """
        unit = self.table("unit")
        key = name.strip()
        found = self.first(
            f"SELECT {unit.select('u')} FROM unit u WHERE u.name = ? OR lower(u.code) = ? "
            "OR u.id IN (SELECT unit_id FROM unit_alias WHERE lower(alias) = ?)",
            (key, key.lower(), key.lower()),
        )
        if found is not None:
            return unit.make(found)
        names = [n for (n,) in self.rows("SELECT name FROM unit ORDER BY id")]
        close = self._units_like(key) if names else []
        if not names:
            message = _(
                "no unit {key!r}; the register has no units yet: add them with "
                "`duban unit add NAME`"
            )
        elif not close:
            message = _("no unit {key!r}; see `duban unit list`")
        else:
            message = _("no unit {key!r}; did you mean {names}?")
        either = close[0] if close else ""
        for other in close[1:]:
            either = _("{first} or {second}").format(first=either, second=other)
        raise NotFound(message.format(key=key, names=either))

    def _units_like(self, key: str) -> list[str]:
        """Up to three units a mistyped name may mean, each quoted, with the short name that
        matched: the units whose name's or short name's pinyin initials `key` is (`fgw`:
        发改委); if none, the names and short names close to `key`, holding it, or whose
        initials hold it.  Only a lookup that failed pays for this."""
        # What can be matched -> (the unit's name, the short name matched or None).
        known: dict[str, tuple[str, str | None]] = {}
        for (name,) in self.rows("SELECT name FROM unit ORDER BY id"):
            known.setdefault(name, (name, None))
        for alias, name in self.rows(
            "SELECT a.alias, u.name FROM unit_alias a JOIN unit u ON u.id = a.unit_id ORDER BY a.id"
        ):
            known.setdefault(alias, (name, alias))
        texts = list(known)
        picked = []
        letters = key.lower()
        spelt = {}
        if letters.isascii() and letters.isalpha():
            spelt = {text: _initials(text) for text in texts}
            picked += [t for t in texts if spelt[t] == letters]
        if not picked:
            picked += difflib.get_close_matches(key, texts, n=3, cutoff=0.5)
            picked += [t for t in texts if key and key in t]
            picked += [t for t in spelt if len(letters) > 1 and letters in spelt[t]]
        out: dict[str, str] = {}
        for text in picked:
            name, alias = known[text]
            if name not in out and len(out) < 3:
                out[name] = f"{name!r} ({alias})" if alias else repr(name)
        return list(out.values())

    def find_matter(self, code: str) -> Any:
        """The matter with that code (any letter case), or with its short number: `4` is
        this year's DB-YYYY-0004 (the year of today in the office's zone), `2026-0004`
        and `db-2026-4` are DB-2026-0004.  The one lookup of a matter."""
        matter = self.table("matter")
        key = code.strip().upper()
        found = self.first(f"SELECT {matter.select('m')} FROM matter m WHERE m.code = ?", (key,))
        short = _SHORT_CODE.fullmatch(key) if found is None else None
        if short is not None:
            year, seq = int(short["year"] or self.today().year), int(short["seq"])
            found = self.first(
                f"SELECT {matter.select('m')} FROM matter m WHERE m.year = ? AND m.seq = ?",
                (year, seq),
            )
            if found is None and format_code(year, seq) != key:
                raise NotFound(
                    _("no matter {code!r} ({full}): see `duban list`").format(
                        code=code.strip(), full=format_code(year, seq)
                    )
                )
        if found is None:
            raise NotFound(_("no matter {code!r}: see `duban list`").format(code=code))
        return matter.make(found)

    # -- listings ------------------------------------------------------------------------

    def units(self) -> list[Any]:
        unit = self.table("unit")
        return [
            unit.make(r) for r in self.rows(f"SELECT {unit.select('u')} FROM unit u ORDER BY u.id")
        ]

    def unit_aliases(self) -> dict[int, list[str]]:
        """Each unit's short names (简称), in the order they were given: unit id -> names."""
        out: dict[int, list[str]] = {}
        for unit_id, alias in self.rows("SELECT unit_id, alias FROM unit_alias ORDER BY id"):
            out.setdefault(unit_id, []).append(alias)
        return out

    def assignments_of(self, matter_ids: list[int]) -> dict[int, list[Assigned]]:
        """Each matter's assignments, with units and deadlines, in one query."""
        out: dict[int, list[Assigned]] = {i: [] for i in matter_ids}
        if not matter_ids:
            return out
        a, u, d = self.table("assignment"), self.table("unit"), self.table("deadline")
        marks = ", ".join("?" for _ in matter_ids)
        sql = (
            f"SELECT {a.select('a')}, {u.select('u')}, {d.select('d')}, {d.select('o')} "
            "FROM assignment a JOIN unit u ON u.id = a.unit_id "
            "JOIN deadline d ON d.id = a.deadline_id "
            "JOIN deadline o ON o.id = a.original_deadline_id "
            f"WHERE a.matter_id IN ({marks}) ORDER BY a.id"
        )
        for values in self.rows(sql, tuple(matter_ids)):
            assignment, unit, due, original = self._split(values, a, u, d, d)
            out[assignment.matter_id].append(Assigned(assignment, unit, due, original))
        return out

    def matters(
        self,
        *,
        status: str | None = None,
        unit: str | None = None,
        source: str | None = None,
        search: str | None = None,
        limit: int | None = None,
        as_of: dt.date | None = None,
        light: str | None = None,
        against: str = "current",
    ) -> Iterator[Listed]:
        """The matters, oldest first, as the cursor gives them (a page at a time).

        Each carries its warning light on `as_of` (default today; `duban.lights`), judged
        `against` the current or the original deadlines, and `light` keeps only those
        with that light (judged row by row as they stream)."""
        check_limit(limit)
        if light is not None:
            light = check_light(light)
        against = check_against(against)
        as_of = as_of or self.today()
        m, d = self.table("matter"), self.table("deadline")
        where, params = [], []
        if status:
            where.append("m.status = ?")
            params.append(MATTER_STATUS.parse(status))
        if source:
            # 人大建议 lists the NPC deputies' proposals only; proposal (建议提案) every one.
            word, proposal_by = parse_source(source)
            where.append("m.source = ?")
            params.append(word)
            if proposal_by:
                where.append("m.proposal_by = ?")
                params.append(proposal_by)
        if unit:
            where.append("m.id IN (SELECT matter_id FROM assignment WHERE unit_id = ?)")
            params.append(self.find_unit(unit).id)
        if search:
            like = f"%{search.strip().lower()}%"
            fields = ("m.title", "coalesce(m.source_ref, '')", "coalesce(m.leader, '')",
                      "coalesce(m.note, '')", "m.code")  # fmt: skip
            where.append("(" + " OR ".join(f"lower({f}) LIKE ?" for f in fields) + ")")
            params.extend([like] * len(fields))
        sql = f"SELECT {m.select('m')}, {d.select('d')} FROM matter m "
        sql += "JOIN deadline d ON d.id = m.deadline_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY m.year, m.seq"
        if limit is not None and light is None:  # with --light, the limit counts what is kept
            sql += f" LIMIT {int(limit)}"
        page: list[tuple[Any, Any]] = []
        kept = 0
        for values in self.rows(sql, tuple(params)):
            page.append(tuple(self._split(values, m, d)))
            if len(page) == PAGE:
                for item in self._listed(page, as_of, against):
                    if light is None or item.light == light:
                        yield item
                        kept += 1
                        if limit is not None and kept >= limit:
                            return
                page = []
        for item in self._listed(page, as_of, against):
            if light is None or item.light == light:
                yield item
                kept += 1
                if limit is not None and kept >= limit:
                    return

    def _listed(
        self, page: list[tuple[Any, Any]], as_of: dt.date | None = None, against: str = "current"
    ) -> Iterator[Listed]:
        leads: dict[int, list[str]] = {matter.id: [] for matter, _ in page}
        lit: dict[int, list[str | None]] = {matter.id: [] for matter, _ in page}
        # Each unit's deadline in force on the day (`deadline_used`), or its original.
        used = deadline_used(against, on="?" if as_of is not None else None)
        last = self.last_reports(list(leads), as_of or self.today())
        if page:
            marks = ", ".join("?" for _ in page)
            for matter_id, name, status, notified, due, start, reported in self.rows(
                "SELECT a.matter_id, u.name, a.status, a.notified_on, d.due_on, d.counted_from, "
                "EXISTS (SELECT 1 FROM report r WHERE r.assignment_id = a.id "
                "AND r.kind = 'final' AND r.status = 'pending' AND r.received_on <= d.due_on) "
                "FROM assignment a JOIN unit u ON u.id = a.unit_id "
                # LEFT: a unit notified after the day is still one of the lead units listed
                # (with no light then: no deadline of its was in force).
                f"LEFT JOIN deadline d ON d.id = {used} "
                f"WHERE a.role = 'lead' AND a.status <> 'withdrawn' AND a.matter_id IN ({marks}) "
                "ORDER BY a.id",
                (*[self.value(as_of)] * used.count("?"), *leads),
            ):
                leads[matter_id].append(name)
                if as_of is not None and due is not None:
                    lit[matter_id].append(
                        self.judge.assignment(
                            as_of,
                            open_=status == "open",
                            due=_date(due),
                            start=_date(start or notified),
                            reported=bool(reported),
                        )
                    )
        judged = self._matter_deadlines(page, against, as_of)
        for matter, due in page:
            light = None
            if as_of is not None:
                own = judged.get(matter.id, due)
                light = self.judge.matter(
                    as_of,
                    status=matter.status,
                    due=own.due_on,
                    start=own.counted_from or matter.received_on,
                    leads=lit[matter.id],
                )
            yield Listed(matter, due, leads[matter.id], light, last.get(matter.id))

    def _matter_deadlines(
        self, page: list[tuple[Any, Any]], against: str, as_of: Any
    ) -> dict[int, Any]:
        """The matters' own deadlines their lights are judged by on the day (in force then,
        or the original: `deadline_used`): matter id -> deadline row."""
        if not page or as_of is None:
            return {}
        d = self.table("deadline")
        marks = ", ".join("?" for _ in page)
        used = deadline_used(against, matter=True)
        params = [self.value(as_of)] * used.count("?") + [matter.id for matter, _ in page]
        return {
            values[0]: d.make(values[1:])
            for values in self.rows(
                f"SELECT m.id, {d.select('d')} FROM matter m JOIN deadline d ON d.id = {used} "
                f"WHERE m.id IN ({marks})",
                tuple(params),
            )
        }

    def dossier(self, matter: Any, as_of: dt.date | None = None) -> Dossier:
        """The matter with its assignments, reports, reviews, deadlines and full history;
        each lead assignment with its warning light on `as_of` (default today)."""
        assignments = self.assignments_of([matter.id])[matter.id]
        units = {a.assignment.id: a.unit for a in assignments}
        r, v, d, h = (self.table(t) for t in ("report", "review", "deadline", "history"))
        reports = []
        for values in self.rows(
            f"SELECT {r.select('r')}, {v.select('v')} FROM report r "
            "LEFT JOIN review v ON v.report_id = r.id WHERE r.matter_id = ? ORDER BY r.id",
            (matter.id,),
        ):
            report, review = self._split(values, r, v)
            reports.append((report, units[report.assignment_id], review))
        rows = [d.make(x) for x in self.rows(
            f"SELECT {d.select('d')} FROM deadline d WHERE d.matter_id = ? ORDER BY d.id",
            (matter.id,),
        )]  # fmt: skip
        due = next(x for x in rows if x.id == matter.deadline_id)
        history = [h.make(x) for x in self.rows(
            f"SELECT {h.select('h')} FROM history h WHERE h.matter_id = ? ORDER BY h.id",
            (matter.id,),
        )]  # fmt: skip
        g = self.table("urging")
        urgings = tuple(
            (g.make(x[:-1]), x[-1])
            for x in self.rows(
                f"SELECT {g.select('g')}, u.name FROM urging g JOIN assignment a "
                "ON a.id = g.assignment_id JOIN unit u ON u.id = a.unit_id "
                "WHERE g.matter_id = ? ORDER BY g.id",
                (matter.id,),
            )
        )
        assignments = self._lit(assignments, [r for r, _u, _v in reports], as_of)
        found = Dossier(matter, due, assignments, reports, rows, history, urgings)
        found = self._supervised(found, matter.id)
        found = replace(found, milestones=tuple(self.milestones(matter, as_of or self.today())))
        return replace(found, light=self.matter_light(found, as_of or self.today()))

    def matter_light(self, found: Dossier, day: dt.date) -> str | None:
        """A dossier's matter's light on the day (`lights.Judge.matter`): the worst of its
        lead units' lights (as `_lit` gave them), by its own deadline if it has none."""
        leads = [a.light for a in found.assignments
                 if a.assignment.role == "lead" and a.assignment.status != "withdrawn"]  # fmt: skip
        return self.judge.matter(
            day,
            status=found.matter.status,
            due=found.due.due_on,
            start=found.due.counted_from or found.matter.received_on,
            leads=leads,
        )

    def _supervised(self, found: Dossier, matter_id: int) -> Dossier:
        """The dossier with the matter's coordinations, inspections and attachments."""
        return replace(
            found,
            coordinations=self.coordinations(matter_id),
            inspections=self.inspections(matter_id),
            attachments=self.attachments(matter_id),
        )

    def of_matter(self, table: str, matter_id: int) -> tuple[Any, ...]:
        """The rows of `table` that belong to a matter, in the order they were made."""
        t = self.table(table)
        return tuple(t.make(x) for x in self.rows(
            f"SELECT {t.select('t')} FROM {table} t WHERE t.matter_id = ? ORDER BY t.id",
            (matter_id,),
        ))  # fmt: skip

    def coordinations(self, matter_id: int) -> tuple[Any, ...]:
        """The matter's coordinations (协调, 第十二条; escalated, 第十三条), in order."""
        return self.of_matter("coordination", matter_id)

    def inspections(self, matter_id: int) -> tuple[Any, ...]:
        """How the office checked the matter (督查, 第二十条), in order."""
        return self.of_matter("inspection", matter_id)

    def attachments(self, matter_id: int) -> tuple[Any, ...]:
        """The files kept for the matter's reports and inspections, in order."""
        return self.of_matter("attachment", matter_id)

    def _lit(self, assignments: list[Assigned], reports: list[Any], as_of: dt.date | None):
        """The assignments, each lead one with its light on the day (default today)."""
        day = as_of or self.today()
        out = []
        for a in assignments:
            light = None
            if a.assignment.role == "lead":
                reported = any(
                    r.assignment_id == a.assignment.id and r.kind == "final"
                    and r.status == "pending" and r.received_on <= a.due.due_on
                    for r in reports
                )  # fmt: skip
                light = self.judge.assignment(
                    day,
                    open_=a.assignment.status == "open",
                    due=a.due.due_on,
                    start=a.due.counted_from or a.assignment.notified_on,
                    reported=reported,
                )
            out.append(replace(a, light=light))
        return out

    def history(
        self,
        *,
        code: str | None = None,
        action: str | None = None,
        since: dt.date | None = None,
        limit: int | None = None,
    ) -> list[tuple[Any, str | None]]:
        """Entries oldest first, each with its matter's code (None for units, calendar,
        config); with `limit`, the last `limit` of them."""
        check_limit(limit)
        h = self.table("history")
        where, params = [], []
        if code is not None:
            where.append("h.matter_id = ?")
            params.append(self.find_matter(code).id)
        if action is not None:
            key = check_action(action)
            where.append("(h.action = ? OR h.action LIKE ?)")
            params.extend([key, key + ".%"])
        if since is not None:
            where.append("h.effective_on >= ?")
            params.append(self.value(since))
        sql = f"SELECT {h.select('h')}, m.code FROM history h LEFT JOIN matter m ON m.id = h.matter_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY h.id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        found = [(h.make(x[:-1]), x[-1]) for x in self.rows(sql, tuple(params))]
        return list(reversed(found))

    # -- milestones and periodic reports (节点目标, 定期报告) -------------------------------

    # A matter open on the day `?` (its status now, or closed or cancelled after it).
    _OPEN_ON = (
        "(m.status IN ('registered', 'assigned') OR m.closed_on > ? OR m.id IN "
        "(SELECT h.matter_id FROM history h WHERE h.action = 'matter.cancel' "
        "AND h.effective_on > ?))"
    )
    # A milestone `s` met by the day `?`: a report naming it received by then, not
    # returned by a review dated by then.
    _MET = (
        "(SELECT min(r.received_on) FROM report r WHERE r.milestone_id = s.id "
        "AND r.received_on <= ? AND NOT EXISTS (SELECT 1 FROM review v "
        "WHERE v.report_id = r.id AND v.decision = 'return' AND v.reviewed_on <= ?))"
    )

    def milestones(self, matter: Any, as_of: dt.date) -> list[MilestoneRow]:
        """A matter's milestones set by the day, each as it stood then, by deadline."""
        day = self.value(as_of)
        out = []
        for values in self.rows(
            "SELECT s.id, s.title, u.name, s.due_on, s.provisional, s.created_on, "
            f"s.counted_from, {self._MET}, {self._OPEN_ON}, "
            "(a.id IS NULL OR a.status = 'open' OR a.completed_on > ?) "
            "FROM milestone s JOIN matter m ON m.id = s.matter_id "
            "LEFT JOIN assignment a ON a.id = s.assignment_id "
            "LEFT JOIN unit u ON u.id = a.unit_id "
            "WHERE s.matter_id = ? AND s.created_on <= ? ORDER BY s.due_on, s.id",
            (day, day, day, day, day, matter.id, day),
        ):
            id_, title, unit, due, provisional, set_on, start, met, open_, working = values
            due, set_on, met = _date(due), _date(set_on), _date(met)
            if met is not None:
                status, light = "met", None
            else:
                status = "overdue" if due < as_of else "open"
                if status == "overdue" and not (open_ and working):
                    status = "missed"  # its unit finished (or the matter ended) without it
                light = None
                if open_ and working:
                    light = self.judge.light(as_of, due, _date(start) or set_on)
            out.append(MilestoneRow(id_, matter.code, title, unit, due, bool(provisional),
                                    set_on, met, status, light))  # fmt: skip
        return out

    def _late_row(self, as_of: dt.date, kind: str, code: str, title: str, unit: Any,
                  role: Any, person: Any, head: Any, due: Any, provisional: Any,
                  restricted: Any, *, original: Any = None,
                  milestone: dict[str, Any] | None = None) -> OverdueRow:  # fmt: skip
        """One row of `overdue`: a unit's deadline, a milestone or a periodic report
        (`kind`) past on the day; `original` the unit's first deadline (default `due`)."""
        due = _date(due)
        return OverdueRow(
            code=code,
            title=title,
            unit=unit,
            role=role,
            responsible=person,
            head=head,
            due=due,
            original_due=_date(original) if original is not None else due,
            due_provisional=bool(provisional),
            days_overdue=(as_of - due).days,
            workdays_overdue=self.calendar.count(due, as_of),
            light=self.judge.light(as_of, due, None),  # red: its deadline is past
            kind=kind,
            milestone=milestone,
            restricted=bool(restricted),  # 第三条: the office's own list shows them, marked
        )

    def late_milestones(self, as_of: dt.date, unit_id: int | None = None) -> Iterator[OverdueRow]:
        """The milestones past their deadline on the day and not met by then, of matters
        open then (not those of a unit whose part was done by then), by (due, code)."""
        day = self.value(as_of)
        sql = (
            "SELECT m.code, m.title, u.name, a.role, a.responsible, u.head, s.due_on, "
            "s.provisional, m.restricted, s.id, s.title FROM milestone s "
            "JOIN matter m ON m.id = s.matter_id "
            "LEFT JOIN assignment a ON a.id = s.assignment_id "
            "LEFT JOIN unit u ON u.id = a.unit_id "
            f"WHERE s.due_on < ? AND s.created_on <= ? AND {self._OPEN_ON} "
            "AND (a.id IS NULL OR a.status = 'open' OR a.completed_on > ?) "
            f"AND {self._MET} IS NULL"
        )
        params: list[Any] = [day] * sql.count("?")
        if unit_id is not None:
            sql += " AND a.unit_id = ?"
            params.append(unit_id)
        sql += " ORDER BY s.due_on, m.code, s.id"
        rows = (
            self._late_row(as_of, "milestone", *row[:9], milestone={"id": row[9], "title": row[10]})
            for row in self.rows(sql, tuple(params))
        )
        yield from _by_unit(rows)

    def late_periodic(self, as_of: dt.date, unit_id: int | None = None) -> list[OverdueRow]:
        """The lead units of matters reporting every N working days (`periodic`) that
        missed a report on the day, by (due, code).

        The ends of the periods are the Nth, 2Nth, ... working day after the unit was
        notified, up to its deadline in force that day.  A period's end is missed when no
        report (of any kind) came in after the period before it ended and by this one; a
        unit is overdue from the first end it missed, unless it reported since (then it
        caught up, and the next end counts).  A final report waiting for review on the
        day stops the clock."""
        day = self.value(as_of)
        sql = (
            "SELECT m.code, m.title, u.name, a.role, a.responsible, u.head, m.restricted, "
            "m.report_every, a.notified_on, d.due_on, (SELECT max(r.received_on) FROM report r "
            "WHERE r.assignment_id = a.id AND r.received_on <= ?) "
            "FROM assignment a JOIN matter m ON m.id = a.matter_id "
            f"JOIN unit u ON u.id = a.unit_id JOIN deadline d ON d.id = {deadline_used('current')} "
            # The few periodic matters, by their index; not every open assignment.
            "WHERE m.id IN (SELECT id FROM matter WHERE report_every IS NOT NULL) "
            "AND m.reporting = 'periodic' "
            "AND a.role = 'lead' AND a.notified_on <= ? "
            f"AND (a.status = 'open' OR a.completed_on > ?) AND {self._OPEN_ON} "
            "AND NOT EXISTS (SELECT 1 FROM report r WHERE r.assignment_id = a.id "
            "AND r.kind = 'final' AND r.received_on <= ? AND NOT EXISTS (SELECT 1 FROM review v "
            "WHERE v.report_id = r.id AND v.reviewed_on <= ?))"
        )
        params: list[Any] = [day] * sql.count("?")
        if unit_id is not None:
            sql += " AND a.unit_id = ?"
            params.append(unit_id)
        out = []
        for *who, restricted, every, notified, due, last in self.rows(sql, tuple(params)):
            end = self.period_missed(_date(notified), int(every), _date(last))
            if end < as_of and end <= _date(due):
                out.append(self._late_row(as_of, "periodic", *who, end, False, restricted))
        out.sort(key=lambda r: (r.due, r.code, r.unit or ""))
        return out

    def period_missed(self, notified: dt.date, every: int, last: dt.date | None) -> dt.date:
        """The end of the first period without a report after `last` (the latest report,
        or None): the end of the period after the one `last` fell in."""
        start, end = None, self.calendar.add(notified, every)
        while last is not None and (start is None or start < last):
            start, end = end, self.calendar.add(end, every)
        return end

    def last_reports(self, matter_ids: list[int], as_of: dt.date) -> dict[int, dt.date]:
        """Each matter's latest report received by the day (随办随报: when it last reported)."""
        if not matter_ids:
            return {}
        marks = ", ".join("?" for _ in matter_ids)
        return {
            matter_id: _date(last)
            for matter_id, last in self.rows(
                "SELECT matter_id, max(received_on) FROM report WHERE received_on <= ? "
                f"AND matter_id IN ({marks}) GROUP BY matter_id",
                (self.value(as_of), *matter_ids),
            )
        }

    # -- overdue ---------------------------------------------------------------------------

    def overdue(
        self,
        as_of: dt.date,
        *,
        unit: str | None = None,
        limit: int | None = None,
        against: str = "current",
    ) -> Iterator[OverdueRow]:
        """Who is late on a day, most overdue first, as the cursor gives them.

        A deadline day is met if the report arrives on it; overdue begins the day after.
        A lead unit whose final report arrived by its deadline is not late while the
        report waits for review (the office is the one late then).  A matter never
        assigned is late once its own deadline passed.  Each is judged by the deadline in
        force on that day (`deadlines.in_force`): an extension accepted after it does not
        erase the lateness it had then; `against="original"` judges each by its original
        deadline instead (`deadline_used`).  Each condition is one the indexes answer
        (`status`, `completed_on`, `closed_on`), so the cost follows the rows found, not
        the size of the register; the database sorts, so the rows stream.
        """
        check_limit(limit)
        against = check_against(against)
        unit_id = self.find_unit(unit).id if unit else None
        day = self.value(as_of)
        # Each branch of a UNION has an index of its own: the open assignments, and those
        # completed after the day (none, for today); the register's size does not count.
        open_then = (
            "a.id IN (SELECT id FROM assignment WHERE status = 'open' AND role = 'lead' "
            "UNION ALL SELECT id FROM assignment WHERE completed_on > ?)"
        )
        # A matter cancelled after the day was open on it.
        cancelled_later = (
            "SELECT h.matter_id FROM history h WHERE h.action = 'matter.cancel' "
            "AND h.effective_on > ?"
        )
        # Every parameter is the day (but the unit's).
        late = (
            "SELECT m.code AS code, m.title AS title, u.name AS unit, a.role AS role, "
            "a.responsible AS responsible, u.head AS head, d.due_on AS due, "
            "o.due_on AS original, d.provisional AS provisional, m.restricted AS restricted "
            "FROM assignment a "
            "JOIN matter m ON m.id = a.matter_id JOIN unit u ON u.id = a.unit_id "
            f"JOIN deadline d ON d.id = {deadline_used(against)} "
            "JOIN deadline o ON o.id = a.original_deadline_id "
            f"WHERE {open_then} AND a.role = 'lead' AND a.notified_on <= ? AND d.due_on < ? "
            "AND (m.status IN ('registered', 'assigned') OR m.closed_on > ? "
            f"OR m.id IN ({cancelled_later})) "
            "AND NOT EXISTS (SELECT 1 FROM report r WHERE r.assignment_id = a.id "
            "AND r.kind = 'final' AND r.received_on <= d.due_on AND r.received_on <= ? "
            "AND (r.status = 'pending' OR EXISTS (SELECT 1 FROM review v "
            "WHERE v.report_id = r.id AND v.reviewed_on > ?)))"
            # Done by the day (a final report accepted), unless reopened since (第十六条).
            "AND NOT EXISTS (SELECT 1 FROM report r JOIN review v ON v.report_id = r.id "
            "WHERE r.assignment_id = a.id AND r.kind = 'final' AND v.decision = 'accept' "
            "AND v.reviewed_on <= ? AND NOT EXISTS (SELECT 1 FROM deadline y "
            "WHERE y.assignment_id = a.id AND y.why = 'reopen' "
            "AND y.effective_on > v.reviewed_on AND y.effective_on <= ?))"
        )
        params: list[Any] = [day] * late.count("?")
        if unit_id is not None:
            late += " AND a.unit_id = ?"
            params.append(unit_id)
        else:
            never = (
                " UNION ALL SELECT m.code, m.title, NULL, NULL, NULL, NULL, d.due_on, o.due_on, "
                "d.provisional, m.restricted FROM matter m JOIN deadline d ON d.id = "
                f"{deadline_used(against, matter=True)} "
                f"JOIN deadline o ON o.id = {deadline_used('original', matter=True)} "
                "WHERE m.id IN (SELECT id FROM matter WHERE status IN ('registered', 'assigned') "
                "UNION ALL SELECT id FROM matter WHERE closed_on > ? "
                f"UNION ALL {cancelled_later}) "
                "AND m.received_on <= ? AND d.due_on < ? "
                "AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.matter_id = m.id "
                "AND a.status <> 'withdrawn' "
                "AND a.notified_on <= ?)"
            )
            late += never
            params += [day] * never.count("?")
        sql = f"SELECT * FROM ({late}) late ORDER BY late.due, late.code"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = _by_unit(
            self._late_row(as_of, "deadline", *who, due, provisional, restricted, original=original)
            for *who, due, original, provisional, restricted in self.rows(sql, tuple(params))
        )
        # Milestones (节点目标) and periodic reports missed, merged in deadline order.
        more = (self.late_milestones(as_of, unit_id), self.late_periodic(as_of, unit_id))
        merged = heapq.merge(rows, *more, key=lambda r: (r.due, r.code))
        yield from islice(merged, limit)

    # -- looking ahead -----------------------------------------------------------------------

    def due_soon(
        self, as_of: dt.date, within: int, *, unit: str | None = None, against: str = "current"
    ) -> Iterator[DueRow]:
        """What falls due after the day and by its `within`th working day, soonest first:
        the open lead assignments (not those whose final report waits for review), and the
        matters never assigned, each by its deadline in force now (or on a past day; or
        its original one, `against`), with its light."""
        if within < 1:
            raise BadValue(_("--within must be 1 or more, not {n}").format(n=within))
        against = check_against(against)
        unit_id = self.find_unit(unit).id if unit else None
        last = self.calendar.add(as_of, within)
        first, end = self.value(as_of), self.value(last)
        sql = (
            "SELECT m.code AS code, m.title AS title, u.name AS unit, a.role AS role, "
            "a.responsible AS responsible, u.head AS head, d.due_on AS due, "
            "o.due_on AS original, d.provisional AS provisional, "
            "coalesce(d.counted_from, a.notified_on) AS start FROM assignment a "
            "JOIN matter m ON m.id = a.matter_id JOIN unit u ON u.id = a.unit_id "
            f"JOIN deadline d ON d.id = {deadline_used(against)} "
            "JOIN deadline o ON o.id = a.original_deadline_id "
            "WHERE a.status = 'open' AND a.role = 'lead' "
            "AND m.status IN ('registered', 'assigned') AND d.due_on > ? AND d.due_on <= ? "
            "AND NOT EXISTS (SELECT 1 FROM report r WHERE r.assignment_id = a.id "
            "AND r.kind = 'final' AND r.status = 'pending')"
        )
        params: list[Any] = [first] * sql.count("?")  # the day; then the last day
        params[-1] = end
        if unit_id is not None:
            sql += " AND a.unit_id = ?"
            params.append(unit_id)
        else:
            sql += (
                " UNION ALL SELECT m.code, m.title, NULL, NULL, NULL, NULL, d.due_on, o.due_on, "
                "d.provisional, coalesce(d.counted_from, m.received_on) FROM matter m "
                f"JOIN deadline d ON d.id = {deadline_used(against, matter=True)} "
                f"JOIN deadline o ON o.id = {deadline_used('original', matter=True)} "
                "WHERE m.status IN ('registered', 'assigned') AND d.due_on > ? AND d.due_on <= ? "
                "AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.matter_id = m.id "
                "AND a.status <> 'withdrawn')"
            )
            params += [first] * (against == "current") + [first, end]
        sql = f"SELECT * FROM ({sql}) soon ORDER BY soon.due, soon.code"
        yield from _by_unit(self._soon(as_of, *row) for row in self.rows(sql, tuple(params)))

    def _soon(self, as_of: dt.date, code, title, unit, role, person, head, due, original,
              provisional, start) -> DueRow:  # fmt: skip
        due, original = _date(due), _date(original)
        return DueRow(
            code=code,
            title=title,
            unit=unit,
            role=role,
            responsible=person,
            head=head,
            due=due,
            original_due=original,
            due_provisional=bool(provisional),
            days_left=(due - as_of).days,
            workdays_left=self.calendar.count(as_of, due),
            light=self.judge.light(as_of, due, _date(start)),
        )

    def summary(self, as_of: dt.date, *, against: str = "current") -> dict[str, Any]:
        """The leader's screen on a day: matters open, falling due in the next 5 working
        days, overdue, closed this month; and the same (but closed) for each lead unit;
        due and overdue judged `against` the current or the original deadlines."""
        against = check_against(against)
        day = self.value(as_of)
        open_then = (
            "m.received_on <= ? AND (m.status IN ('registered', 'assigned') "
            "OR (m.status = 'closed' AND m.closed_on > ?))"
        )
        (open_,) = self.first(f"SELECT count(*) FROM matter m WHERE {open_then}", (day, day))
        (closed,) = self.first(
            "SELECT count(*) FROM matter m WHERE m.status = 'closed' "
            "AND m.closed_on >= ? AND m.closed_on <= ?",
            (self.value(as_of.replace(day=1)), day),
        )
        by_unit: dict[str, dict[str, Any]] = {}

        def of(name: str) -> dict[str, Any]:
            return by_unit.setdefault(
                name, {"unit": name, "open": 0, "due_this_week": 0, "overdue": 0}
            )

        for name, n in self.rows(
            "SELECT u.name, count(*) FROM assignment a JOIN unit u ON u.id = a.unit_id "
            "JOIN matter m ON m.id = a.matter_id WHERE a.role = 'lead' AND a.notified_on <= ? "
            f"AND (a.status = 'open' OR a.completed_on > ?) AND {open_then} "
            "GROUP BY u.id, u.name ORDER BY u.id",
            (day, day, day, day),
        ):
            of(name)["open"] = n
        soon, late = set(), set()
        for row in self.due_soon(as_of, 5, against=against):
            soon.add(row.code)
            if row.unit is not None:
                of(row.unit)["due_this_week"] += 1
        counted = set()  # a unit late on a matter's deadline and a milestone counts once
        for row in self.overdue(as_of, against=against):
            late.add(row.code)
            if row.unit is not None and (row.code, row.unit) not in counted:
                counted.add((row.code, row.unit))
                of(row.unit)["overdue"] += 1
        return {
            "as_of": as_of,
            "open": open_,
            "due_this_week": len(soon),
            "overdue": len(late),
            "closed_this_month": closed,
            "by_unit": list(by_unit.values()),
        }


def open_reader(db: str | None) -> tuple[Reader, Callable[[], None]]:
    """A Reader on the register at `db` (the driver alone), and how to close it.

    A register written by an older duban is first brought up to this version by the
    migrations (through the ORM, once); one written by a newer duban is refused.
    """
    from duban.store import SCHEMA_VERSION, connect, locate, probe

    conn, dialect = connect(db)
    if dialect == "sqlite":
        try:
            probe(conn, locate(db).path)  # a damaged file is said so (exit 5), at once
        except RegisterError:
            conn.close()
            raise
    reader = Reader(conn, dialect)
    version = reader.schema_version()
    if version is None:
        conn.close()
        raise RegisterError(_("there is no register here: check --db or DUBAN_DB"))
    if version < SCHEMA_VERSION:
        conn.close()
        from duban.db import engine_for

        engine_for(db, create=False).dispose()  # migrates
        conn, dialect = connect(db)
        reader = Reader(conn, dialect)
    elif version > SCHEMA_VERSION:
        conn.close()
        raise RegisterError(
            _(
                "this register was written by a newer duban (schema {version}, this one knows "
                "{known}): upgrade duban"
            ).format(version=version, known=SCHEMA_VERSION)
        )
    return reader, conn.close
