"""The ledger's import (台账导入): a file checked row by row, then written in bulk.

Every row is checked first and the file is written in the caller's one transaction, so
a bad row, or an import killed halfway, leaves the register as it was.  The rows become
matters, assignments, deadlines and a `matter.register` history entry per matter naming
the file and line it came from.

Speed (issue 10 asks for 20,000 rows a second): the file is read and checked, and its
rows built as tuples ready for the database driver, in a child process (`Reading`,
forked where the platform forks) while this process writes what the child has sent so
far with the driver's own executemany, checking each chunk's references as it goes;
reading and writing take about as long as each other, so the two cores halve the time.
The child is forked before the register is opened and parses the file meanwhile; it
never touches the register: it is then given everything the check needs (the units,
the codes taken, the ids to number from).  A matter is built once its last row has been
read: a second row of a matter (the same code) may come anywhere in the file, and a
first pass finds each code's last line.  Once a row is bad, nothing more is sent and the
import ends with every bad row named, and the transaction rolls back.  Python's cycle
collector is off in both processes (`_collector_off`), and a large file is written with
the plain indexes set aside (`db.set_indexes_aside`).  docs/performance.md has the
figures.

The history is a hash chain (`duban.chain`): the child puts on each matter's last entry
the digest of the rows the import wrote for it, and the writer links each new entry to
the one before, from the chain's last hash read under the chain's lock, so that `duban
verify` finds an imported register clean and a later hand edit of it.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from duban import chain
from duban.dates import YEARS, parse_date
from duban.errors import BadValue, DubanError, NotFound
from duban.i18n import _
from duban.ops.ledger import CHINESE, COMPUTED, SEP, YES, columns_of
from duban.ops.sheets import read_table, unsafe
from duban.vocab import CODE, MATTER_STATUS, format_code, parse_source

CHUNK = 2000  # matters sent to the writer at a time
FIRST_CHUNK = 250  # the first few: the writer starts sooner
# A file of at least this many rows, and of as many as the register has matters, is
# written with the plain indexes set aside and made again at the end (SQLite).
INDEX_ASIDE_ROWS = 1000
Progress = Callable[[int, int], None]

# The columns the import writes, in the order its rows are built: the order in which a
# matter's state digest takes them (`chain.MATTER_TABLES`), so that a row built here is
# the very row the digest reads (in SQLite's terms, where each value is canonical).
MATTER_COLUMNS = tuple(chain.column_names(chain.MATTER_TABLES["matter"]))
ASSIGNMENT_COLUMNS = tuple(chain.column_names(chain.MATTER_TABLES["assignment"]))
DEADLINE_COLUMNS = tuple(chain.column_names(chain.MATTER_TABLES["deadline"]))
HISTORY_COLUMNS = (
    "matter_id", "action", "detail", "actor", "recorded_at", "effective_on", "state",
    "prev_hash", "hash",
)  # fmt: skip
# A matter's and an assignment's pointers at their deadline rows: NULL at first where
# they are set by an UPDATE once every row is in.
_POINTERS = {
    "matter": (MATTER_COLUMNS.index("deadline_id"),),
    "assignment": (
        ASSIGNMENT_COLUMNS.index("deadline_id"),
        ASSIGNMENT_COLUMNS.index("original_deadline_id"),
    ),
}
TABLES = (
    ("matter", MATTER_COLUMNS),
    ("assignment", ASSIGNMENT_COLUMNS),
    ("deadline", DEADLINE_COLUMNS),
    ("history", HISTORY_COLUMNS),
)
# The tables whose indexes a large file's import sets aside: the history's two cost
# little to keep (one row and two index entries a matter, for a table twice the size of
# the others to read again).
_ASIDE = ("matter", "assignment", "deadline")


@dataclass
class Lead:
    line: int
    unit_id: int
    responsible: str | None
    notified: dt.date
    original: dt.date
    due: dt.date
    completed: dt.date | None


@dataclass
class Planned:
    """One matter the file holds, checked, before anything is written."""

    line: int
    code: str | None
    fields: tuple  # title, source, proposal_by, ref, leader, received, status, restricted
    original: dt.date
    due: dt.date
    leads: list[Lead] = field(default_factory=list)
    participants: list[tuple[int, str | None]] = field(default_factory=list)
    closed: dt.date | None = None


@dataclass
class Checked:
    """What a ledger file held: its rows, matters and assignments, the codes written, and
    each bad row with its line and reason."""

    file: str
    rows: int = 0
    matters: int = 0
    assignments: int = 0
    codes: list[str] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)


class _UnknownUnit(BadValue):
    """A unit no unit goes by: worded by the register's own lookup ("did you mean"),
    which the child cannot ask; `_settle` asks it afterwards."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass
