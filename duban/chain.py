"""Tamper evidence: the history as a hash chain, and digests of the rows each change left.

Each history entry carries `prev_hash`, the hash of the entry before it (by id), and
`hash`, SHA-256 over a canonical text of `prev_hash` and its own content (`entry_hash`).
An entry changed, removed or inserted outside duban breaks the chain where it was.

Each entry may also carry `state`: digests of the rows the change left, so that a row
changed outside duban (a deadline edited with sqlite3) is told apart from one duban
wrote.  The last entry of each matter in a transaction records the digest of all that
matter's rows in the protected tables (`MATTER_TABLES`); an entry of a change to units,
the calendar, settings or notices records the digest of each table without a matter
(`OTHER_TABLES`).  `duban verify` (`duban.ops.verify`) recomputes them all and compares
each with the latest recorded.  The state is text, tokens separated by spaces:

    m12=<sha256 of matter 12's rows>/matter.1.<8 hex>/deadline.3.<8 hex>/...
    unit=44.<sha256 of the unit table>

(a table's rows counted, and the first 8 hex digits of their own digest, so that a
finding can name the table).  All of this is covered by the entry's hash.

Canonical values, the same whichever database gave them: a date as ISO text, an
instant as UTC text `YYYY-MM-DD HH:MM:SS.ffffff` (the text SQLAlchemy keeps in
SQLite), a flag as 1 or 0, text and integers as they are; a row is its values in the
frozen column order below, trailing NULLs left out (so that a column added later, NULL
in old rows, leaves their digests alone), written as compact JSON.

Writing: `Context` calls `watch` on its session and `track` for each entry it adds;
just before the commit, `seal` computes the states and the chain of the new entries
(on PostgreSQL under a transaction-scoped advisory lock taken before the first entry is
inserted, so that two writers never link to the same tail).  A bulk writer that inserts
history rows itself uses `lock`, `tail`, `matter_state` and `link` (see each).

No ORM here: plain DB-API connections (`sqlite3`, `psycopg`) and hashlib.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any

# The first element of every hashed text: another layout would be another tag.
CHAIN_TAG = "duban-history-1"
# The key of the PostgreSQL advisory lock that serialises the chain's writers.
LOCK_KEY = 20181106

# The protected tables and their columns, in the order their values are hashed (state
# version 1).  A kind after the name: `d` a date, `t` an instant, `b` a flag.  Frozen:
# a new column is appended at the end of its table (NULL in old rows); migration 7 has
# its own copy of these as they were then.
MATTER_TABLES: dict[str, tuple[str, ...]] = {
    "matter": (
        "id", "code", "year", "seq", "title", "source", "proposal_by", "source_ref",
        "leader", "handling", "reporting", "report_every", "plan", "restricted:b",
        "received_on:d", "deadline_id", "note", "status", "closed_on:d", "created_at:t",
        "created_by",
    ),
    "assignment": (
        "id", "matter_id", "unit_id", "role", "responsible", "notified_on:d", "deadline_id",
        "original_deadline_id", "status", "completed_on:d", "created_at:t",
    ),
    "deadline": (
        "id", "matter_id", "assignment_id", "what", "due_on:d", "counted_from:d", "within",
        "provisional:b", "why", "previous_id", "effective_on:d", "recorded_at:t",
    ),
    "report": (
        "id", "matter_id", "assignment_id", "kind", "text", "file_name", "written:b",
        "signed_by", "sealed:b", "received_on:d", "proposed_due_on:d", "late_reason",
        "milestone_id", "status", "created_at:t", "created_by",
    ),
    "review": (
        "id", "report_id", "decision", "reason", "reviewed_on:d", "new_due_on:d",
        "created_at:t", "created_by",
    ),
    "urging": (
        "id", "matter_id", "assignment_id", "urged_on:d", "via", "note", "created_at:t",
        "created_by",
    ),
    "milestone": (
        "id", "matter_id", "assignment_id", "title", "due_on:d", "counted_from:d", "within",
        "provisional:b", "created_on:d", "created_at:t", "created_by",
    ),
    "coordination": (
        "id", "matter_id", "units", "note", "escalated:b", "coordinated_on:d",
        "created_at:t", "created_by",
    ),
    "inspection": (
        "id", "matter_id", "method", "note", "inspected_on:d", "created_at:t", "created_by",
    ),
    "attachment": (
        "id", "matter_id", "report_id", "inspection_id", "name", "sha256", "size", "stored",
        "created_at:t", "created_by",
    ),
}  # fmt: skip
OTHER_TABLES: dict[str, tuple[str, ...]] = {
    "unit": ("id", "name", "code", "kind", "head", "parent_id", "created_at:t"),
    "unit_alias": ("id", "unit_id", "alias"),
    "unit_head": ("id", "unit_id", "head", "since:d", "created_at:t", "created_by"),
    "setting": ("key", "value"),
    "calendar_year": ("year", "source", "papers", "loaded_at:t", "loaded_by"),
    "calendar_day": ("id", "day:d", "off:b", "name", "set_by_office:b"),
    "notice": ("id", "kind", "ref", "sent_at:t", "ok:b"),
}
# Every table verify protects: the history itself last.
PROTECTED: tuple[str, ...] = (*MATTER_TABLES, *OTHER_TABLES, "history")

# The history's columns a hash covers, in order (after prev_hash).
ENTRY_COLUMNS = ("matter_id", "action", "detail", "actor", "recorded_at", "effective_on")

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def _make_encode() -> Any:
    """Compact JSON, non-ASCII as it is: what `_ENCODER.encode` writes, without its
    per-call overhead (the C encoder called directly, where this Python has it)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _ENCODER.encode
    chunks = make(None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",",
                  False, False, True)  # fmt: skip

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    return encode


