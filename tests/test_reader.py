"""The read path and the ORM see the same register, on SQLite and on PostgreSQL.

`duban.reader` reads with the database driver alone (what `list`, `overdue`, `show`,
`history` and `unit list` run on); the operations write through SQLModel.  Every row
of every table must read back the same both ways, and what the CLI prints from the
read path must be what the operations see in-process.  The read commands must not
import the ORM at all, and listings must stream.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys

import pytest
from conftest import PINNED_NOW, Cli, changed, units_in
from sqlmodel import select

from duban import models, views
from duban.migrations import LATEST
from duban.ops.assignments import assign_units
from duban.ops.calendar import set_day
from duban.ops.config import set_setting
from duban.ops.matters import register_matter
from duban.ops.reports import add_report, review_report
from duban.ops.units import add_unit
from duban.reader import open_reader
from duban.store import SCHEMA_VERSION

HOUSING, ECOLOGY, DONGSHENG = "市住房和城乡建设局", "市生态环境局", "东胜区人民政府"
D = dt.date
TABLES = [
    models.Unit,
    models.Matter,
    models.Assignment,
    models.Report,
    models.Review,
    models.Deadline,
    models.HistoryEntry,
    models.CalendarDay,
    models.Setting,
]


def scene(url: str) -> None:
    """Units, four matters: closed, reworked and extended, overdue, never assigned; a day
    set by hand; a setting changed; a provisional deadline in 2027."""
    with changed(url) as ctx:
        units_in(ctx)
        add_unit(ctx, "东胜区教育局", parent=DONGSHENG)
        set_setting(ctx, "default_within", "12")
        set_setting(ctx, "source_deadlines", "")  # proposals too: 12 working days, not 3 months
        set_day(ctx, D(2026, 12, 31), off=True, name="停电")
        a = register_matter(ctx, "研究解决城区供暖问题", source="instruction",
                            received=D(2026, 9, 28)).code  # fmt: skip
        assign_units(ctx, a, leads=[f"{HOUSING}=周涛"], participants=[DONGSHENG], on=D(2026, 9, 29))
        b = register_matter(ctx, "落实黄河流域生态保护决定", source="会议", ref="第12次常务会议",
                            received=D(2026, 10, 12), within=20).code  # fmt: skip
        assign_units(ctx, b, leads=[ECOLOGY, "市自然资源局"], on=D(2026, 10, 13))
        register_matter(ctx, "关于增设公交线路的建议", source="proposal", received=D(2026, 10, 26))
        register_matter(
            ctx, "做好元旦春节安全生产工作", source="document", received=D(2026, 12, 20)
        )
    with changed(url) as ctx:
        first, _, _ = add_report(ctx, a, unit=HOUSING, kind="final", text="已完成", written=True,
                                 signed_by="张建国", sealed=True, on=D(2026, 10, 20))  # fmt: skip
        review_report(ctx, first.id, accept=True, on=D(2026, 10, 21))
        rework, _, _ = add_report(ctx, b, unit=ECOLOGY, kind="final", text="已排查",
                                  written=True, on=D(2026, 11, 5))  # fmt: skip
        review_report(ctx, rework.id, accept=False, reason="未盖章", within=10, on=D(2026, 11, 6))
        ask, _, _ = add_report(ctx, b, unit="市自然资源局", kind="explanation", text="需协调",
                               propose_due=D(2026, 12, 18), on=D(2026, 11, 10),
                               late_reason="协调未果")  # asked after 11-09  # fmt: skip
        review_report(ctx, ask.id, accept=True, on=D(2026, 11, 11))


def _utc(value: object) -> object:
    # SQLite gives the ORM naive UTC instants; the read path says they are UTC.
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


@pytest.fixture
def register(fresh_db):
    scene(fresh_db)
    return fresh_db


def test_every_row_of_every_table_reads_back_the_same(register):
    reader, close = open_reader(register)
    try:
        with changed(register) as ctx:
            for model in TABLES:
                name = model.__tablename__
                table = reader.table(name)
                assert set(table.columns) == set(model.model_fields), name
                key = ", ".join(table.columns[:1])
                fast = [table.make(r)._asdict() for r in reader.rows(
                    f"SELECT {table.select('t')} FROM {name} t ORDER BY t.{key}")]  # fmt: skip
                orm = [{c: _utc(getattr(row, c)) for c in table.columns}
                       for row in ctx.session.exec(select(model).order_by(table.columns[0]))]  # fmt: skip
                assert fast, f"the scene left {name} empty"
                assert fast == orm, name
    finally:
        close()


def test_the_cli_prints_what_the_operations_see(register):
    """The CLI reads on its own connection; the operations on their session's."""
    cli = Cli(register)
    with changed(register) as ctx:
        listed = [views.listed(x) for x in ctx.reader.matters()]
        late = [views.overdue(x) for x in ctx.reader.overdue(D(2026, 11, 26))]
        shown = views.dossier(ctx.reader.dossier(ctx.reader.find_matter("DB-2026-0002")))
        history = [views.history_row(e, c) for e, c in ctx.reader.history(action="review")]
    assert cli.check("list", "--json").data == listed
    assert cli.check("overdue", "--as-of", "2026-11-26", "--json").data == late
    assert cli.check("show", "DB-2026-0002", "--json").data == shown
    assert cli.check("history", "--action", "review", "--json").data == history
    # And the figures are the ones counted by hand.
    assert [(x["code"], x["unit"], x["due"]) for x in late] == [
        ("DB-2026-0003", None, "2026-11-11"),  # 12 working days after 10-26, never assigned
        ("DB-2026-0002", ECOLOGY, "2026-11-20"),  # returned on 11-06 with 10 days
    ]
    assert [(d["unit"], d["why"], d["due"]) for d in shown["deadlines"] if d["unit"]] == [
        (ECOLOGY, "assign", "2026-11-09"),
        ("市自然资源局", "assign", "2026-11-09"),
        (ECOLOGY, "rework", "2026-11-20"),
        ("市自然资源局", "extension", "2026-12-18"),
    ]