class Known:
    """What the check needs of the register, read before the file is."""

    file: str
    names: dict[str, int]  # a unit's name -> its id
    folded: dict[str, int]  # a unit's code or short name, lower case -> its id
    taken: set[str]  # the codes on the register

    def unit(self, name: str) -> int:
        key = name.strip()
        found = self.names.get(key)
        if found is None:
            found = self.folded.get(key.lower())
        if found is None:
            raise _UnknownUnit(key)
        return found


def known(reader: Any, path: Path) -> Known:
    names = {name: uid for uid, name in reader.rows("SELECT id, name FROM unit")}
    folded: dict[str, int] = {}
    for uid, code in reader.rows("SELECT id, code FROM unit WHERE code IS NOT NULL"):
        folded.setdefault(code.lower(), uid)
    for uid, alias in reader.rows("SELECT unit_id, alias FROM unit_alias"):
        folded.setdefault(alias.lower(), uid)
    taken = {code for (code,) in reader.rows("SELECT code FROM matter")}
    return Known(path.name, names, folded, taken)


# -- reading a row ------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text: a CSV file's as it is, a spreadsheet's numbers, dates and empty
    cells as they read (2.0 as `2`, a date and time as its date)."""
    if type(value) is str:
        text = value.strip()
        return unsafe(text).strip() if text[:1] == "'" else text
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unsafe(str(value)).strip()


def _texts(values: list[Any], places: list[tuple[str, int]]) -> dict[str, str]:
    """A row's cells by column key, each as `_text` has it."""
    n = len(values)
    try:  # a CSV file's cells: text, a leading `'` rare (it undoes the export's `safe`)
        if "'" not in "".join(values):
            return {k: values[i].strip() for k, i in places if i < n}
    except TypeError:  # a spreadsheet's numbers and dates
        pass
    return {k: _text(values[i]) for k, i in places if i < n}


def _date(text: str, what: str) -> dt.date | None:
    """A cell's date, within the years every date duban takes is in (`dates.YEARS`)."""
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return parse_date(text, what=what)
    if not YEARS[0] <= day.year <= YEARS[1]:
        return parse_date(day.isoformat(), what=what)  # refused, naming the years
    return day


class _Memo:
    """What a ledger's cells say, each distinct text worked out once: a ledger of 100,000
    rows holds a few thousand dates, a handful of sources and statuses."""

    def __init__(self) -> None:
        self.days: dict[str, dt.date | None] = {}
        self.sources: dict[str, tuple[str, str | None]] = {}
        self.statuses: dict[str, str | None] = {}

    def date(self, text: str, what: str) -> dt.date | None:
        try:
            return self.days[text]
        except KeyError:
            pass
        day = self.days[text] = _date(text, what)  # a BadValue is not kept: it names `what`
        return day

    def source(self, text: str) -> tuple[str, str | None]:
        found = self.sources.get(text)
        if found is None:
            found = self.sources[text] = parse_source(text or "?")
        return found

    def status(self, text: str) -> str | None:
        if text not in self.statuses:
            self.statuses[text] = MATTER_STATUS.parse(text) if text else None
        return self.statuses[text]


