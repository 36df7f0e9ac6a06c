"""The register's tables (SQLModel).

Standard SQL only: the same tables serve SQLite and PostgreSQL.  The schema is
created and changed by the numbered migrations in `duban.migrations`, never by
`create_all`; a test checks that these models and the migrated schema agree.

A matter's deadline and each assignment's current and original deadlines are rows of
one table, `deadline` (see `duban.deadlines`): a change of deadline adds a row and
points at it, so the register can say what a deadline was on any day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# The largest id a row can have: ids are INTEGER, 32 bits in standard SQL and on
# PostgreSQL (SQLite's 64); a larger number names no row, and is not sent to the server,
# which would refuse it as out of range.
MAX_ID = 2**31 - 1


class Unit(SQLModel, table=True):
    """承办单位: a unit that handles matters; units have a parent (第五条)."""

    __tablename__ = "unit"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    code: str | None = Field(default=None, unique=True)
    kind: str = "department"
    head: str | None = None  # 主要负责人: signs written reports (第十二条)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    created_at: dt.datetime


class UnitAlias(SQLModel, table=True):
    """简称: a short name a unit goes by (发改委); wherever a unit is named, it finds it.

    No alias is, in any letter case, another unit's name, code or alias
    (`duban.ops.units`), so a lookup never has two answers.
    """

    __tablename__ = "unit_alias"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    alias: str = Field(unique=True)


class Matter(SQLModel, table=True):
    """督查事项: one matter on the register."""

    __tablename__ = "matter"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_matter_year_seq"),
        Index("ix_matter_status_year_seq", "status", "year", "seq"),  # list --status
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    year: int
    seq: int
    title: str = Field(index=True)  # register: a likely duplicate (same title)
    source: str = Field(index=True)
    # 第十条: whose proposal, so that they are counted apart: `npc` (人大代表建议, 议案) or
    # `cppcc` (政协提案); null for other sources, or a proposal registered as just that.
    proposal_by: str | None = None
    source_ref: str | None = Field(default=None, index=True)  # ... or the same reference
    leader: str | None = None
    handling: str | None = None
    reporting: str = "once"
    # 定期报告: a progress report is due every `report_every` working days after assignment.
    report_every: int | None = Field(default=None, index=True)  # overdue: the periodic ones
    plan: str | None = Field(default=None, sa_type=Text)  # 督查方案 (第十一条)
    # 第三条 (保守秘密): kept out of exports, bulletins and notices unless asked for.
    restricted: bool = False
    received_on: dt.date
    deadline_id: int | None = Field(default=None, foreign_key="deadline.id")
    note: str | None = None
    status: str = Field(default="registered")  # served by ix_matter_status_year_seq
    closed_on: dt.date | None = Field(default=None, index=True)
    created_at: dt.datetime
    created_by: str


class Assignment(SQLModel, table=True):
    """承办: one unit's part in one matter, as lead or participating unit."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("matter_id", "unit_id", name="uq_assignment_matter_unit"),
        Index("ix_assignment_status_role", "status", "role"),  # overdue: the open lead units
    )

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id")  # served by uq_assignment_matter_unit
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str
    responsible: str | None = None
    notified_on: dt.date
    deadline_id: int | None = Field(default=None, foreign_key="deadline.id")  # in force now
    # The first deadline, kept through every extension and rework.
    original_deadline_id: int | None = Field(default=None, foreign_key="deadline.id")
    status: str = Field(default="open")  # served by ix_assignment_status_role
    completed_on: dt.date | None = Field(default=None, index=True)
    created_at: dt.datetime


class Report(SQLModel, table=True):
    """办理报告: what a lead unit reports on a matter."""

    __tablename__ = "report"

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    kind: str
    text: str = Field(sa_type=Text)
    file_name: str | None = None
    written: bool = False
    signed_by: str | None = None
    sealed: bool = False
    received_on: dt.date
    proposed_due_on: dt.date | None = None
    # Why an extension was asked for only after the deadline had passed (第十二条).
    late_reason: str | None = Field(default=None, sa_type=Text)
    # The milestone it meets (milestone.id): added by migration 6 without a foreign key,
    # which SQLite cannot add to a column it has; `report --milestone` checks the id.
    milestone_id: int | None = Field(default=None, index=True)
    status: str = Field(default="pending", index=True)
    created_at: dt.datetime
    created_by: str


class Review(SQLModel, table=True):
    """审核: the office's decision on one report (第十五条)."""

    __tablename__ = "review"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", unique=True)
    decision: str
    reason: str | None = None
    reviewed_on: dt.date
    new_due_on: dt.date | None = None
    created_at: dt.datetime
    created_by: str


class Urging(SQLModel, table=True):
    """催办: the office urged one unit on one matter (第十三条, 第二十二条)."""

    __tablename__ = "urging"

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    urged_on: dt.date = Field(index=True)
    via: str
    note: str | None = None
    created_at: dt.datetime
    created_by: str


