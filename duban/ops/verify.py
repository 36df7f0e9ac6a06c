"""verify: the history's hash chain and the current tables, checked against each other.

The chain (`duban.chain`) is walked in id order: an entry whose hash does not match its
content was changed; one that does not link to the entry before it follows entries
removed (or was itself put in with a forged link); one with no hash, or a wrong hash
and a wrong link that the next entry skips over, was put in outside duban.  Then every
matter's rows in the protected tables, and every table without a matter, are hashed
again and compared with the latest state the history recorded of them: a row changed,
added or removed outside duban, or one no change recorded, is a finding that names its
table and matter.

What it cannot see: someone who rewrites the whole chain from the first changed entry
on, with this program's own hashing, leaves a chain that verifies.  `head` (the last
entry's hash), written down or sent elsewhere, is what shows that: `--anchor HEAD`
checks that an earlier head is still in the chain.  See docs/verify.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from duban import chain
from duban.i18n import _


@dataclass(frozen=True)
class Finding:
    """One thing changed outside duban: the table, what was found, and where."""

    table: str
    found: str  # changed, removed, inserted, added, unexplained, anchor
    message: str
    id: int | None = None  # a history entry's id, or the first row named
    code: str | None = None  # the matter's code, where the rows are a matter's


@dataclass
class Verified:
    findings: list[Finding] = field(default_factory=list)
    head: str | None = None  # the last entry's hash: write it down, check it later
    entries: int = 0
    matters: int = 0
    tables: tuple[str, ...] = chain.PROTECTED
    anchor: str | None = None
    seconds: float = 0.0
    # What duban found changed outside it when it next wrote: (entry, matter id or
    # chain.TABLES, the entry that had recorded them or 0, the tables).
    found_before: list[tuple[int, int | str, int, list[str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def verify(conn: Any, dialect: str, *, anchor: str | None = None) -> Verified:
    """Check the register on this DB-API connection (a reader's: nothing is written).

    On PostgreSQL the reads run in one REPEATABLE READ transaction, so that the chain and
    the tables are seen as of one moment, as SQLite's reader sees them.
    """
    import time

    start = time.perf_counter()
    if dialect == "postgresql":
        import psycopg

        conn.rollback()
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    source = chain.Source(conn, dialect)
    out = Verified(anchor=anchor)
    matters, tables, anchored = _walk(source, out, anchor)
    if anchor is not None and not anchored:
        out.findings.append(
            Finding(
                "history",
                "anchor",
                _(
                    "the anchor {anchor} is not in the history: the chain was rewritten "
                    "or cut short since that head was written down"
                ).format(anchor=anchor),
            )
        )
    _matters(source, out, matters)
    _tables(source, out, tables)
    out.seconds = time.perf_counter() - start
    return out


# -- the chain ---------------------------------------------------------------------------


def _walk(
    source: chain.Source, out: Verified, anchor: str | None
) -> tuple[dict[int, tuple[int, str]], dict[str, tuple[int, str]], bool]:
    """Walk the chain; the latest state recorded of each matter and each table."""
    fix = chain.fixer(("recorded_at:t", "effective_on:d"), source.dialect, offset=5)
    matters: dict[int, tuple[int, str]] = {}
    tables: dict[str, tuple[int, str]] = {}
    found: list[tuple[int, int | str, int, list[str]]] = []  # what changes found altered
    prev: str | None = None  # the hash the next entry must link to
    last_id: int | None = None
    doubtful: tuple | None = None  # wrong hash and wrong link: decided by the next entry
    anchored = False

    def inserted(entry_id: int) -> None:
        out.findings.append(
            Finding(
                "history",
                "inserted",
                _("history entry #{id} is not in the chain: it was put in outside duban").format(
                    id=entry_id
                ),
                id=entry_id,
            )
        )

    def changed(entry_id: int, with_hash: bool) -> None:
        message = (
            _(
                "history entry #{id} is not the one duban wrote there: its hash and its link "
                "were changed, or it was put in outside duban"
            )
            if with_hash
            else _("history entry #{id} was changed outside duban: its hash does not match it")
        )
        out.findings.append(Finding("history", "changed", message.format(id=entry_id), id=entry_id))

    sql = (
        f"SELECT id, {', '.join(chain.ENTRY_COLUMNS)}, prev_hash, hash, state "
        "FROM history ORDER BY id"
    )
    for row in source.rows(sql):
        if fix is not None:
            row = list(row)
            for i, f in fix:
                row[i] = f(row[i])
        entry_id, mid, action, detail, actor, recorded, effective, link, own, state = row
        out.entries += 1
        if doubtful is not None:
            if link == prev:  # this one links over it: it was put in
                inserted(doubtful[0])
            else:
                changed(doubtful[0], with_hash=True)
                prev = doubtful[1]
            doubtful = None
        whole = own is not None and own == chain.entry_hash(
            link, mid, action, detail, actor, recorded, effective, state
        )
        linked = link == prev
        if whole and not linked:
            before = last_id or 0  # ids count from 1
            if entry_id == before + 2:
                message = _(
                    "the history breaks before entry #{id}: entry #{gone} was removed outside duban"
                ).format(id=entry_id, gone=before + 1)
            elif entry_id > before + 2:
                message = _(
                    "the history breaks before entry #{id}: entries #{first} to #{last} "
                    "were removed outside duban"
                ).format(id=entry_id, first=before + 1, last=entry_id - 1)
            else:
                message = _(
                    "the history breaks before entry #{id}: an entry before it was removed "
                    "outside duban, or it was put in with a forged link"
                ).format(id=entry_id)
            out.findings.append(Finding("history", "removed", message, id=entry_id))
        if whole:
            prev = own
            recorded_matters, recorded_tables = chain.parse_state(state)
            for m, value in recorded_matters.items():
                matters[m] = (entry_id, value)
            for t, value in recorded_tables.items():
                tables[t] = (entry_id, value)
            for key, (then, names) in chain.parse_found(state).items():
                found.append((entry_id, key, then, names))
        elif own is None:
            inserted(entry_id)
        elif linked:
            changed(entry_id, with_hash=False)
            prev = own
        else:
            doubtful = (entry_id, own)
        if own is not None and anchor is not None and own.startswith(anchor):
            anchored = True
        last_id = entry_id
        out.head = own
    if doubtful is not None:
        inserted(doubtful[0])
    out.found_before = found
    return matters, tables, anchored


# -- the current tables ------------------------------------------------------------------


def _counted(before: int, now: int) -> str:
    return "changed" if before == now else ("added" if now > before else "removed")


def _matters(source: chain.Source, out: Verified, recorded: dict[int, tuple[int, str]]) -> None:
    """Every matter's rows against the latest state the history recorded of them."""
    code_at = chain.column_names(chain.MATTER_TABLES["matter"]).index("code")
    wanted = {key for _e, key, _t, _n in out.found_before if key != chain.TABLES}
    codes: dict[int, str] = {}
    for mid, groups in chain.matter_groups(source):
        found = recorded.pop(mid, None)
        code = None
        for table, rows in groups:
            if table == "matter" and rows:
                code = rows[0][code_at]
        if mid in wanted and code is not None:
            codes[mid] = code
        where = code or _("matter #{id}").format(id=mid)
        if mid >= 0:
            out.matters += 1
        if found is None:
            for table, rows in groups:
                ids = ", ".join(f"#{r[0]}" for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
                if mid < 0:
                    message = _("{table}: row(s) {ids} belong to no report").format(
                        table=table, ids=ids
                    )
                else:
                    message = _(
                        "{table}: row(s) {ids} of {matter} are in no change the history "
                        "recorded: put in outside duban"
                    ).format(table=table, ids=ids, matter=where)
                out.findings.append(
                    Finding(table, "unexplained", message, id=rows[0][0], code=code)
                )
            continue
        digest, now = chain.matter_digest(groups)
        then_digest, then = chain.matter_hints(found[1])
        if digest == then_digest:
            continue
        named = False
        for table in chain.MATTER_TABLES:
            before, short = then.get(table, (0, ""))
            count, full = now.get(table, (0, ""))
            if (before, short) == (count, full[:8]):
                continue
            named = True
            out.findings.append(_changed_rows(table, before, count, where, code, found[0]))
        if not named:  # the rows' short digests agree: the matter as a whole differs
            out.findings.append(_changed_rows("matter", 1, 1, where, code, found[0]))
    for entry_id, key, then, names in out.found_before:
        if key == chain.TABLES:
            continue
        where = codes.get(key) or _("matter #{id}").format(id=key)
        for table in names:
            out.findings.append(_found_before(table, where, codes.get(key), then, entry_id))
    for mid, (entry_id, value) in sorted(recorded.items()):  # recorded, and now no row at all
        digest, then = chain.matter_hints(value)
        if digest == chain.EMPTY:
            continue
        out.findings.append(
            Finding(
                "matter",
                "removed",
                _(
                    "matter #{id}: its rows were removed outside duban (history entry "
                    "#{entry} recorded {rows} row(s))"
                ).format(id=mid, entry=entry_id, rows=sum(n for n, _s in then.values())),
                id=mid,
            )
        )


def _found_before(
    table: str, where: str | None, code: str | None, then: int, entry_id: int
) -> Finding:
    """A change duban made found rows altered outside it since the state it last recorded."""
    if where is None:
        message = _(
            "{table}: had been changed outside duban since history entry #{then} when entry "
            "#{entry} was written"
        )
    elif then:
        message = _(
            "{table}: the rows of {matter} had been changed outside duban since history entry "
            "#{then} when entry #{entry} was written"
        )
    else:
        message = _(
            "{table}: the rows of {matter} had been put in outside duban (no change recorded "
            "them) when entry #{entry} was written"
        )
    text = message.format(table=table, matter=where, then=then, entry=entry_id)
    return Finding(table, "changed", text, id=None, code=code)


def _changed_rows(
    table: str, before: int, now: int, where: str, code: str | None, entry_id: int
) -> Finding:
    return Finding(
        table,
        _counted(before, now),
        _(
            "{table}: the rows of {matter} differ from what history entry #{entry} recorded "
            "({before} row(s) then, {now} now): changed outside duban"
        ).format(table=table, matter=where, entry=entry_id, before=before, now=now),
        code=code,
    )


def _tables(source: chain.Source, out: Verified, recorded: dict[str, tuple[int, str]]) -> None:
    """Each table without a matter against the latest state the history recorded."""
    for entry_id, key, then, names in out.found_before:
        if key == chain.TABLES:
            for table in names:
                out.findings.append(_found_before(table, None, None, then, entry_id))
    for table in chain.OTHER_TABLES:
        rows = chain.table_rows(source, table)
        now = chain.table_token(table, rows).partition("=")[2]
        empty = chain.table_token(table, []).partition("=")[2]
        entry_id, then = recorded.get(table, (None, empty))
        if now == then:
            continue
        before = int(then.split(".")[0])
        if entry_id is None:
            message = _(
                "{table}: {now} row(s) that no change the history recorded accounts for: "
                "put in outside duban"
            ).format(table=table, now=len(rows))
            found = "unexplained"
        else:
            message = _(
                "{table}: differs from what history entry #{entry} recorded ({before} row(s) "
                "then, {now} now): changed outside duban"
            ).format(table=table, entry=entry_id, before=before, now=len(rows))
            found = _counted(before, len(rows))
        out.findings.append(Finding(table, found, message))