def _row(text: dict[str, str], line: int, unit_of: Callable[[str], int], taken: set[str],
         by_code: dict[str, Planned], memo: _Memo) -> Planned:  # fmt: skip
    """Check one row; the matter it belongs to (a new one, or the one of its code)."""
    title = text.get("title", "")
    if not title:
        raise BadValue(_("a matter needs a title"))
    source, proposal_by = memo.source(text.get("source", ""))
    received = memo.date(text.get("received", ""), CHINESE["received"])
    if received is None:
        raise BadValue(_("no received date (收到日期)"))
    code = text.get("code", "").upper() or None
    if code is not None and not CODE.fullmatch(code):
        raise BadValue(_("{code!r} is not a code like DB-2026-0001").format(code=code))
    status = memo.status(text.get("status", ""))
    original = memo.date(text.get("original_due", ""), CHINESE["original_due"])
    due = memo.date(text.get("due", ""), CHINESE["due"])
    original = original or due
    due = due or original
    if original is None:
        raise BadValue(_("no deadline (原定时限 or 现行时限)"))
    if original < received:
        raise BadValue(
            _("the deadline {due} is before the received date {received}").format(
                due=original.isoformat(), received=received.isoformat()
            )
        )
    if due < original:
        raise BadValue(
            _("the current deadline {due} is before the original {original}").format(
                due=due.isoformat(), original=original.isoformat()
            )
        )
    notified = memo.date(text.get("notified", ""), CHINESE["notified"]) or received
    if notified < received:
        raise BadValue(
            _("notified on {day}, before the matter was received ({received})").format(
                day=notified.isoformat(), received=received.isoformat()
            )
        )
    completed = memo.date(text.get("completed", ""), CHINESE["completed"])
    if completed is not None and completed < notified:
        raise BadValue(
            _("completed on {day}, before the unit was notified ({notified})").format(
                day=completed.isoformat(), notified=notified.isoformat()
            )
        )
    if status == "closed" and completed is None:
        raise BadValue(_("a closed matter needs its completion date (办结日期)"))
    lead_name = text.get("lead_unit", "")
    lead = unit_of(lead_name) if lead_name else None
    helpers = []
    named_helpers = text.get("participants", "")
    if named_helpers:
        for part in SEP.split(named_helpers):
            name, _eq, person = part.replace("＝", "=").partition("=")
            if name.strip():
                helpers.append((unit_of(name.strip()), person.strip() or None))
    restricted = text.get("restricted", "").lower() in YES
    ref, leader = text.get("ref") or None, text.get("leader") or None
    fields = (title, source, proposal_by, ref, leader, received, status, restricted)
    matter = by_code.get(code) if code else None
    if matter is None:
        if code is not None and code in taken:
            raise BadValue(_("{code} is already on the register").format(code=code))
        matter = Planned(line, code, fields, original, due)
    elif matter.fields[:6] != fields[:6]:
        raise BadValue(
            _("{code} is on line {line} too, with another title, source, reference, leader "
              "or received date").format(code=code, line=matter.line)
        )  # fmt: skip
    elif lead is None:
        raise BadValue(
            _("{code} is on line {line} too: a second row of a matter names another lead unit")
            .format(code=code, line=matter.line)
        )  # fmt: skip
    if lead is not None:
        if matter.leads or matter.participants or helpers:
            named = {x.unit_id for x in matter.leads} | {u for u, _p in matter.participants}
            if lead in named or lead in {u for u, _p in helpers}:
                raise BadValue(
                    _("{unit} is named twice: a unit has one role in a matter").format(
                        unit=lead_name
                    )
                )
        matter.leads.append(
            Lead(line, lead, text.get("responsible") or None, notified, original, due, completed)
        )
    elif helpers:
        raise BadValue(
            _("participating units work with a lead unit (牵头单位): the row names none")
        )
    if helpers:
        already = {u for u, _p in matter.participants}
        for unit_id, person in helpers:
            if unit_id not in already:
                matter.participants.append((unit_id, person))
                already.add(unit_id)
    if status == "closed":
        matter.closed = max(filter(None, [matter.closed, completed]))
    if code is not None and code not in by_code:
        by_code[code] = matter
        taken.add(code)
    return matter


# -- building the rows --------------------------------------------------------------------


@dataclass
class Numbering:
    """Where the new rows' ids and numbers start: the register's highest, read in the
    writing transaction (which holds the write lock, so nobody takes them meanwhile)."""

    matter: int
    assignment: int
    deadline: int
    seqs: dict[int, int]  # year -> the highest matter number taken