def test_the_schema_version_is_one_number():
    assert SCHEMA_VERSION == LATEST


@pytest.mark.parametrize(
    "command",
    [
        ["list", "--json"],
        ["list"],
        ["overdue", "--as-of", "2026-11-26"],
        ["show", "DB-2026-0002"],
        ["history", "--limit", "3"],
        ["unit", "list"],
    ],
    ids=lambda c: " ".join(c),
)
def test_reading_commands_import_no_orm(tmp_path, command, monkeypatch):
    """The fast read path: the database driver alone, neither SQLAlchemy nor pydantic."""
    monkeypatch.setenv("DUBAN_NOW", PINNED_NOW)  # the scene's dates run to 2026-12-20
    path = tmp_path / "r.db"
    scene(f"sqlite:///{path}")
    code = (
        "import sys\n"
        "from duban.cli.app import main\n"
        f"sys.argv = ['duban', *{command!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'pydantic')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}),\n"
        "      file=sys.stderr)\n"
    )
    env = {"DUBAN_DB": str(path), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip().splitlines()[-1] == "[]"


def test_listings_stream_as_the_rows_come(monkeypatch):
    """JSON, CSV and long tables are written row by row: what came before a failure is
    out already (a listing of every matter never waits for the whole register)."""
    from duban import render

    count = render.RICH_ROWS + render.PLAIN_PAGE + 50  # a table measures its first page

    def rows():
        for i in range(count):
            yield {"code": f"DB-2026-{i:04d}", "title": "供暖" * (i % 5 + 1)}
        raise RuntimeError("the cursor failed")

    for fmt in ("json", "csv", "table"):
        out = io.StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        with pytest.raises(RuntimeError):
            render.emit(rows(), fmt, columns=["code", "title"])
        assert f"DB-2026-{count - 1:04d}" in out.getvalue(), fmt


def test_a_streamed_json_listing_is_the_same_json(monkeypatch):
    from duban import render

    data = [{"code": "DB-2026-0001", "title": "供暖", "n": [1, {"a": None}]}, {"code": "x"}]
    for given in (data, []):
        out = io.StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        render.emit(iter(given), "json")
        assert out.getvalue() == json.dumps(given, ensure_ascii=False, indent=2) + "\n"


def test_a_long_table_keeps_its_columns_under_chinese_text(monkeypatch):
    """Past RICH_ROWS rows the table is written plainly; CJK takes two columns each."""
    from duban import render

    rows = [{"code": f"DB-2026-{i:04d}", "title": "落实" * (i % 7 + 1), "unit": "市教育局"}
            for i in range(render.RICH_ROWS + 1)]  # fmt: skip
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    render.emit(iter(rows), "table", columns=["code", "title", "unit"], title="All")
    lines = out.getvalue().splitlines()
    assert lines[0] == "All" and lines[1].split() == ["Code", "Title", "Unit"]
    starts = {render.width(line[: line.index("市教育局")]) for line in lines[3:]}
    assert len(lines) == 3 + len(rows) and len(starts) == 1
