"""Schema migrations: a numbered list, each applied once and recorded in a table.

A register made by any release opens in every later one: `migrate` runs before any
command touches the register and applies, in one transaction each, the steps it has
not yet recorded in `schema_migration`.  Steps are frozen: never edit a released
one, append a new one.  They use SQLAlchemy Core so that the same step runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Connection

# Instants are stored in UTC with their zone where the database has one (PostgreSQL).
TIMESTAMP = DateTime(timezone=True)


def _m0001_initial(conn: Connection) -> None:
    md = MetaData()
    Table(
        "unit",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String, nullable=False, unique=True, index=True),
        Column("code", String, unique=True),
        Column("kind", String, nullable=False),
        Column("head", String),
        Column("parent_id", Integer, ForeignKey("unit.id")),
        Column("created_at", TIMESTAMP, nullable=False),
    )
    Table(
        "matter",
        md,
        Column("id", Integer, primary_key=True),
        Column("code", String, nullable=False, unique=True, index=True),
        Column("year", Integer, nullable=False),
        Column("seq", Integer, nullable=False),
        Column("title", String, nullable=False),
        Column("source", String, nullable=False, index=True),
        Column("source_ref", String),
        Column("leader", String),
        Column("handling", String),
        Column("reporting", String, nullable=False),
        Column("received_on", Date, nullable=False),
        Column("due_on", Date, nullable=False, index=True),
        Column("due_within", Integer),
        Column("due_from", Date),
        Column("due_provisional", Boolean, nullable=False),
        Column("note", String),
        Column("status", String, nullable=False, index=True),
        Column("closed_on", Date),
        Column("created_at", TIMESTAMP, nullable=False),
        Column("created_by", String, nullable=False),
        UniqueConstraint("year", "seq", name="uq_matter_year_seq"),
    )
    Table(
        "assignment",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), nullable=False, index=True),
        Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False, index=True),
        Column("role", String, nullable=False),
        Column("responsible", String),
        Column("notified_on", Date, nullable=False),
        Column("due_on", Date, nullable=False, index=True),
        Column("due_within", Integer),
        Column("due_from", Date),
        Column("due_provisional", Boolean, nullable=False),
        Column("original_due_on", Date, nullable=False),
        Column("original_due_within", Integer),
        Column("original_due_from", Date),
        Column("original_due_provisional", Boolean, nullable=False),
        Column("status", String, nullable=False, index=True),
        Column("completed_on", Date),
        Column("created_at", TIMESTAMP, nullable=False),
        UniqueConstraint("matter_id", "unit_id", name="uq_assignment_matter_unit"),
    )
    Table(
        "report",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), nullable=False, index=True),
        Column("assignment_id", Integer, ForeignKey("assignment.id"), nullable=False, index=True),
        Column("kind", String, nullable=False),
        Column("text", Text, nullable=False),
        Column("file_name", String),
        Column("written", Boolean, nullable=False),
        Column("signed_by", String),
        Column("sealed", Boolean, nullable=False),
        Column("received_on", Date, nullable=False),
        Column("proposed_due_on", Date),
        Column("status", String, nullable=False, index=True),
        Column("created_at", TIMESTAMP, nullable=False),
        Column("created_by", String, nullable=False),
    )
    Table(
        "review",
        md,
        Column("id", Integer, primary_key=True),
        Column("report_id", Integer, ForeignKey("report.id"), nullable=False, unique=True),
        Column("decision", String, nullable=False),
        Column("reason", String),
        Column("reviewed_on", Date, nullable=False),
        Column("new_due_on", Date),
        Column("created_at", TIMESTAMP, nullable=False),
        Column("created_by", String, nullable=False),
    )
    Table(
        "event",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), index=True),
        Column("action", String, nullable=False, index=True),
        Column("detail", Text, nullable=False),
        Column("actor", String, nullable=False),
        Column("recorded_at", TIMESTAMP, nullable=False),
        Column("effective_on", Date, nullable=False),
    )
    Table(
        "calendar_year",
        md,
        Column("year", Integer, primary_key=True, autoincrement=False),
        Column("source", String, nullable=False),
        Column("papers", Text),
        Column("loaded_at", TIMESTAMP, nullable=False),
        Column("loaded_by", String, nullable=False),
    )
    Table(
        "calendar_day",
        md,
        Column("id", Integer, primary_key=True),
        Column("day", Date, nullable=False, index=True),
        Column("off", Boolean, nullable=False),
        Column("name", String, nullable=False),
        Column("set_by_office", Boolean, nullable=False),
        UniqueConstraint("day", "set_by_office", name="uq_calendar_day"),
    )
    Table(
        "setting",
        md,
        Column("key", String, primary_key=True),
        Column("value", String, nullable=False),
    )
    md.create_all(conn)


# 0.1.0's action names, and the `group.verb` names that replaced them.
_ACTIONS_0002 = {
    "register": "matter.register",
    "close": "matter.close",
    "assign": "assignment.add",
    "complete": "assignment.complete",
    "report": "report.add",
    "extend": "deadline.extend",
    "recompute": "calendar.recompute",
}


def _m0002_deadline_rows(conn: Connection) -> None:
    """Deadlines become rows of their own table, each change a row; `event` becomes
    `history`, with `group.verb` action names.

    Each matter's deadline becomes one row (why `register`, effective on receipt), each
    assignment's original deadline one row (`assign`, effective on notification) and,
    where the current deadline differs, a second row dated by the history entry that
    changed it last (`rework` for a returned report, `extension` for an accepted one).
    """
    import json

    md = MetaData()
    for existing in ("matter", "assignment"):  # named, not created: the keys point at them
        Table(existing, md, Column("id", Integer, primary_key=True))
    deadline = Table(
        "deadline",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), nullable=False, index=True),
        Column("assignment_id", Integer, ForeignKey("assignment.id"), index=True),
        Column("what", String, nullable=False),
        Column("due_on", Date, nullable=False, index=True),
        Column("counted_from", Date),
        Column("within", Integer),
        Column("provisional", Boolean, nullable=False),
        Column("why", String, nullable=False),
        Column("previous_id", Integer, ForeignKey("deadline.id")),
        Column("effective_on", Date, nullable=False),
        Column("recorded_at", TIMESTAMP, nullable=False),
    )
    deadline.create(conn)
    for table, columns in (
        ("matter", ("deadline_id",)),
        ("assignment", ("deadline_id", "original_deadline_id")),
    ):
        for column in columns:
            conn.exec_driver_sql(
                f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES deadline(id)"
            )

    def insert(**row: object) -> int:
        return conn.execute(deadline.insert().values(**row)).inserted_primary_key[0]

    def read(sql: str, **types: object) -> list:
        # Typed, so that SQLite's text dates come back as dates (as PostgreSQL's do).
        return conn.execute(text(sql).columns(**types)).fetchall()

    matters = read(
        "SELECT id, received_on, due_on, due_within, due_from, due_provisional, created_at "
        "FROM matter ORDER BY id",
        id=Integer, received_on=Date, due_on=Date, due_within=Integer, due_from=Date,
        due_provisional=Boolean, created_at=TIMESTAMP,
    )  # fmt: skip
    for m_id, received, due, within, start, provisional, created in matters:
        new = insert(matter_id=m_id, what="matter", due_on=due, counted_from=start,
                     within=within, provisional=bool(provisional), why="register",
                     effective_on=received, recorded_at=created)  # fmt: skip
        conn.exec_driver_sql(f"UPDATE matter SET deadline_id = {int(new)} WHERE id = {m_id}")
    changes: dict[tuple[int, str], tuple[str, object]] = {}
    for m_id, action, detail, effective in read(
        "SELECT matter_id, action, detail, effective_on FROM event "
        "WHERE action IN ('review.return', 'extend') ORDER BY id",
        matter_id=Integer, action=String, detail=Text, effective_on=Date,
    ):  # fmt: skip
        unit = json.loads(detail).get("unit")
        changes[(m_id, unit)] = ("rework" if action == "review.return" else "extension", effective)
    rows = read(
        "SELECT a.id, a.matter_id, u.name, a.notified_on, a.created_at, "
        "a.original_due_on, a.original_due_within, a.original_due_from, "
        "a.original_due_provisional, a.due_on, a.due_within, a.due_from, a.due_provisional "
        "FROM assignment a JOIN unit u ON u.id = a.unit_id ORDER BY a.id",
        id=Integer, matter_id=Integer, name=String, notified_on=Date, created_at=TIMESTAMP,
        original_due_on=Date, original_due_within=Integer, original_due_from=Date,
        original_due_provisional=Boolean, due_on=Date, due_within=Integer, due_from=Date,
        due_provisional=Boolean,
    )  # fmt: skip
    for a_id, m_id, unit, notified, created, *due in rows:
        original, current = due[:4], due[4:]
        first = insert(matter_id=m_id, assignment_id=a_id, what="assignment", due_on=original[0],
                       counted_from=original[2], within=original[1],
                       provisional=bool(original[3]), why="assign", effective_on=notified,
                       recorded_at=created)  # fmt: skip
        now = first
        if tuple(current) != tuple(original):
            why, effective = changes.get((m_id, unit), ("rework", notified))
            now = insert(matter_id=m_id, assignment_id=a_id, what="assignment",
                         due_on=current[0], counted_from=current[2], within=current[1],
                         provisional=bool(current[3]), why=why, previous_id=first,
                         effective_on=effective, recorded_at=created)  # fmt: skip
        conn.exec_driver_sql(
            f"UPDATE assignment SET deadline_id = {int(now)}, original_deadline_id = {int(first)} "
            f"WHERE id = {a_id}"
        )
    # The columns the rows replace.  Their indexes go first: SQLite drops no indexed column.
    for table in ("matter", "assignment"):
        conn.exec_driver_sql(f"DROP INDEX ix_{table}_due_on")
    dropped = {
        "matter": ("due_on", "due_within", "due_from", "due_provisional"),
        "assignment": tuple(
            f"{p}due_{s}"
            for p in ("", "original_")
            for s in ("on", "within", "from", "provisional")
        ),
    }
    for table, columns in dropped.items():
        for column in columns:
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    # The history: one name for one concept.
    for index in ("matter_id", "action"):
        conn.exec_driver_sql(f"DROP INDEX ix_event_{index}")
    conn.exec_driver_sql("ALTER TABLE event RENAME TO history")
    for index in ("matter_id", "action"):
        conn.exec_driver_sql(f"CREATE INDEX ix_history_{index} ON history ({index})")
    for old, new in _ACTIONS_0002.items():
        conn.exec_driver_sql(f"UPDATE history SET action = '{new}' WHERE action = '{old}'")


def _m0003_read_indexes(conn: Connection) -> None:
    """Indexes for the reads, so that their cost follows the rows found, not the register.

    `overdue --as-of` looks for assignments still open or completed after the day and
    matters not closed by it; `list --status` lists one status in the register's order.
    """
    conn.exec_driver_sql("CREATE INDEX ix_assignment_completed_on ON assignment (completed_on)")
    conn.exec_driver_sql("CREATE INDEX ix_matter_closed_on ON matter (closed_on)")
    conn.exec_driver_sql("CREATE INDEX ix_matter_status_year_seq ON matter (status, year, seq)")
    # Participating units' assignments stay open: overdue wants the open *lead* ones.
    conn.exec_driver_sql("CREATE INDEX ix_assignment_status_role ON assignment (status, role)")


def _m0004_aliases_and_proposers(conn: Connection) -> None:
    """Units' short names (简称), and whose proposal a matter is (第十条: counted apart).

    Matters registered before stay without a proposer: nothing recorded says whose
    proposal they were.
    """
    md = MetaData()
    Table("unit", md, Column("id", Integer, primary_key=True))
    Table(
        "unit_alias",
        md,
        Column("id", Integer, primary_key=True),
        Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False, index=True),
        Column("alias", String, nullable=False, unique=True),
    )
    md.tables["unit_alias"].create(conn)
    conn.exec_driver_sql("ALTER TABLE matter ADD COLUMN proposal_by VARCHAR")


def _m0005_urgings(conn: Connection) -> None:
    """Urgings (催办): the office urged one unit on one matter, on a day, by some means."""
    md = MetaData()
    Table("matter", md, Column("id", Integer, primary_key=True))
    Table("assignment", md, Column("id", Integer, primary_key=True))
    Table(
        "urging",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), nullable=False, index=True),
        Column("assignment_id", Integer, ForeignKey("assignment.id"), nullable=False, index=True),
        Column("urged_on", Date, nullable=False, index=True),
        Column("via", String, nullable=False),
        Column("note", String),
        Column("created_at", TIMESTAMP, nullable=False),
        Column("created_by", String, nullable=False),
    )
    md.tables["urging"].create(conn)


def _m0006_follow_through(conn: Connection) -> None:
    """Follow-through (第十一条 to 第十六条, 第二十条): the plan, periodic reporting,
    milestones, late reasons, coordinations, inspections, attachments, notices sent."""
    conn.exec_driver_sql("ALTER TABLE matter ADD COLUMN report_every INTEGER")
    conn.exec_driver_sql("ALTER TABLE matter ADD COLUMN plan TEXT")
    conn.exec_driver_sql("ALTER TABLE matter ADD COLUMN restricted BOOLEAN NOT NULL DEFAULT false")
    conn.exec_driver_sql("ALTER TABLE report ADD COLUMN late_reason TEXT")
    md = MetaData()
    Table("matter", md, Column("id", Integer, primary_key=True))
    Table("assignment", md, Column("id", Integer, primary_key=True))
    Table("report", md, Column("id", Integer, primary_key=True))
    common = ("created_at", "created_by")
    Table(
        "milestone",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), nullable=False, index=True),
        Column("assignment_id", Integer, ForeignKey("assignment.id"), index=True),
        Column("title", String, nullable=False),
        Column("due_on", Date, nullable=False, index=True),
        Column("counted_from", Date),
        Column("within", Integer),
        Column("provisional", Boolean, nullable=False),
        Column("created_on", Date, nullable=False),
        Column(common[0], TIMESTAMP, nullable=False),
        Column(common[1], String, nullable=False),
    )
    Table(
        "coordination",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), nullable=False, index=True),
        Column("units", String, nullable=False),
        Column("note", Text, nullable=False),
        Column("escalated", Boolean, nullable=False),
        Column("coordinated_on", Date, nullable=False),
        Column(common[0], TIMESTAMP, nullable=False),
        Column(common[1], String, nullable=False),
    )
    Table(
        "inspection",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), nullable=False, index=True),
        Column("method", String, nullable=False),
        Column("note", Text),
        Column("inspected_on", Date, nullable=False),
        Column(common[0], TIMESTAMP, nullable=False),
        Column(common[1], String, nullable=False),
    )
    Table(
        "attachment",
        md,
        Column("id", Integer, primary_key=True),
        Column("matter_id", Integer, ForeignKey("matter.id"), nullable=False, index=True),
        Column("report_id", Integer, ForeignKey("report.id"), index=True),
        Column("inspection_id", Integer, ForeignKey("inspection.id"), index=True),
        Column("name", String, nullable=False),
        Column("sha256", String, nullable=False),
        Column("size", Integer, nullable=False),
        Column("stored", String, nullable=False),
        Column(common[0], TIMESTAMP, nullable=False),
        Column(common[1], String, nullable=False),
    )
    Table(
        "notice",
        md,
        Column("id", Integer, primary_key=True),
        Column("kind", String, nullable=False),
        Column("ref", String, nullable=False),
        Column("sent_at", TIMESTAMP, nullable=False),
        Column("ok", Boolean, nullable=False),
        UniqueConstraint("kind", "ref", name="uq_notice_kind_ref"),
    )
    for name in ("milestone", "coordination", "inspection", "attachment", "notice"):
        md.tables[name].create(conn)
    # A report names its milestone; SQLite cannot add a column with a foreign key to a
    # table with rows, so the reference is checked by duban, and indexed.
    conn.exec_driver_sql("ALTER TABLE report ADD COLUMN milestone_id INTEGER")
    conn.exec_driver_sql("CREATE INDEX ix_report_milestone_id ON report (milestone_id)")
    # `register` looks for a likely duplicate by reference and by title (第十一条).
    conn.exec_driver_sql("CREATE INDEX ix_matter_source_ref ON matter (source_ref)")
    conn.exec_driver_sql("CREATE INDEX ix_matter_title ON matter (title)")
    # `overdue` looks for the few matters reporting periodically on every run.
    conn.exec_driver_sql("CREATE INDEX ix_matter_report_every ON matter (report_every)")


def _repair_0007(conn: Connection) -> None:
    """Steps 3 and 6 grew after they first landed (before any release): a register made
    by a build in between has their first form.  Give it what they added later, so that
    every register at schema 6 is the same (tests/data/registers/duban-schema-3.db and
    -6.db were made by those builds)."""
    from sqlalchemy import inspect

    if "restricted" not in {c["name"] for c in inspect(conn).get_columns("matter")}:
        conn.exec_driver_sql(
            "ALTER TABLE matter ADD COLUMN restricted BOOLEAN NOT NULL DEFAULT false"
        )
    for name, on in (
        ("ix_matter_status_year_seq", "matter (status, year, seq)"),
        ("ix_assignment_status_role", "assignment (status, role)"),
        ("ix_matter_source_ref", "matter (source_ref)"),
        ("ix_matter_title", "matter (title)"),
        ("ix_matter_report_every", "matter (report_every)"),
    ):
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {on}")


def _m0007_trust(conn: Connection) -> None:
    """Trust (issue 11): the history as a hash chain, units' heads with their dates, and
    three indexes dropped that another index already serves (each is the first column
    of a wider one), so that every write keeps fewer."""
    _repair_0007(conn)
    conn.exec_driver_sql("ALTER TABLE history ADD COLUMN prev_hash VARCHAR")
    conn.exec_driver_sql("ALTER TABLE history ADD COLUMN hash VARCHAR")
    conn.exec_driver_sql("ALTER TABLE history ADD COLUMN state TEXT")  # duban.chain
    md = MetaData()
    Table("unit", md, Column("id", Integer, primary_key=True))
    heads = Table(
        "unit_head",
        md,
        Column("id", Integer, primary_key=True),
        Column("unit_id", Integer, ForeignKey("unit.id"), nullable=False, index=True),
        Column("head", String),
        # The first business day this person was the head; NULL: from before the
        # register knew (the head a unit had when this step ran).
        Column("since", Date),
        Column("created_at", TIMESTAMP, nullable=False),
        Column("created_by", String, nullable=False),
    )
    heads.create(conn)
    now = dt.datetime.now(dt.UTC)
    rows = conn.exec_driver_sql("SELECT id, head FROM unit WHERE head IS NOT NULL").all()
    if rows:
        conn.execute(
            heads.insert(),
            [
                {
                    "unit_id": u,
                    "head": h,
                    "since": None,
                    "created_at": now,
                    "created_by": "migration",
                }
                for u, h in rows
            ],
        )
    # ix_matter_status_year_seq, ix_assignment_status_role and the unique (matter_id,
    # unit_id) serve every lookup these did.
    for name in ("ix_matter_status", "ix_assignment_status", "ix_assignment_matter_id"):
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    _chain_0007(conn)  # keep last: it vouches for the rows as this step leaves them


# The protected tables' columns as migration 7 hashes them (a frozen copy of
# duban.chain's MATTER_TABLES and OTHER_TABLES as they were then).
_CHAIN_MATTER_0007 = {
    "matter": "id code year seq title source proposal_by source_ref leader handling "
    "reporting report_every plan restricted:b received_on:d deadline_id note status "
    "closed_on:d created_at:t created_by",
    "assignment": "id matter_id unit_id role responsible notified_on:d deadline_id "
    "original_deadline_id status completed_on:d created_at:t",
    "deadline": "id matter_id assignment_id what due_on:d counted_from:d within provisional:b "
    "why previous_id effective_on:d recorded_at:t",
    "report": "id matter_id assignment_id kind text file_name written:b signed_by sealed:b "
    "received_on:d proposed_due_on:d late_reason milestone_id status created_at:t created_by",
    "review": "id report_id decision reason reviewed_on:d new_due_on:d created_at:t created_by",
    "urging": "id matter_id assignment_id urged_on:d via note created_at:t created_by",
    "milestone": "id matter_id assignment_id title due_on:d counted_from:d within "
    "provisional:b created_on:d created_at:t created_by",
    "coordination": "id matter_id units note escalated:b coordinated_on:d created_at:t created_by",
    "inspection": "id matter_id method note inspected_on:d created_at:t created_by",
    "attachment": "id matter_id report_id inspection_id name sha256 size stored created_at:t "
    "created_by",
}
_CHAIN_OTHER_0007 = {
    "unit": "id name code kind head parent_id created_at:t",
    "unit_alias": "id unit_id alias",
    "unit_head": "id unit_id head since:d created_at:t created_by",
    "setting": "key value",
    "calendar_year": "year source papers loaded_at:t loaded_by",
    "calendar_day": "id day:d off:b name set_by_office:b",
    "notice": "id kind ref sent_at:t ok:b",
}


def _chain_0007(conn: Connection) -> None:
    """The history as it stands, chained in id order; the last entry of each matter
    records the digest of that matter's rows, the last entry without a matter (or else
    the last entry) those of the tables without one.  A frozen copy of `duban.chain`'s
    hashing as it was at migration 7: the same text, the same digests."""
    import hashlib
    import heapq
    import json
    from itertools import groupby

    if conn.exec_driver_sql("SELECT count(*) FROM history").scalar() == 0:
        return
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                              check_circular=False).encode  # fmt: skip

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def instant(v: object) -> object:
        if isinstance(v, dt.datetime):
            v = v.astimezone(dt.UTC) if v.tzinfo is not None else v
            return v.strftime("%Y-%m-%d %H:%M:%S.%f")
        return v

    def day(v: object) -> object:
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return v.isoformat()
        return instant(v)

    def flag(v: object) -> object:
        return int(v) if isinstance(v, bool) else v

    kinds = {"d": day, "t": instant, "b": flag}
    typed = conn.dialect.name != "sqlite"  # SQLite's values are canonical as they are

    def canonical(row: tuple, columns: list[str], offset: int) -> list:
        out = list(row[offset:])
        if typed:
            for i, c in enumerate(columns):
                kind = c.partition(":")[2]
                if kind:
                    out[i] = kinds[kind](out[i])
        while out and out[-1] is None:
            out.pop()
        return out

    def stream(sql: str):
        return conn.exec_driver_sql(sql, execution_options={"stream_results": True})

    def matter_rows(rank: int, table: str, spec: str):
        columns = spec.split()
        names = ", ".join(f"t.{c.partition(':')[0]}" for c in columns)
        if table == "matter":
            sql = f"SELECT t.id, {names} FROM matter t"
        elif table == "review":
            sql = (f"SELECT COALESCE(r.matter_id, -1), {names} FROM review t "
                   "LEFT JOIN report r ON r.id = t.report_id")  # fmt: skip
        else:
            sql = f"SELECT t.matter_id, {names} FROM {table} t"
        for row in stream(sql + " ORDER BY 1, t.id"):
            yield row[0], rank, canonical(tuple(row), columns, 1)

    tables = list(_CHAIN_MATTER_0007)
    merged = heapq.merge(
        *(matter_rows(i, t, _CHAIN_MATTER_0007[t]) for i, t in enumerate(tables)),
        key=lambda x: (x[0], x[1]),
    )
    last = dict(
        conn.exec_driver_sql("SELECT matter_id, max(id) FROM history GROUP BY matter_id").all()
    )
    tokens: dict[int, list[str]] = {}
    for mid, rows in groupby(merged, key=lambda x: x[0]):
        if mid not in last:
            continue  # rows no entry explains: verify will say so
        lines, hints = [], []
        for rank, same in groupby(rows, key=lambda x: x[1]):
            found = [r[2] for r in same]
            digest = sha(encode(found))
            lines.append(f"{tables[rank]}.{len(found)}.{digest}")
            hints.append(f"{tables[rank]}.{len(found)}.{digest[:8]}")
        token = "/".join([f"m{mid}={sha(chr(10).join(lines))}", *hints])
        tokens.setdefault(last[mid], []).append(token)
    carrier = last.get(None) or max(last.values())
    for table, spec in _CHAIN_OTHER_0007.items():
        columns = spec.split()
        names = ", ".join(c.partition(":")[0] for c in columns)
        found = sorted(
            (canonical(tuple(r), columns, 0) for r in conn.exec_driver_sql(
                f"SELECT {names} FROM {table}")),
            key=lambda r: r[0],
        )  # fmt: skip
        tokens.setdefault(carrier, []).append(f"{table}={len(found)}.{sha(encode(found))}")
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    update = (
        f"UPDATE history SET prev_hash = {mark}, hash = {mark}, state = {mark} WHERE id = {mark}"
    )
    prev, batch = None, []
    entries = stream("SELECT id, matter_id, action, detail, actor, recorded_at, effective_on "
                     "FROM history ORDER BY id")  # fmt: skip
    for entry_id, mid, action, detail, actor, recorded, effective in entries:
        state = " ".join(tokens.pop(entry_id, ())) or None
        text = encode(["duban-history-1", prev, mid, action, detail, actor, instant(recorded),
                       day(effective), state])  # fmt: skip
        new = sha(text)
        batch.append((prev, new, state, entry_id))
        prev = new
    for i in range(0, len(batch), 5000):
        conn.exec_driver_sql(update, batch[i : i + 5000])


# The numbered list.  Append only.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "units, matters, assignments, reports, reviews, history, calendar", _m0001_initial),
    (
        2,
        "deadlines as rows, each change kept; history with group.verb actions",
        _m0002_deadline_rows,
    ),
    (3, "indexes for reads as of a day", _m0003_read_indexes),
    (4, "units' short names; whose proposal a matter is", _m0004_aliases_and_proposers),
    (5, "urgings (催办)", _m0005_urgings),
    (
        6,
        "plans, periodic reports, restricted matters, milestones, coordinations, "
        "inspections, attachments, notices",
        _m0006_follow_through,
    ),
    (7, "history as a hash chain; units' heads by date; fewer indexes", _m0007_trust),
]

LATEST = MIGRATIONS[-1][0]

_RECORD = Table(
    "schema_migration",
    MetaData(),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String, nullable=False),
    Column("applied_at", TIMESTAMP, nullable=False),
)


def applied_versions(conn: Connection) -> set[int]:
    from sqlalchemy import inspect

    if not inspect(conn).has_table(_RECORD.name):
        return set()
    return {row[0] for row in conn.execute(_RECORD.select().with_only_columns(_RECORD.c.version))}


def migrate(engine, *, create: bool = True) -> list[int]:
    """Apply every step not yet recorded, each in its own transaction; return them.

    Without `create`, a database holding no register is refused (RegisterError): a
    command that only reads never makes one.

    The check is a plain read, so a reader (the morning cron job) never waits for a
    clerk's write lock.  Each step re-reads the record inside its own write
    transaction, so two processes opening a new register at once apply it once.
    """
    with engine.execution_options(duban_read_only=True).begin() as conn:
        done = applied_versions(conn)
    from duban.errors import RegisterError
    from duban.i18n import _

    if not done and not create:
        raise RegisterError(
            _(
                "there is no register at {where}: check --db or DUBAN_DB "
                "(a command that changes the register creates it)"
            ).format(where=repr(engine.url))
        )
    if done and max(done) > LATEST:
        raise RegisterError(
            _(
                "this register was written by a newer duban (schema {version}, this one knows "
                "{known}): upgrade duban"
            ).format(version=max(done), known=LATEST)
        )
    applied = []
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(20180507)")
            _RECORD.create(conn, checkfirst=True)
            if version in applied_versions(conn):
                continue
            step(conn)
            now = dt.datetime.now(dt.UTC)
            conn.execute(_RECORD.insert().values(version=version, name=name, applied_at=now))
        applied.append(version)
    return applied