class _Builder:
    """A checked matter's rows as tuples ready for the driver, collected until sent."""

    def __init__(self, numbering: Numbering, *, file: str, sqlite: bool, now: dt.datetime,
                 actor: str, pointers_later: bool = True) -> None:  # fmt: skip
        self.mid, self.aid, self.did = numbering.matter, numbering.assignment, numbering.deadline
        self.seqs = numbering.seqs
        self.file, self.actor = file, actor
        self.where = f'{{"file": {_quoted(file)}, "line": '  # JSON, as `_register_detail`
        self.iso = _Iso({None: None})
        if sqlite:  # as SQLAlchemy keeps an instant, a date and a boolean in SQLite
            self.now: Any = now.strftime("%Y-%m-%d %H:%M:%S.%f")
            self.yes, self.no = 1, 0
        else:  # psycopg takes dates, instants and booleans as they are
            self.now, self.yes, self.no = now, True, False
        self.sqlite = sqlite
        self.later = pointers_later  # the pointers at deadline rows to set by UPDATE: kept
        self.codes: list[str] = []
        self.coded: Iterable[str] = ()  # the file's codes: new numbers come after them
        self._clear()

    def _clear(self) -> None:
        self.rows: dict[str, list[tuple]] = {name: [] for name, _columns in TABLES}
        self.matter_due: list[tuple[int, int]] = []
        self.assignment_due: list[tuple[int, int, int]] = []
        self.count = 0

    def _number_after_file(self) -> None:
        """The highest number of each year among the file's codes, once: a matter the
        file gives no code is numbered after them."""
        for code in self.coded:
            found = CODE.fullmatch(code)
            if found:
                year, seq = int(found.group(1)), int(found.group(2))
                if seq > self.seqs.get(year, 0):
                    self.seqs[year] = seq
        self.coded = ()

    def add(self, p: Planned) -> None:
        day = self.iso.__getitem__ if self.sqlite else _same
        now, no = self.now, self.no
        matters, assignments = self.rows["matter"], self.rows["assignment"]
        deadlines, history = self.rows["deadline"], self.rows["history"]
        title, source, proposal_by, ref, leader, received, status, restricted = p.fields
        if p.code:
            code = p.code
            year, seq = (int(x) for x in CODE.fullmatch(code).groups())
        else:
            if self.coded:
                self._number_after_file()
            year = received.year
            seq = self.seqs[year] = self.seqs.get(year, 0) + 1
            code = format_code(year, seq)
        self.codes.append(code)
        self.mid += 1
        self.did += 1
        mid, did = self.mid, self.did
        if status not in ("closed", "cancelled"):
            status = "assigned" if p.leads else "registered"
        closed_on = p.closed if status == "closed" else None
        received_on = day(received)
        mine: dict[str, list[tuple]] = {"matter": [], "assignment": [], "deadline": []}
        # In the columns' order above; None for a column the import leaves NULL.
        mine["matter"].append((
            mid, code, year, seq, title, source, proposal_by, ref, leader, None, "once", None,
            None, self.yes if restricted else no, received_on, did, None, status,
            day(closed_on), now, self.actor,
        ))  # fmt: skip
        mine["deadline"].append((did, mid, None, "matter", day(p.original), None, None, no,
                                 "register", None, received_on, now))  # fmt: skip
        if self.later:
            self.matter_due.append((did, mid))
        units: list[tuple[int, str]] = []
        first = p.leads[0] if p.leads else None
        persons = dict(p.participants)
        parts = [(lead.unit_id, "lead", lead) for lead in p.leads]
        parts += [(u, "participant", first) for u, _person in p.participants]
        for unit_id, role, lead in parts:
            self.aid += 1
            aid = self.aid
            if role == "lead":
                done_on, person = lead.completed, lead.responsible
            else:
                done_on, person = None, persons.get(unit_id)
            if status == "closed":
                done_on = done_on or p.closed
            notified = day(lead.notified)
            first_row = current = self.did + 1
            if lead.due != lead.original:
                current = self.did + 2
            mine["assignment"].append((
                aid, mid, unit_id, role, person, notified, current, first_row,
                "done" if done_on else "open", day(done_on), now,
            ))  # fmt: skip
            mine["deadline"].append((first_row, mid, aid, "assignment", day(lead.original),
                                     None, None, no, "assign", None, notified, now))  # fmt: skip
            if current != first_row:
                effective = max(lead.notified, min(lead.original, lead.due))
                mine["deadline"].append((current, mid, aid, "assignment", day(lead.due), None,
                                         None, no, "extension", first_row, day(effective),
                                         now))  # fmt: skip
            self.did = current
            if self.later:
                self.assignment_due.append((current, first_row, aid))
            units.append((unit_id, role))
        where = f"{self.where}{p.line}}}"
        detail = _register_detail(code, title, source, proposal_by, ref, leader, received,
                                  p.original, where, units)  # fmt: skip
        actor = self.actor
        entries = [[mid, "matter.register", detail, actor, now, received_on, None]]
        if status == "closed":
            entries.append([mid, "matter.close", f'{{"imported_from": {where}}}', actor, now,
                            day(p.closed), None])  # fmt: skip
        elif status == "cancelled":
            entries.append([mid, "matter.cancel",
                            f'{{"imported_from": {where}, "reason": "imported"}}', actor, now,
                            received_on, None])  # fmt: skip
        # The history is a hash chain (`duban.chain`): the matter's last entry records the
        # digest of the rows the import left; the writer links the entries (`_linked`).
        entries[-1][-1] = self._state(mid, mine)
        history += entries
        matters += mine["matter"]
        assignments += mine["assignment"]
        deadlines += mine["deadline"]
        self.count += 1

    def _state(self, mid: int, mine: dict[str, list[tuple]]) -> str:
        if not self.sqlite:  # dates and flags as the driver takes them: made canonical
            return chain.matter_state(mid, mine, columns={
                "matter": MATTER_COLUMNS, "assignment": ASSIGNMENT_COLUMNS,
                "deadline": DEADLINE_COLUMNS})  # fmt: skip
        # In SQLite's terms every value built here is canonical already (text dates and
        # instants, 1 and 0), in the digest's order, and each row's last value is never
        # NULL (created_by, created_at, recorded_at): the rows are the digest's rows.
        return chain.matter_token(mid, mine.items())

    def take(self) -> tuple:
        out = (self.rows, self.matter_due, self.assignment_due)
        self._clear()
        return out