class Milestone(SQLModel, table=True):
    """节点目标: a step of a matter with its own deadline (第十一条 分解工作任务, 第十二条).

    Met by a report that names it (`report --milestone`), received by its deadline and
    not returned.  `assignment_id` names the unit it falls to (null: the matter's).
    """

    __tablename__ = "milestone"

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)
    title: str
    due_on: dt.date = Field(index=True)
    counted_from: dt.date | None = None
    within: int | None = None
    provisional: bool = False
    created_on: dt.date
    created_at: dt.datetime
    created_by: str


class Coordination(SQLModel, table=True):
    """协调: a disagreement between units the office handled, or escalated (第十二条, 第十三条)."""

    __tablename__ = "coordination"

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    units: str  # the units' names, joined by "、"
    note: str = Field(sa_type=Text)
    escalated: bool = False
    coordinated_on: dt.date
    created_at: dt.datetime
    created_by: str


class Inspection(SQLModel, table=True):
    """督查: how the office checked a matter (第二十条), perhaps with a research report (第十四条)."""

    __tablename__ = "inspection"

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    method: str
    note: str | None = Field(default=None, sa_type=Text)
    inspected_on: dt.date
    created_at: dt.datetime
    created_by: str


class Attachment(SQLModel, table=True):
    """A file kept beside the register (a sealed scan of a report, a research report),
    by its SHA-256; the register keeps the name it had and where the copy is."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    report_id: int | None = Field(default=None, foreign_key="report.id", index=True)
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id", index=True)
    name: str
    sha256: str
    size: int
    stored: str  # the copy's path, relative to the attachments folder
    created_at: dt.datetime
    created_by: str


class Notice(SQLModel, table=True):
    """A notification piped to the office's command (`notify_command`): sent once."""

    __tablename__ = "notice"
    __table_args__ = (UniqueConstraint("kind", "ref", name="uq_notice_kind_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # red (an assignment turned red), urging
    ref: str  # what it is about, e.g. "assignment:12:deadline:40"
    sent_at: dt.datetime
    ok: bool


class Deadline(SQLModel, table=True):
    """办理时限: one deadline as it was set, counted or changed; rows are never changed.

    `what` names whose deadline it is: the matter's own (`assignment_id` null) or one
    unit's (`assignment`).  `within` working days after `counted_from` is the rule it
    was counted by (null `within`: a date given by hand), so that `calendar
    recompute` can count it again once a provisional year's schedule is loaded.
    `why` says what set it (`duban.vocab.DEADLINE_WHY`), `previous_id` the deadline it
    replaced, and `effective_on` the business date from which it holds.
    """

    __tablename__ = "deadline"

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)
    what: str
    due_on: dt.date = Field(index=True)
    counted_from: dt.date | None = None
    within: int | None = None
    provisional: bool = False
    why: str
    previous_id: int | None = Field(default=None, foreign_key="deadline.id")
    effective_on: dt.date
    recorded_at: dt.datetime


class HistoryEntry(SQLModel, table=True):
    """The history: append-only, one entry per change, with who and when.

    `recorded_at` is when the change was written (UTC); `effective_on` the business
    date it took effect (a paper report entered days later takes effect on the day
    it arrived).  `action` is `group.verb` (`duban.vocab.ACTION`); `detail` is
    JSON with enough to replay the change.
    """

    __tablename__ = "history"

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int | None = Field(default=None, foreign_key="matter.id", index=True)
    action: str = Field(index=True)
    detail: str = Field(sa_type=Text)
    actor: str
    recorded_at: dt.datetime
    effective_on: dt.date
    prev_hash: str | None = None  # the hash of the entry before (the chain)
    hash: str | None = None  # the hash of this entry's content and prev_hash
    # Digests of the rows the change left (`duban.chain`), covered by `hash`.
    state: str | None = Field(default=None, sa_type=Text)


class UnitHead(SQLModel, table=True):
    """Who was a unit's head (主要负责人) from which day: a report is judged by the head
    on the day it was received (第十二条), not by today's."""

    __tablename__ = "unit_head"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    head: str | None = None
    since: dt.date | None = None  # None: from before the register knew
    created_at: dt.datetime
    created_by: str


class CalendarYear(SQLModel, table=True):
    """A year whose whole schedule the office loaded; it overrides the package."""

    __tablename__ = "calendar_year"

    year: int = Field(primary_key=True)
    source: str
    papers: str | None = Field(default=None, sa_type=Text)
    loaded_at: dt.datetime
    loaded_by: str


class CalendarDay(SQLModel, table=True):
    """One day of a loaded schedule (`set_by_office` false) or one day set by hand."""

    __tablename__ = "calendar_day"
    __table_args__ = (UniqueConstraint("day", "set_by_office", name="uq_calendar_day"),)

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date = Field(index=True)
    off: bool
    name: str = ""
    set_by_office: bool = False


class Setting(SQLModel, table=True):
    """Settings that change what the register means, shared by all its users."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: str