_ENCODE = _make_encode()
EMPTY = hashlib.sha256(b"").hexdigest()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# -- canonical values ----------------------------------------------------------------


def instant(value: Any) -> Any:
    """An instant as UTC text `YYYY-MM-DD HH:MM:SS.ffffff` (text is taken as it is: it
    is how SQLite keeps one); a naive datetime is taken to be UTC."""
    global _last_instant
    if isinstance(value, dt.datetime):
        last = _last_instant  # one read: another thread may replace it meanwhile
        if value is last[0]:  # a bulk write stamps every row with one instant
            return last[1]
        utc = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
        text = utc.isoformat(" ", "microseconds")
        _last_instant = (value, text)
        return text
    return value


_last_instant: tuple[Any, Any] = (None, None)


def day(value: Any) -> Any:
    """A date as ISO text (text as it is)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return instant(value)


def flag(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def canon(value: Any) -> Any:
    """Any value as it is hashed: dates and instants as text, flags as 1 or 0."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is bool:
        return int(value)
    if isinstance(value, dt.datetime):
        return instant(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value  # a float: JSON writes it the same way each time


_BY_KIND = {"d": day, "t": instant, "b": flag}


def column_names(columns: Sequence[str]) -> list[str]:
    return [c.partition(":")[0] for c in columns]


def fixer(columns: Sequence[str], dialect: str, offset: int = 0) -> Any:
    """How a row read from the database becomes canonical: nothing to do for SQLite's
    (text dates, integer flags), the typed columns converted for PostgreSQL's."""
    if dialect == "sqlite":
        return None
    return [
        (i + offset, _BY_KIND[kind]) for i, c in enumerate(columns) if (kind := c.partition(":")[2])
    ]


def _row(values: Sequence[Any]) -> list[Any]:
    out = list(values)
    while out and out[-1] is None:
        out.pop()
    return out


def _digest(rows: list[list[Any]]) -> str:
    return _sha(_ENCODE(rows))


# -- the chain -----------------------------------------------------------------------


def entry_hash(
    prev_hash: str | None,
    matter_id: int | None,
    action: str,
    detail: str,
    actor: str,
    recorded_at: Any,
    effective_on: Any,
    state: str | None = None,
) -> str:
    """The hash of one history entry: SHA-256 of its canonical text, hex."""
    text = _ENCODE(
        [CHAIN_TAG, prev_hash, matter_id, action, detail, actor, instant(recorded_at),
         day(effective_on), state]
    )  # fmt: skip
    return _sha(text)


def link(prev_hash: str | None, entries: Iterable[Sequence[Any]]) -> list[tuple[str | None, str]]:
    """Chain entries onto `prev_hash` (the tail, `tail`): (prev_hash, hash) for each.

    Each entry is (matter_id, action, detail, actor, recorded_at, effective_on, state) as
    plain values, in the order they are inserted (ids ascending): recorded_at a datetime
    (UTC) or SQLite's text of one, effective_on a date or its ISO text, state None or a
    token of `matter_state` (on the last entry of each matter).  100 000 entries take
    about half a second.
    """
    out = []
    for matter_id, action, detail, actor, recorded_at, effective_on, state in entries:
        new = entry_hash(prev_hash, matter_id, action, detail, actor, recorded_at,
                         effective_on, state)  # fmt: skip
        out.append((prev_hash, new))
        prev_hash = new
    return out


# -- states --------------------------------------------------------------------------


def matter_digest(
    groups: Iterable[tuple[str, list[list[Any]]]],
) -> tuple[str, dict[str, tuple[int, str]]]:
    """A matter's digest from its canonical rows by table (`matter_groups`), and each
    table's (rows, digest)."""
    lines, tables = [], {}
    for table, rows in groups:
        if not rows:
            continue
        digest = _digest(rows)
        lines.append(f"{table}.{len(rows)}.{digest}")
        tables[table] = (len(rows), digest)
    return _sha("\n".join(lines)), tables


def matter_token(matter_id: int, groups: Iterable[tuple[str, list[list[Any]]]]) -> str:
    """The state token of a matter from its canonical rows by table, in the order of
    `MATTER_TABLES`, each row its values in that table's column order with trailing NULLs
    left out, the rows by id: for a bulk writer whose values are canonical
    already (SQLite's text dates and instants, 1 and 0), cheaper than `matter_state`."""
    return _matter_token(matter_id, groups)


def _matter_token(matter_id: int, groups: Iterable[tuple[str, list[list[Any]]]]) -> str:
    digest, tables = matter_digest(groups)
    hints = [f"{t}.{n}.{d[:8]}" for t, (n, d) in tables.items()]
    return "/".join([f"m{matter_id}={digest}", *hints])


_PLAIN = {str, int, type(None)}


@lru_cache(maxsize=64)
def _positions(table: str, order: tuple[str, ...] | None) -> list[int | None]:
    """Where each of the table's columns is in a row given in `order` (None: absent)."""
    names = column_names(MATTER_TABLES[table])
    if order is None:
        return list(range(len(names)))
    where = {name: i for i, name in enumerate(order)}
    return [where.get(name) for name in names]


def matter_state(
    matter_id: int,
    rows: dict[str, Iterable[Any]],
    columns: dict[str, Sequence[str]] | None = None,
) -> str:
    """The state token of one matter from its rows as plain values, without reading
    them back: `rows` maps a table of `MATTER_TABLES` to that matter's rows in it, each
    a dict by column name, or a sequence of values in the order `columns[table]` names
    them (default: the table's own column order); a column not given is NULL.  Rows come
    in any order (sorted here by id).  Every row the matter has must be given (a bulk
    import gives its matter, assignment and deadline rows).  Values as they are written:
    dates or their ISO text, instants (UTC) or SQLite's text of them, flags as booleans
    or 1 and 0.

    The token goes on the matter's last history entry (its `state`) before `link`."""
    groups = []
    plain = _PLAIN
    for table in MATTER_TABLES:
        got = rows.get(table)
        if not got:
            continue
        order = columns.get(table) if columns else None
        at = _positions(table, order if order is None else tuple(order))
        given = []
        for row in got:
            if isinstance(row, dict):
                row = [row.get(n) for n in column_names(MATTER_TABLES[table])]
                values = [v if type(v) in plain else canon(v) for v in row]
            else:
                values = [
                    None if i is None else v if type(v := row[i]) in plain else canon(v) for i in at
                ]
            while values and values[-1] is None:
                values.pop()
            given.append(values)
        if len(given) > 1:
            given.sort(key=_first)
        groups.append((table, given))
    return _matter_token(matter_id, groups)


def table_token(table: str, rows: list[list[Any]]) -> str:
    return f"{table}={len(rows)}.{_digest(rows)}"


def parse_state(state: str | None) -> tuple[dict[int, str], dict[str, str]]:
    """A state's tokens: {matter id: its token's value}, {table: its token's value}."""
    matters: dict[int, str] = {}
    tables: dict[str, str] = {}
    for token in (state or "").split():
        key, _sep, value = token.partition("=")
        if key[:1] == "m" and key[1:].isdigit():
            matters[int(key[1:])] = value
        else:
            tables[key] = value
    return matters, tables


def matter_hints(value: str) -> tuple[str, dict[str, tuple[int, str]]]:
    """A matter token's value: its digest, and {table: (rows, first 8 hex)}."""
    digest, *hints = value.split("/")
    out = {}
    for hint in hints:
        table, n, short = hint.split(".")
        out[table] = (int(n), short)
    return digest, out


# -- reading the register (DB-API) -----------------------------------------------------


class Source:
    """Rows from a DB-API connection (`sqlite3` or `psycopg`), a page at a time."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self._cursors = 0

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple]:
        if self.dialect == "sqlite":
            cursor = self.conn.cursor()
            cursor.arraysize = 2000
        else:
            sql = sql.replace("?", "%s")
            self._cursors += 1
            cursor = self.conn.cursor(name=f"duban_chain_{id(self)}_{self._cursors}")
            cursor.itersize = 5000
        try:
            cursor.execute(sql, tuple(params))
            while page := cursor.fetchmany(2000 if self.dialect == "sqlite" else 5000):
                yield from page
        finally:
            cursor.close()

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        if self.dialect != "sqlite":
            sql = sql.replace("?", "%s")
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql, tuple(params))
        finally:
            cursor.close()

    def run_many(self, sql: str, params: list[Sequence[Any]]) -> None:
        if self.dialect != "sqlite":
            sql = sql.replace("?", "%s")
        cursor = self.conn.cursor()
        try:
            cursor.executemany(sql, params)
        finally:
            cursor.close()


def _chunks(ids: Sequence[int], size: int = 500) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _matter_rows(source: Source, table: str, ids: Sequence[int] | None) -> Iterator[tuple]:
    """(matter id, table's rank, the matter's canonical rows by id) of a table, matter by
    matter; the matter id is -1 for reviews whose report is gone."""
    columns = MATTER_TABLES[table]
    names = column_names(columns)
    rank = list(MATTER_TABLES).index(table)
    if table == "matter":
        select, key, alias = "t.id", "t.id", "t"
        joined = "matter t"
    elif table == "review":
        select, key, alias = "COALESCE(r.matter_id, -1)", "r.matter_id", "t"
        joined = "review t LEFT JOIN report r ON r.id = t.report_id"
    else:
        select, key, alias = "t.matter_id", "t.matter_id", "t"
        joined = f"{table} t"
    sql = f"SELECT {select}, {', '.join(f'{alias}.{n}' for n in names)} FROM {joined}"
    fix = fixer(columns, source.dialect, offset=1)
    batches: Iterable[Sequence[int] | None] = [None] if ids is None else _chunks(ids)
    for batch in batches:
        where = "" if batch is None else f" WHERE {key} IN ({', '.join('?' * len(batch))})"
        rows = source.rows(f"{sql}{where} ORDER BY 1, t.{names[0]}", batch or ())
        for mid, same in groupby(rows, key=_first):
            group = []
            for row in same:
                if fix is not None:
                    row = list(row)
                    for i, f in fix:
                        row[i] = f(row[i])
                values = list(row[1:])
                while values[-1] is None:
                    values.pop()
                group.append(values)
            yield mid, rank, group


_first = itemgetter(0)


def matter_groups(
    source: Source, ids: Sequence[int] | None = None
) -> Iterator[tuple[int, list[tuple[str, list[list[Any]]]]]]:
    """Each matter's rows in the protected tables, matter by matter (ascending id):
    (matter id, [(table, canonical rows by id)]).  `ids`: only these matters (sorted);
    None: every matter that has a row anywhere."""
    names = list(MATTER_TABLES)
    # Each (matter, rank) comes once: the merge never compares two groups' rows.
    merged = heapq.merge(*(_matter_rows(source, t, ids) for t in names))
    for mid, groups in groupby(merged, key=_first):
        yield mid, [(names[rank], rows) for _mid, rank, rows in groups]


def matter_states(source: Source, ids: Sequence[int]) -> dict[int, str]:
    """The state token of each of these matters, from its rows in the register."""
    found = {mid: _matter_token(mid, groups) for mid, groups in matter_groups(source, sorted(ids))}
    for mid in ids:  # a matter with no row at all (gone)
        found.setdefault(mid, f"m{mid}={EMPTY}")
    return found


def table_rows(source: Source, table: str) -> list[list[Any]]:
    """A table without a matter, canonical rows in the order of its key (sorted here:
    a server's collation may order text otherwise)."""
    columns = OTHER_TABLES[table]
    names = column_names(columns)
    fix = fixer(columns, source.dialect)
    rows = []
    for row in source.rows(f"SELECT {', '.join(names)} FROM {table}"):
        if fix is not None:
            row = list(row)
            for i, f in fix:
                row[i] = f(row[i])
        rows.append(row)
    rows.sort(key=lambda r: r[0])
    return [_row(r) for r in rows]


def table_state(source: Source, table: str) -> str:
    """The state token of a table without a matter."""
    return table_token(table, table_rows(source, table))


# -- writing: what a change adds to the chain ----------------------------------------------


def lock(source: Source) -> None:
    """On PostgreSQL, serialise the chain's writers until this transaction ends; call it
    before inserting the first history row (SQLite's writers are serialised already)."""
    if source.dialect == "postgresql":
        source.run(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")


def tail(source: Source, before: int | None = None) -> str | None:
    """The hash the next entry links to: the last chained entry's (before the id
    `before`, when given); None on a register without one.  Take `lock` first."""
    sql = "SELECT hash FROM history WHERE hash IS NOT NULL"
    params: tuple = ()
    if before is not None:
        sql += " AND id < ?"
        params = (before,)
    found = next(source.rows(sql + " ORDER BY id DESC LIMIT 1", params), None)
    return found[0] if found else None


# What a session keeps in `session.info` for the transaction under way.
_PENDING = "duban_chain_pending"  # the entries added, to be sealed
_TOUCHED = "duban_chain_touched"  # the tables written through the session
_CHECKED = "duban_chain_checked"  # the matters (and "tables") whose rows were checked
_CREATED = "duban_chain_created"  # the matters this transaction made
_FOUND = "duban_chain_found"  # what was found changed outside duban before this change
_WATCHED = "duban_chain_watched"
TABLES = "tables"  # the key of the tables without a matter, in _CHECKED and _FOUND


def watch(session: Any) -> None:
    """Make this ORM session seal the history entries it writes, just before each commit,
    and check each matter's rows (and the tables without one) against the latest state
    recorded before it first changes them (once per session)."""
    if session.info.get(_WATCHED):
        return
    session.info[_WATCHED] = True
    from sqlalchemy import event

    event.listen(session, "before_flush", _before_flush)
    event.listen(session, "after_flush", _after_flush)
    event.listen(session, "do_orm_execute", _statement)
    event.listen(session, "before_commit", seal)
    event.listen(session, "after_commit", _committed)
    event.listen(session, "after_soft_rollback", _rolled_back)


def track(session: Any, entry: Any) -> None:
    """A history entry added to this session: to be sealed with the commit.  On
    PostgreSQL the chain's lock is taken now, before the entry is inserted, so that ids
    follow the chain's order."""
    watch(session)
    pending = session.info.setdefault(_PENDING, [])
    if not pending:
        lock(_source(session))
    pending.append(entry)


def _source(session: Any) -> Source:
    conn = session.connection()
    return Source(conn.connection.driver_connection, conn.dialect.name)


def _committed(session: Any) -> None:
    if session.get_nested_transaction() is None:  # not a savepoint's
        _forget(session)


def _rolled_back(session: Any, previous: Any) -> None:
    if not previous.nested:
        _forget(session)


def _forget(session: Any) -> None:
    for key in (_PENDING, _TOUCHED, _CHECKED, _CREATED, _FOUND):
        session.info.pop(key, None)


def _written(session: Any) -> Iterator[Any]:
    yield from session.new
    yield from session.dirty
    yield from session.deleted


def _before_flush(session: Any, _flush_context: Any, _instances: Any) -> None:
    """Before the first change to a matter's rows (or to a table without a matter) in
    this transaction: are they still as the history last recorded them?"""
    info = session.info
    checked = info.setdefault(_CHECKED, set())
    created = info.setdefault(_CREATED, set())
    matters, reports, other = set(), set(), False
    for obj in _written(session):
        table = getattr(obj, "__tablename__", None)
        if table == "matter":
            matters.add(obj.id)
        elif table == "review":
            reports.add(obj.report_id)
        elif table in MATTER_TABLES:
            matters.add(obj.matter_id)
        elif table in OTHER_TABLES:
            other = True
    matters.discard(None)
    reports.discard(None)
    if not matters - checked - created and not reports and (not other or TABLES in checked):
        return
    source = _source(session)
    for batch in _chunks(sorted(reports)):
        sql = f"SELECT matter_id FROM report WHERE id IN ({', '.join('?' * len(batch))})"
        matters.update(m for (m,) in source.rows(sql, batch))
    _check_matters(session, source, matters - checked - created)
    if other:
        _check_tables(session, source)


def _after_flush(session: Any, _flush_context: Any) -> None:
    """The tables this flush wrote, and the matters it made (the session still lists
    them as new, dirty, deleted)."""
    touched = session.info.setdefault(_TOUCHED, set())
    created = session.info.setdefault(_CREATED, set())
    for obj in _written(session):
        name = getattr(obj, "__tablename__", None)
        if name is not None:
            touched.add(name)
        if name == "matter" and obj in session.new:
            created.add(obj.id)


def _statement(state: Any) -> None:
    """An INSERT, UPDATE or DELETE statement run through the session, before it runs."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None:
            state.session.info.setdefault(_TOUCHED, set()).add(table.name)
            if table.name in OTHER_TABLES:
                _check_tables(state.session, _source(state.session))


def _latest_matters(
    source: Source, matters: Sequence[int], before: int | None = None
) -> dict[int, tuple[int, str]]:
    """The latest state recorded of each matter (by its own entries): (entry id, value)."""
    found: dict[int, tuple[int, str]] = {}
    bound = "" if before is None else f" AND id < {int(before)}"
    for batch in _chunks(sorted(matters)):
        marks = ", ".join("?" * len(batch))
        sql = (
            "SELECT h.matter_id, h.id, h.state FROM history h WHERE h.id IN (SELECT max(id) "
            f"FROM history WHERE matter_id IN ({marks}) AND state IS NOT NULL{bound} "
            "GROUP BY matter_id)"
        )
        for mid, entry_id, state in source.rows(sql, batch):
            value = parse_state(state)[0].get(mid)
            if value is not None:
                found[mid] = (entry_id, value)
    return found


def _latest_tables(source: Source, before: int | None = None) -> tuple[int, dict[str, str]]:
    """The latest state recorded of the tables without a matter: (entry id, {table:
    value}); (0, the empty tables) where none was."""
    bound = "" if before is None else f" AND id < {int(before)}"
    last = list(OTHER_TABLES)[-1]
    sql = f"SELECT id, state FROM history WHERE state LIKE ?{bound} ORDER BY id DESC LIMIT 1"
    row = next(source.rows(sql, (f"%{last}=%",)), None)
    if row is None:
        return 0, {t: table_token(t, []).partition("=")[2] for t in OTHER_TABLES}
    return row[0], parse_state(row[1])[1]


def _differ(then: str | None, now: tuple[str, dict[str, tuple[int, str]]]) -> list[str]:
    """The tables whose rows differ between a recorded matter state and the current one."""
    digest, tables = now
    if then is None:
        return list(tables) if digest != EMPTY else []
    then_digest, hints = matter_hints(then)
    if then_digest == digest:
        return []
    out = [
        t
        for t in MATTER_TABLES
        if hints.get(t, (0, "")) != (tables.get(t, (0, ""))[0], tables.get(t, (0, ""))[1][:8])
    ]
    return out or ["matter"]


def _check_matters(
    session: Any, source: Source, matters: set[int], before: int | None = None
) -> None:
    """Compare these matters' rows, as they are before this transaction changes them,
    with the latest state recorded; remember what differs (sealed as an `x` token)."""
    if not matters:
        return
    session.info.setdefault(_CHECKED, set()).update(matters)
    ids = sorted(matters)
    now = {mid: matter_digest(groups) for mid, groups in matter_groups(source, ids)}
    then = _latest_matters(source, ids, before)
    found = session.info.setdefault(_FOUND, {})
    for mid in ids:
        recorded = then.get(mid)
        tables = _differ(recorded[1] if recorded else None, now.get(mid, (EMPTY, {})))
        if tables:
            found[mid] = f"{recorded[0] if recorded else 0}:{','.join(tables)}"


def _check_tables(session: Any, source: Source, before: int | None = None) -> None:
    """The same for the tables without a matter, once per transaction."""
    checked = session.info.setdefault(_CHECKED, set())
    if TABLES in checked:
        return
    checked.add(TABLES)
    entry_id, then = _latest_tables(source, before)
    differ = [
        t
        for t in OTHER_TABLES
        if then.get(t) != table_token(t, table_rows(source, t)).partition("=")[2]
    ]
    if differ:
        session.info.setdefault(_FOUND, {})[TABLES] = f"{entry_id}:{','.join(differ)}"


def found_token(key: int | str, value: str) -> str:
    """What a change found altered outside duban before it: `x12=<entry>:<tables>` for
    matter 12, `x=<entry>:<tables>` for the tables without a matter (entry 0: none
    recorded them)."""
    return f"x{key if key != TABLES else ''}={value}"


def parse_found(state: str | None) -> dict[int | str, tuple[int, list[str]]]:
    """The `x` tokens of a state: {matter id or TABLES: (entry id, tables)}."""
    out: dict[int | str, tuple[int, list[str]]] = {}
    for token in (state or "").split():
        key, _sep, value = token.partition("=")
        if key[:1] == "x" and (key == "x" or key[1:].isdigit()):
            entry, _sep, tables = value.partition(":")
            out[int(key[1:]) if key != "x" else TABLES] = (int(entry), tables.split(","))
    return out


def seal(session: Any) -> None:
    """Chain the entries this session added, with the states of what they changed.

    The last entry of each matter records that matter's rows; when a table without a
    matter was written (or an entry without a matter was added) the last such entry (or
    else the last entry) records every such table.  What was found changed outside
    duban before this change (`_check_matters`) is recorded with it, for good.
    """
    info = session.info
    pending = info.get(_PENDING)
    if not pending or session.get_nested_transaction() is not None:  # a savepoint's
        return
    session.flush()
    source = _source(session)
    ids = sorted(e.id for e in pending)
    fix = fixer(("matter_id", "action", "detail", "actor", "recorded_at:t",
                 "effective_on:d"), source.dialect, offset=1)  # fmt: skip
    entries = []
    for batch in _chunks(ids):
        sql = (
            f"SELECT id, {', '.join(ENTRY_COLUMNS)} FROM history "
            f"WHERE id IN ({', '.join('?' * len(batch))}) ORDER BY id"
        )
        for row in source.rows(sql, batch):
            if fix is not None:
                row = list(row)
                for i, f in fix:
                    row[i] = f(row[i])
            entries.append(row)
    last: dict[int | None, int] = {}
    for row in entries:
        last[row[1]] = row[0]
    matters = [m for m in last if m is not None]
    # Matters this change named but did not write: their rows now are as before it.
    unchecked = set(matters) - info.get(_CHECKED, set()) - info.get(_CREATED, set())
    _check_matters(session, source, unchecked, before=ids[0])
    other = None in last or info.get(_TOUCHED, set()) & set(OTHER_TABLES)
    if other:
        _check_tables(session, source, before=ids[0])
    tokens: dict[int, list[str]] = {}
    found = info.get(_FOUND, {})
    for mid, token in matter_states(source, matters).items():
        tokens.setdefault(last[mid], []).append(token)
    for key, value in found.items():
        carrier = last.get(key if key != TABLES else None, ids[-1])
        tokens.setdefault(carrier, []).append(found_token(key, value))
    if other:
        carrier = last.get(None, ids[-1])
        for table in OTHER_TABLES:
            tokens.setdefault(carrier, []).append(table_state(source, table))
    prev = tail(source, before=ids[0])
    updates = []
    for entry_id, *fields in entries:
        state = " ".join(tokens.get(entry_id, ())) or None
        new = entry_hash(prev, *fields, state)
        updates.append((prev, new, state, entry_id))
        prev = new
    source.run_many("UPDATE history SET prev_hash = ?, hash = ?, state = ? WHERE id = ?", updates)
    from sqlalchemy.orm.attributes import set_committed_value

    by_id = {e.id: e for e in pending}
    for prev_hash, new, state, entry_id in updates:
        entry = by_id[entry_id]
        set_committed_value(entry, "prev_hash", prev_hash)
        set_committed_value(entry, "hash", new)
        set_committed_value(entry, "state", state)
    _forget(session)