def _register_detail(code: str, title: str, source: str, proposal_by: str | None,
                     ref: str | None, leader: str | None, received: dt.date, due: dt.date,
                     where: str, units: list[tuple[int, str]]) -> str:  # fmt: skip
    """An imported matter's `matter.register` detail: the JSON `Context.add_to_history`
    writes (json.dumps, keys sorted, non-ASCII as it is) of `{"code", "title", "source",
    "source_ref", "leader", "received", "due", "imported_from": where (JSON already),
    "units": [{"id", "role"}], "proposal_by" (when there is one)}`, put together
    directly: three times as fast, a tenth of the import's reading time.  The test
    `test_import_detail_is_json_dumps` holds it to json.dumps."""
    listed = ", ".join([f'{{"id": {unit}, "role": "{role}"}}' for unit, role in units])
    by = f'"proposal_by": {_quoted(proposal_by)}, ' if proposal_by else ""
    return (
        f'{{"code": {_quoted(code)}, "due": "{due.isoformat()}", "imported_from": {where}, '
        f'"leader": {_quoted(leader)}, {by}"received": "{received.isoformat()}", '
        f'"source": {_quoted(source)}, "source_ref": {_quoted(ref)}, "title": {_quoted(title)}, '
        f'"units": [{listed}]}}'
    )


def _quoted(text: str | None) -> str:
    return "null" if text is None else encode_basestring(text)


class _Iso(dict):
    """Dates as SQLite keeps them (ISO text), each worked out once; None as it is."""

    def __missing__(self, value: dt.date) -> str:
        text = self[value] = value.isoformat()
        return text


def _same(value: Any) -> Any:
    return value


# -- the file, row by row ------------------------------------------------------------------


@dataclass
class _Parsed:
    """The file read: its rows, and what the check takes from the header and a first pass."""

    places: list[tuple[str, int]]  # each column's key and place
    lines: list[tuple[int, list[Any]]]  # (line, cells)
    total: int
    last: dict[str, int]  # each code's last line: its matter is whole there


def _parse(path: Path) -> _Parsed:
    header, total, body = read_table(path)
    keys = columns_of(header)
    places = [(k, i) for i, k in enumerate(keys) if k and k not in COMPUTED]
    lines = list(body)
    last: dict[str, int] = {}
    if "code" in keys:
        at = keys.index("code")
        last = {_text(values[at]).upper(): line for line, values in lines if at < len(values)}
        last.pop("", None)
    return _Parsed(places, lines, total or len(lines), last)


def _messages(path: Path, know: Known, builder: _Builder | None) -> Iterator[tuple]:
    return _checked(_parse(path), know, builder)


def _checked(parsed: _Parsed, know: Known, builder: _Builder | None) -> Iterator[tuple]:
    """The file checked row by row: ("rows", done, total) now and then, ("chunk", rows,
    matter_due, assignment_due, done, total) as matters are built, and last ("end",
    Checked).  Without a builder, only checked."""
    places, lines, total, last = parsed.places, parsed.lines, parsed.total, parsed.last
    if builder is not None:
        builder.coded = last
    checked = Checked(know.file)
    by_code: dict[str, Planned] = {}
    memo = _Memo()
    unit_of, taken, bad = know.unit, know.taken, checked.bad
    count = 0
    for line, values in lines:
        count += 1
        try:
            matter = _row(_texts(values, places), line, unit_of, taken, by_code, memo)
        except _UnknownUnit as exc:
            bad.append((line, _UnknownName(exc.name)))
            continue
        except BadValue as exc:
            bad.append((line, exc.message))
            continue
        if matter.line == line:
            checked.matters += 1
        if matter.code is None or last.get(matter.code) == line:
            checked.assignments += len(matter.leads) + len(matter.participants)
            if builder is not None and not bad:
                builder.add(matter)
                if builder.count >= (CHUNK if len(builder.codes) > CHUNK else FIRST_CHUNK):
                    yield ("chunk", *builder.take(), count, total)
            if matter.code is not None:
                del by_code[matter.code]  # whole: nothing more can come to it
        if count % 1000 == 0:
            yield ("rows", count, total)
    if builder is not None and not bad and builder.count:
        yield ("chunk", *builder.take(), count, total)
    checked.rows = count
    if builder is not None and not bad:
        checked.codes = builder.codes
    yield ("end", checked)


class _UnknownName(str):
    """A bad row's reason still to be worded: the unit name nothing goes by."""


# -- running it: in a child process where one can be forked --------------------------------


def _child(path: Path, facts: Any, send: Any, inherited: list[Any]) -> None:
    """The reader: parses the file, waits for what the check needs of the register
    (`Known` and the `_Builder`), then checks and builds, sending as it goes."""
    # Ctrl-C is the writer's to handle: it rolls back and closes the pipes, and the next
    # send here fails.  The other pipes' ends are the writer's alone: were one open here
    # too, a writer killed outright would leave this process waiting on a full pipe.
    for end in inherited:
        end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # see `_collector_off`; this process ends with the import
    failure = None
    try:
        parsed = _parse(path)
        know, builder = facts.recv()
        for message in _checked(parsed, know, builder):
            send.send(message)
    except (BrokenPipeError, EOFError, OSError):  # the writer is gone: nothing to say
        pass
    except DubanError as exc:
        failure = ("error", type(exc).__name__, exc.message, exc.exit_code)
    except BaseException as exc:  # reported by the writer, which ends with exit 5
        failure = ("error", type(exc).__name__, f"{type(exc).__name__}: {exc}", None)
    try:
        if failure is not None:
            send.send(failure)
    except (BrokenPipeError, EOFError, OSError):
        pass
    finally:
        send.close()
        facts.close()


class Reading:
    """A ledger file read in a child process forked at once (where the platform forks),
    so that parsing it goes on while this process opens the register and begins the
    transaction; `messages` then hands the child what the check needs of the register
    and yields what it sends.  Where there is no fork (or `DUBAN_IMPORT_INLINE=1`), the
    same work is done here, when `messages` is called.  A context manager: leaving it
    ends the child."""

    def __init__(self, path: Path) -> None:
        import multiprocessing

        self.path = path
        self.child: Any = None
        self.done = False  # the child's last word heard: it ends by itself
        if "fork" not in multiprocessing.get_all_start_methods() or os.environ.get(
            "DUBAN_IMPORT_INLINE"
        ):
            return
        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=False)
        facts, self.facts = context.Pipe(duplex=False)
        self.child = context.Process(
            target=_child, args=(path, facts, send, [self.receive, self.facts]), daemon=True
        )
        self.child.start()
        send.close()
        facts.close()

    def __enter__(self) -> Reading:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def messages(self, know: Known, builder: _Builder) -> Iterator[tuple]:
        if self.child is None:
            yield from _messages(self.path, know, builder)
            return
        with suppress(BrokenPipeError, OSError):  # the child has ended: its word is sent
            self.facts.send((know, builder))
        while True:
            try:
                message = self.receive.recv()
            except EOFError:
                raise DubanError(_("the import's reader stopped without a word")) from None
            if message[0] == "error":
                _kind, name, text, code = message
                error = DubanError(text) if code is None else _rebuilt(name, text)
                raise error
            if message[0] == "end":
                self.done = True
            yield message
            if self.done:
                return

    def close(self) -> None:
        """The child ended: it closes the pipes and stops; a child not done yet (the
        import failed or was interrupted, the file perhaps still being read) is killed
        outright: it never writes to the register."""
        if self.child is None:
            return
        self.receive.close()
        self.facts.close()
        if self.done:
            self.child.join(timeout=5)
        if self.child.is_alive():
            self.child.kill()
        self.child.join()
        self.child = None


def _rebuilt(name: str, text: str) -> DubanError:
    from duban import errors

    kind = getattr(errors, name, DubanError)
    error = kind.__new__(kind)
    DubanError.__init__(error, text)
    return error


def _settle(reader: Any, checked: Checked) -> None:
    """Word the reasons left to the register's own lookup (an unknown unit)."""
    said: dict[str, str] = {}
    for i, (line, reason) in enumerate(checked.bad):
        if isinstance(reason, _UnknownName):
            if reason not in said:
                try:
                    reader.find_unit(str(reason))
                    said[reason] = str(reason)
                except NotFound as exc:
                    said[reason] = exc.message
            checked.bad[i] = (line, said[reason])


def refuse_bad(checked: Checked, limit: int = 20) -> None:
    """BadValue naming each bad row (the first `limit`) when any row is bad."""
    if not checked.bad:
        return
    listed = "; ".join(
        _("line {line}: {reason}").format(line=line, reason=reason)
        for line, reason in checked.bad[:limit]
    )
    more = len(checked.bad) - limit
    if more > 0:
        listed += "; " + _("and {n} more").format(n=more)
    raise BadValue(
        _("{file}: {n} bad row(s), nothing was imported: {rows}").format(
            file=checked.file, n=len(checked.bad), rows=listed
        )
    )


# -- the two entry points -----------------------------------------------------------------


@contextmanager
def _collector_off() -> Iterator[None]:
    """Python's cycle collector off while the import makes its millions of tuples.

    They hold no cycles (reference counting frees what is dropped), but each few hundred
    new objects set the collector looking through all of them: a fifth of the import's
    time went there."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def check_ledger(reader: Any, path: Path, *, progress: Progress | None = None) -> Checked:
    """Read and check every row of the ledger file; nothing is written (`--dry-run`).

    Bad rows are collected with their line numbers (the header is line 1), so that all
    of them can be named at once."""
    checked = Checked(path.name)
    with _collector_off():
        for message in _messages(path, known(reader, path), None):
            if message[0] == "end":
                checked = message[1]
            elif progress is not None:
                progress(message[-2], message[-1])
    _settle(reader, checked)
    if progress is not None:
        progress(checked.rows, checked.rows)
    return checked


def import_ledger(ctx: Any, path: Path, *, progress: Progress | None = None,
                  reading: Reading | None = None) -> Checked:  # fmt: skip
    """Check the ledger file and write its matters in the context's transaction; raise
    BadValue naming every bad row (the transaction then rolls back).  `reading`: the
    file's `Reading`, started before the transaction (one is started here if not)."""
    with _collector_off():
        if reading is not None:
            return _import(ctx, path, progress, reading)
        with Reading(path) as started:
            return _import(ctx, path, progress, started)


def _import(ctx: Any, path: Path, progress: Progress | None, reading: Reading) -> Checked:
    from sqlalchemy import func, select

    from duban.context import utcnow
    from duban.models import Assignment, Deadline, HistoryEntry, Matter

    session = ctx.session
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    # In a bulk transaction (`db.transaction(bulk=True)`) SQLite does not check foreign
    # keys as rows come, so each row is written whole, pointers included, and the new
    # rows are checked at the end; otherwise the pointers wait for every row to be in.
    later = not sqlite or bool(conn.exec_driver_sql("PRAGMA foreign_keys").scalar())

    def top(column: Any) -> int:
        return session.execute(select(func.max(column))).scalar() or 0

    numbering = Numbering(top(Matter.id), top(Assignment.id), top(Deadline.id), {})
    for year, seq in session.execute(
        select(Matter.year, func.max(Matter.seq)).group_by(Matter.year)
    ):
        numbering.seqs[year] = seq
    before = {
        "matter": numbering.matter,
        "assignment": numbering.assignment,
        "deadline": numbering.deadline,
        "history": top(HistoryEntry.id),
    }
    know = known(ctx.reader, path)
    on_register = len(know.taken)
    aside: list[str] | None = None  # the indexes to make again, once set aside
    # The chain's last hash, under the chain's lock (PostgreSQL; SQLite's writers are
    # one at a time already): this process links the new entries after it.
    driver = conn.connection.driver_connection
    source = chain.Source(driver, conn.dialect.name)
    chain.lock(source)
    tail = chain.tail(source)
    builder = _Builder(numbering, file=path.name, sqlite=sqlite, now=utcnow(), actor=ctx.actor,
                       pointers_later=later)  # fmt: skip
    # The driver's own executemany: SQLAlchemy's per-value processing would cost more
    # than the writing itself (plain SQL, the same on SQLite and PostgreSQL).
    cursor = driver.cursor()
    mark = "?" if sqlite else "%s"
    statements = {
        table: f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
        for table, names in TABLES
    }
    matter_due: list[tuple[int, int]] = []
    assignment_due: list[tuple[int, int, int]] = []
    checked = Checked(path.name)
    try:
        for message in reading.messages(know, builder):
            kind = message[0]
            if kind == "end":
                checked = message[1]
                break
            if kind == "chunk":
                rows, matters_due, assignments_due = message[1:4]
                if aside is None:
                    total = message[-1]
                    big = sqlite and total >= max(INDEX_ASIDE_ROWS, on_register)
                    aside = ctx.set_indexes_aside(_ASIDE) if big else []
                # Linked here, not in the reader: the chain's tail is read under the lock.
                rows["history"], tail = _linked(rows["history"], tail)
                for table, _names in TABLES:
                    if later and table in _POINTERS:
                        rows[table] = [_unpointed(row, _POINTERS[table]) for row in rows[table]]
                    if rows[table]:
                        cursor.executemany(statements[table], rows[table])
                if later:
                    matter_due += matters_due
                    assignment_due += assignments_due
                else:  # checked as they come, while the reader is busy with the next
                    _refuse_unlinked(ctx, before)
            if progress is not None:
                progress(message[-2], message[-1])
        _settle(ctx.reader, checked)
        refuse_bad(checked)
        if later:
            cursor.executemany(
                f"UPDATE matter SET deadline_id = {mark} WHERE id = {mark}", matter_due
            )
            cursor.executemany(
                f"UPDATE assignment SET deadline_id = {mark}, original_deadline_id = {mark} "
                f"WHERE id = {mark}",
                assignment_due,
            )
        if aside:
            ctx.make_indexes(aside)
        if not sqlite:
            for name in ("matter", "assignment", "deadline"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {name}))"
                )
    finally:
        cursor.close()
    if progress is not None:
        progress(checked.rows, checked.rows)
    return checked


def _refuse_unlinked(ctx: Any, since: dict[str, int]) -> None:
    """DubanError if a row written since `since` (the last id checked in each table)
    points at nothing; `since` moved on to the last row written.  Each chunk's rows
    point only at rows of the register or of the same chunk, so a chunk's check is the
    check of all of them."""
    for table in since:
        unlinked = ctx.unlinked_rows(table, since[table])
        if unlinked:  # a fault of this code, never of the file: nothing is committed
            raise DubanError(
                _("the import would leave {table} rows pointing at nothing ({rows}): "
                  "nothing was imported").format(table=table, rows=unlinked)
            )  # fmt: skip
        for (last,) in ctx.reader.rows(f"SELECT max(id) FROM {table}"):
            since[table] = last or 0


def _linked(entries: list[list[Any]], tail: str | None) -> tuple[list[tuple], str | None]:
    """The history rows with their links (prev_hash, hash) after `tail`; the new tail."""
    rows = []
    for entry, (prev_hash, hash_) in zip(entries, chain.link(tail, entries), strict=True):
        rows.append((*entry, prev_hash, hash_))
        tail = hash_
    return rows, tail


def _unpointed(row: tuple, places: tuple[int, ...]) -> tuple:
    """The row with its pointers at deadline rows NULL, for the UPDATE to set."""
    out = list(row)
    for i in places:
        out[i] = None
    return tuple(out)
