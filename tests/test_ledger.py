"""The ledger (台账): `export` as xlsx or CSV, and `import` back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from conftest import Cli, add_units, assert_error, enter_report, query, snapshot_of
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from duban.ops.ledger import CHINESE, KEYS

UNIT_NAMES = ["市住房和城乡建设局", "市生态环境局", "市自然资源局", "市教育局", "东胜区人民政府"]
HEADER_ZH = [CHINESE[k] for k in KEYS]


def ledger_csv(path: Path, rows: list[dict[str, object]], *, keys=None) -> Path:
    keys = keys or KEYS
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([CHINESE[k] for k in keys])
        for row in rows:
            writer.writerow([row.get(k, "") for k in keys])
    return path


def story_rows(n: int) -> list[dict[str, object]]:
    """n matters of every kind: coded and not, no lead, two leads, participants with
    their persons, extensions, closed, cancelled, restricted, proposals."""
    rows: list[dict[str, object]] = []
    sources = ["批示", "会议", "人大建议", "政协提案", "文件", "热点", "其他"]
    for i in range(n):
        month = 1 + i % 11
        day = 1 + i % 27
        received = f"2026-{month:02d}-{day:02d}"
        original = f"2026-{month + 1:02d}-{day:02d}"
        row: dict[str, object] = {
            "code": f"DB-2026-{i + 1:04d}" if i % 3 else "",
            "source": sources[i % len(sources)],
            "ref": f"鄂府办〔2026〕{i}号" if i % 2 else "",
            "leader": "张市长" if i % 4 == 0 else "",
            "title": f"事项{i}：落实会议精神",
            "received": received,
            "original_due": original,
            "due": original,
            "restricted": "是" if i % 50 == 7 else "",
        }
        if i % 10 != 9:  # one in ten has no unit yet
            row |= {
                "lead_unit": UNIT_NAMES[i % 5],
                "responsible": f"责任人{i % 13}",
                "notified": received,
                "participants": f"{UNIT_NAMES[(i + 1) % 5]}=王芳" if i % 2 else "",
            }
            if i % 7 == 1:
                row["due"] = f"2026-{month + 1:02d}-{min(day + 3, 28):02d}"  # extended
            if i % 5 == 2:
                row |= {"status": "已办结", "completed": original}
            if i % 17 == 3:
                row["status"] = "已撤销"
        rows.append(row)
        if i % 25 == 4 and row.get("lead_unit") and row["code"]:  # a second lead unit
            rows.append(row | {"lead_unit": UNIT_NAMES[(i + 3) % 5], "participants": "",
                               "responsible": "李四"})  # fmt: skip
    return rows


def fresh(tmp_path: Path, name: str) -> Cli:
    other = Cli(tmp_path / name / "register.db")
    (tmp_path / name).mkdir()
    add_units(other)
    return other


def everything(cli: Cli) -> tuple[list, str]:
    """The register as `list --json` (minus ids) and the plain export, for comparing."""
    listed = json.loads(cli.check("list", "--json", "--as-of", "2026-12-01").stdout)
    for item in listed:
        item.pop("id", None)
    exported = cli.check("export", "--include-restricted", "--as-of", "2026-12-01").stdout
    return listed, exported


def without_ids(value):
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items()
                if k not in ("id", "replaces", "recorded_at", "history", "report_id",
                              "assignment_id")}  # fmt: skip
    if isinstance(value, list):
        return [without_ids(v) for v in value]
    return value


def test_export_then_import_of_1000_matters_reproduces_them(tmp_path):
    first = fresh(tmp_path, "first")
    source = ledger_csv(tmp_path / "start.csv", story_rows(1000))
    done = first.check("import", source, "--json").stdout
    assert json.loads(done)["matters"] == 1000
    listed, exported = everything(first)
    assert len(listed) == 1000
    assert exported.count("\n") > 1000  # the second lead units have rows of their own
    for kind in ("xlsx", "csv"):
        out = tmp_path / f"ledger.{kind}"
        first.check("export", "--format", kind, "--out", out, "--include-restricted",
                    "--as-of", "2026-12-01")  # fmt: skip
        second = fresh(tmp_path, kind)
        second.check("import", out)
        assert everything(second) == (listed, exported)
        for code in ("DB-2026-0002", "DB-2026-0005", "DB-2026-0008", "DB-2026-0030"):
            a = without_ids(first.check("show", code, "--json").data)
            b = without_ids(second.check("show", code, "--json").data)
            assert a == b


def test_the_imported_matters_are_as_the_file_says(cli, units, tmp_path):
    rows = [
        {"code": "DB-2026-0007", "source": "批示", "title": "研究解决城区供暖问题",
         "received": "2026-11-02", "lead_unit": "zjj", "responsible": "周涛",
         "participants": "东胜区人民政府=王芳、市教育局", "notified": "2026-11-03",
         "original_due": "2026-11-23", "due": "2026-11-30"},
        {"code": "DB-2026-0007", "source": "批示", "title": "研究解决城区供暖问题",
         "received": "2026-11-02", "lead_unit": "市生态环境局", "notified": "2026-11-03",
         "original_due": "2026-11-23", "due": "2026-11-23", "status": "", "completed": "2026-11-20"},
        {"source": "会议", "title": "没有编号的事项", "received": "2026-11-05",
         "original_due": "2026-11-26"},
        {"source": "政协提案", "title": "已办结的提案", "received": "2026-03-02",
         "lead_unit": "jyj", "original_due": "2026-06-02", "status": "已办结",
         "completed": "2026-05-29"},
    ]  # fmt: skip
    path = ledger_csv(tmp_path / "ledger.csv", rows)
    data = cli.check("import", path, "--json").data
    assert data["codes"] == ["DB-2026-0007", "DB-2026-0008", "DB-2026-0009"]
    assert (data["matters"], data["assignments"], data["rows"]) == (3, 5, 4)
    shown = cli.check("show", "DB-2026-0007", "--json").data
    units_ = {a["unit"]: a for a in shown["assignments"]}
    zjj = units_["市住房和城乡建设局"]
    assert (zjj["role"], zjj["responsible"], zjj["notified"]) == ("lead", "周涛", "2026-11-03")
    assert (zjj["original_due"], zjj["due"]) == ("2026-11-23", "2026-11-30")  # an extension
    assert units_["东胜区人民政府"]["responsible"] == "王芳"
    assert units_["市教育局"]["role"] == "participant"
    assert units_["市生态环境局"]["status"] == "done"
    assert units_["市生态环境局"]["completed"] == "2026-11-20"
    assert shown["status"] == "assigned"
    closed = cli.check("show", "DB-2026-0009", "--json").data
    assert (closed["status"], closed["closed"], closed["proposal_by"]) == (
        "closed",
        "2026-05-29",
        "cppcc",
    )
    assert cli.check("show", "DB-2026-0008", "--json").data["status"] == "registered"
    history = cli.check("history", "DB-2026-0007", "--json").data
    register = [h for h in history if h["action"] == "matter.register"][0]
    assert register["detail"]["imported_from"] == {"file": "ledger.csv", "line": 2}


def test_three_bad_rows_import_nothing_and_are_named(cli, units, tmp_path):
    rows = story_rows(8)
    rows[2]["lead_unit"] = "市不存在局"
    rows[4]["received"] = "2026-13-45"
    rows[6]["original_due"] = "2025-01-01"  # before it was received
    path = ledger_csv(tmp_path / "bad.csv", rows)
    before = snapshot_of(cli.db)
    message = assert_error(cli("import", path), 2, "3 bad row(s)", "nothing was imported")
    for line in (4, 6, 8):
        assert f"line {line}:" in message
    assert "市不存在局" in message
    assert "line 3:" not in message
    assert snapshot_of(cli.db) == before
    assert_error(cli("import", path, "--dry-run"), 2, "3 bad row(s)")


def test_a_code_already_on_the_register_or_given_twice_is_a_bad_row(cli, assigned, tmp_path):
    rows = [
        {"code": "DB-2026-0001", "source": "批示", "title": "x", "received": "2026-11-02",
         "original_due": "2026-11-23"},
        {"code": "DB-2026-0002", "source": "批示", "title": "y", "received": "2026-11-02",
         "original_due": "2026-11-23"},
        {"code": "DB-2026-0002", "source": "批示", "title": "y", "received": "2026-11-02",
         "original_due": "2026-11-23"},
        {"code": "D-1", "source": "批示", "title": "z", "received": "2026-11-02",
         "original_due": "2026-11-23"},
    ]  # fmt: skip
    path = ledger_csv(tmp_path / "codes.csv", rows)
    message = assert_error(cli("import", path), 2, "3 bad row(s)")
    assert "line 2: DB-2026-0001 is already on the register" in message
    assert "line 4: DB-2026-0002 is on line 3 too" in message
    assert "line 5:" in message and "D-1" in message


def test_dry_run_checks_and_writes_nothing(cli, units, tmp_path):
    path = ledger_csv(tmp_path / "ok.csv", story_rows(30))
    before = snapshot_of(cli.db)
    data = cli.check("import", path, "--dry-run", "--json").data
    assert data["dry_run"] is True and data["matters"] == 30 and data["codes"] == []
    assert snapshot_of(cli.db) == before
    result = cli.check("import", path, "--dry-run")
    assert "nothing written" in result.stderr


def test_formula_cells_are_safe_in_both_formats_and_come_back(cli, units, tmp_path):
    cli.check("register", "=HYPERLINK(\"http://x\")", "--source", "批示", "--ref", "-1+2",
              "--leader", "@张", "--received", "2026-11-02")  # fmt: skip
    xlsx, text = tmp_path / "f.xlsx", tmp_path / "f.csv"
    cli.check("export", "--format", "xlsx", "--out", xlsx, "--as-of", "2026-11-03")
    cli.check("export", "--out", text, "--as-of", "2026-11-03")
    ws = load_workbook(xlsx).active
    for col in ("C", "D", "E"):  # 文号, 领导, 事项
        cell = ws[f"{col}2"]
        assert cell.data_type == "s"
        assert not str(cell.value).startswith(("=", "+", "-", "@"))
    assert ws["E2"].value == '\'=HYPERLINK("http://x")'
    row = list(csv.reader(io.StringIO(text.read_text(encoding="utf-8-sig"))))[1]
    assert row[2:5] == ["'-1+2", "'@张", '\'=HYPERLINK("http://x")']
    for path in (xlsx, text):
        other = fresh(tmp_path, path.suffix[1:])
        other.check("import", path)
        shown = other.check("show", "DB-2026-0001", "--json").data
        assert (shown["title"], shown["source_ref"], shown["leader"]) == (
            "=HYPERLINK(\"http://x\")", "-1+2", "@张")  # fmt: skip


def test_csv_for_a_person_has_a_bom_and_for_a_pipe_none(cli, assigned, tmp_path):
    piped = cli.check("export", "--as-of", "2026-11-26").stdout
    assert not piped.startswith("\ufeff")
    assert piped.splitlines()[0] == ",".join(KEYS)
    assert "DB-2026-0001,instruction," in piped
    out = tmp_path / "ledger.csv"
    cli.check("export", "--out", out, "--lang", "zh", "--as-of", "2026-11-26")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(HEADER_ZH)
    assert "领导批示" in lines[1] and "红" in lines[1] and "办理中" in lines[1]
    cli.check("export", "--out", out, "--lang", "en", "--as-of", "2026-11-26")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf" + b"code,")


def test_xlsx_is_the_office_ledger(cli, units, tmp_path):
    for title, received in (("红灯事项", "2026-10-01"), ("黄灯事项", "2026-11-02"),
                            ("绿灯事项", "2026-11-20")):  # fmt: skip
        code = cli.check("register", title, "--source", "批示", "--received", received,
                         "--json").data["code"]  # fmt: skip
        cli.check("assign", code, "--lead", "市教育局", "--on", received)
    out = tmp_path / "台账.xlsx"
    result = cli.check("export", "--format", "xlsx", "--out", out, "--as-of", "2026-11-20")
    assert "wrote 3 row(s)" in result.stderr
    ws = load_workbook(out).active
    assert [c.value for c in ws[1]] == HEADER_ZH
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:R4"
    light = KEYS.index("light") + 1
    cells = [ws.cell(row=r, column=light) for r in (2, 3, 4)]
    assert [c.value for c in cells] == ["红", "黄", "绿"]
    assert [c.fill.start_color.rgb[-6:] for c in cells] == ["FFC7CE", "FFEB9C", "C6EFCE"]
    received = ws.cell(row=2, column=KEYS.index("received") + 1)
    assert received.is_date and received.value.date().isoformat() == "2026-10-01"
    assert ws.column_dimensions["E"].width >= 30  # 事项


def test_export_picks_the_period_and_leaves_restricted_out(cli, units, tmp_path):
    for title, received in (("十月", "2026-10-08"), ("十一月", "2026-11-02")):
        cli.check("register", title, "--source", "批示", "--received", received)
    cli.check("register", "涉密事项", "--source", "批示", "--received", "2026-11-03",
              "--restricted")  # fmt: skip
    rows = json.loads(cli.check("export", "--json", "--as-of", "2026-11-26").stdout)
    assert [r["title"] for r in rows] == ["十月", "十一月"]
    rows = json.loads(cli.check("export", "--json", "--from", "2026-11-01", "--to", "2026-11-30",
                                "--as-of", "2026-11-26").stdout)  # fmt: skip
    assert [r["title"] for r in rows] == ["十一月"]
    out = tmp_path / "all.csv"
    cli.check("export", "--out", out, "--include-restricted", "--as-of", "2026-11-26")
    assert "涉密事项" in out.read_text(encoding="utf-8-sig")
    history = cli.check("history", "--json").data
    asked = [h for h in history if h["action"] == "restricted.include"]
    assert len(asked) == 1 and asked[0]["detail"]["codes"] == ["DB-2026-0003"]
    other = fresh(tmp_path, "again")
    other.check("import", out)
    assert other.check("show", "DB-2026-0003", "--json").data["restricted"] is True


def test_export_refuses_what_it_cannot_write(cli, units, tmp_path):
    assert_error(cli("export", "--format", "xlsx"), 2, "--out")
    assert_error(cli("export", "--out", tmp_path / "x.txt"), 2, "x.txt")
    assert_error(cli("export", "--from", "2026-12-01", "--to", "2026-11-01"), 2, "before")
    assert_error(cli("export", "--out", tmp_path / "no" / "x.csv"), 2, "cannot write")
    assert not (tmp_path / "x.txt").exists()


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("garbage.xlsx", b"this is not a workbook", "not an .xlsx workbook"),
        ("empty.csv", b"", "empty"),
        ("blank.csv", "\ufeff\n\n".encode(), "empty"),
        ("gbk.csv", "编号,来源,事项,收到日期\n,批示,供暖,2026-11-02\n".encode("gbk"), "not UTF-8"),
        ("twice.csv", "事项,来源,收到日期,title\n供暖,批示,2026-11-02,x\n".encode(), "twice"),
        ("unknown.csv", "事项,来源,收到日期,颜色\n供暖,批示,2026-11-02,x\n".encode(), "颜色"),
        ("missing.csv", "事项,来源\n供暖,批示\n".encode(), "收到日期"),
        ("ledger.txt", b"a,b\n", ".xlsx or .csv"),
        ("binary.csv", b"\x00\x01\x02", "not"),
    ],
)
def test_bad_files_exit_2_and_write_nothing(cli, units, tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot_of(cli.db)
    assert_error(cli("import", path), 2, fragment)
    assert snapshot_of(cli.db) == before
    assert_error(cli("import", tmp_path / "none.csv"), 2, "none.csv")


def test_the_exported_ledger_shows_reports_and_lateness(cli, assigned, tmp_path):
    enter_report(cli, assigned, "市住房和城乡建设局", kind="progress", on="2026-11-10")
    rows = json.loads(cli.check("export", "--json", "--as-of", "2026-11-26").stdout)
    (row,) = rows
    assert row["lead_unit"] == "市住房和城乡建设局"
    assert row["participants"] == "东胜区人民政府"
    assert (row["original_due"], row["due"], row["last_report"]) == (
        "2026-11-23", "2026-11-23", "2026-11-10")  # fmt: skip
    assert (row["light"], row["days_overdue"]) == ("red", 3)


def test_a_ledger_goes_to_postgresql_and_back(tmp_path, pg_schema):
    """The shared register: the same import, the same export, and the ids it took are
    not taken again by a matter registered afterwards."""
    first = fresh(tmp_path, "first")
    source = ledger_csv(tmp_path / "start.csv", story_rows(60))
    first.check("import", source)
    url, _schema = pg_schema
    shared = Cli(url)
    add_units(shared)
    shared.check("import", source)
    assert everything(shared) == everything(first)
    # the imported history is chained and explains every imported row, on both databases
    for register in (first, shared):
        assert register.check("verify", "--json").data["ok"] is True
    out = tmp_path / "shared.xlsx"
    shared.check("export", "--format", "xlsx", "--out", out, "--include-restricted",
                 "--as-of", "2026-12-01")  # fmt: skip
    again = fresh(tmp_path, "again")
    again.check("import", out)
    assert everything(again) == everything(first)
    later = shared.check("register", "之后登记的事项", "--source", "批示", "--received",
                         "2026-11-30", "--json").data  # fmt: skip
    assert later["code"] not in {m["code"] for m in everything(first)[0]}
    shared.check("assign", later["code"], "--lead", "zjj", "--on", "2026-11-30")
    assert shared.check("show", later["code"], "--json").data["assignments"][0]["due"]


def test_a_matters_second_row_may_come_anywhere_in_the_file(cli, units, tmp_path):
    base = {"code": "DB-2026-0007", "source": "批示", "title": "两个牵头单位",
            "received": "2026-11-02", "original_due": "2026-11-23"}  # fmt: skip
    rows = [
        base | {"lead_unit": UNIT_NAMES[0]},
        {"source": "会议", "title": "中间的事项", "received": "2026-11-03",
         "original_due": "2026-11-24", "lead_unit": UNIT_NAMES[2]},
        base | {"lead_unit": UNIT_NAMES[1], "due": "2026-11-30"},
    ]  # fmt: skip
    data = cli.check("import", ledger_csv(tmp_path / "apart.csv", rows), "--json").data
    assert (data["matters"], data["assignments"]) == (2, 3)
    shown = cli.check("show", "DB-2026-0007", "--json").data
    units = {a["unit"]: (a["role"], a["due"]) for a in shown["assignments"]}
    assert units == {UNIT_NAMES[0]: ("lead", "2026-11-23"), UNIT_NAMES[1]: ("lead", "2026-11-30")}
    # the matter without a code is numbered after the highest code in the file
    assert sorted(data["codes"]) == ["DB-2026-0007", "DB-2026-0008"]


@pytest.mark.parametrize("inline", ["", "1"], ids=["forked", "in-process"])
def test_a_bad_last_row_undoes_the_thousands_already_written(cli, units, tmp_path, inline):
    rows = story_rows(2600)  # more than one batch (2,000 matters) is written first
    rows[-1]["lead_unit"] = "市不存在局"
    path = ledger_csv(tmp_path / "late.csv", rows)
    before = snapshot_of(cli.db)
    env = {"DUBAN_IMPORT_INLINE": inline or None}
    message = assert_error(cli("import", path, env=env), 2, "1 bad row(s)")
    assert f"line {len(rows) + 1}:" in message and "市不存在局" in message
    assert snapshot_of(cli.db) == before
    ok = ledger_csv(tmp_path / "ok.csv", rows[:-1])
    assert cli.check("import", ok, "--json", env=env).data["matters"] == 2599


def test_the_forked_reader_and_the_in_process_one_write_the_same(tmp_path):
    source = ledger_csv(tmp_path / "start.csv", story_rows(300))
    forked, inline = fresh(tmp_path, "forked"), fresh(tmp_path, "inline")
    forked.check("import", source)
    inline.check("import", source, env={"DUBAN_IMPORT_INLINE": "1"})
    assert everything(forked) == everything(inline)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_a_date_outside_the_years_duban_counts_is_a_bad_row(cli, units, tmp_path, day):
    rows = [{"source": "批示", "title": "供暖", "received": day, "original_due": day}]
    before = snapshot_of(cli.db)
    message = assert_error(cli("import", ledger_csv(tmp_path / "far.csv", rows)), 2, "line 2:")
    assert "1900" in message and "2199" in message
    assert snapshot_of(cli.db) == before
    cli.check("list", "--json")


def test_an_imported_register_verifies_and_a_hand_edit_after_it_is_found(cli, units, tmp_path):
    cli.check("history", "--json")
    cli.check("import", ledger_csv(tmp_path / "ok.csv", story_rows(120)))
    verified = cli.check("verify", "--json").data
    assert verified["ok"] is True and verified["findings"] == []
    query(
        cli.db,
        "UPDATE deadline SET due_on = '2027-06-30' WHERE id = (SELECT max(id) FROM deadline)",
    )
    result = cli("verify", "--json")
    assert result.exit_code == 1
    assert any(f["table"] == "deadline" for f in json.loads(result.stdout)["findings"])


def test_a_title_with_control_characters_goes_to_xlsx_and_back(cli, units, tmp_path):
    titles = ["\x1b[31m红色\x1b[0m标题", "字面的 _x0041_ 不是转义", "制表\t与换行\n都在"]
    for title in titles:
        cli.check("register", title, "--source", "批示", "--received", "2026-11-02")
    out = tmp_path / "ctl.xlsx"
    cli.check("export", "--format", "xlsx", "--out", out, "--as-of", "2026-12-01")
    other = fresh(tmp_path, "other")
    other.check("import", out)
    listed = json.loads(other.check("list", "--json", "--as-of", "2026-12-01").stdout)
    assert sorted(m["title"] for m in listed) == sorted(titles)


# -- the import's fast paths: each the same as the slow way -------------------------------

_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
_NAME = st.one_of(st.none(), _TEXT)


@settings(max_examples=300, deadline=None)
@given(code=_TEXT, title=_TEXT, source=_TEXT, proposal_by=_NAME, ref=_NAME, leader=_NAME,
       file=_TEXT, line=st.integers(2, 10**6),
       units=st.lists(st.tuples(st.integers(1, 10**6), st.sampled_from(["lead", "participant"])),
                      max_size=4))  # fmt: skip
def test_import_detail_is_json_dumps(code, title, source, proposal_by, ref, leader, file, line,
                                     units):  # fmt: skip
    """The `matter.register` detail the import puts together itself is the JSON that
    `Context.add_to_history` writes for the same detail (json.dumps, keys sorted)."""
    from duban.ops.importing import _quoted, _register_detail

    received, due = dt.date(2026, 11, 2), dt.date(2026, 11, 30)
    where = f'{{"file": {_quoted(file)}, "line": {line}}}'
    made = _register_detail(code, title, source, proposal_by, ref, leader, received, due, where,
                            units)  # fmt: skip
    detail = {
        "code": code, "title": title, "source": source, "source_ref": ref, "leader": leader,
        "received": "2026-11-02", "due": "2026-11-30",
        "imported_from": {"file": file, "line": line},
        "units": [{"id": unit, "role": role} for unit, role in units],
    }  # fmt: skip
    if proposal_by:
        detail["proposal_by"] = proposal_by
    assert made == json.dumps(detail, ensure_ascii=False, sort_keys=True)


def test_an_awkward_title_comes_back_whole_in_the_history(cli, units, tmp_path):
    title = '引号"反斜杠\\、制表\t与换行\n𠀀'
    rows = [{"source": "批示", "title": title, "received": "2026-11-02", "lead_unit": "zjj",
             "original_due": "2026-11-30", "ref": "鄂府办〔2026〕1号"}]  # fmt: skip
    cli.check("import", ledger_csv(tmp_path / "odd.csv", rows))
    code = cli.check("list", "--json").data[0]["code"]
    history = cli.check("history", code, "--json").data
    detail = [h for h in history if h["action"] == "matter.register"][0]["detail"]
    assert (detail["title"], detail["source_ref"], detail["leader"]) == (
        title, "鄂府办〔2026〕1号", None)  # fmt: skip
    assert cli.check("verify", "--json").data["ok"] is True


def _indexes(db: Path) -> list[tuple]:
    return query(db, "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
                     "ORDER BY name")  # fmt: skip


@pytest.mark.sqlite_only  # SQLite's own catalogue of indexes
def test_a_large_import_leaves_the_indexes_as_they_were(cli, units, tmp_path):
    """A file of more rows than the register has matters is written with the plain
    indexes set aside and made again before the commit; a small one with them in
    place.  Either way the register ends with every index it had, and healthy."""
    before = _indexes(cli.db)
    assert any(name == "ix_deadline_due_on" for name, _t, _s in before)
    cli.check("import", ledger_csv(tmp_path / "large.csv", story_rows(1200)))
    assert _indexes(cli.db) == before
    small = [dict(row, code="") for row in story_rows(40)]
    cli.check("import", ledger_csv(tmp_path / "small.csv", small))
    assert _indexes(cli.db) == before
    assert cli("check").exit_code == 0
    plan = query(cli.db, "EXPLAIN QUERY PLAN SELECT id FROM deadline WHERE due_on = '2026-12-01'")
    assert "ix_deadline_due_on" in str(plan)


@pytest.mark.sqlite_only  # SQLite's foreign keys, off in a bulk write
def test_a_row_pointing_at_nothing_is_found_before_a_bulk_write_commits(tmp_path):
    """`db.unlinked_rows`: the check a bulk write (foreign keys off) makes of its new
    rows, one pass over them for every key of the table."""
    import sqlite3
    from contextlib import closing

    from sqlalchemy import create_engine

    from duban.db import unlinked_rows

    path = tmp_path / "r.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(
            "CREATE TABLE unit (id INTEGER PRIMARY KEY);"
            "CREATE TABLE matter (id INTEGER PRIMARY KEY);"
            "CREATE TABLE assignment (id INTEGER PRIMARY KEY,"
            " matter_id INTEGER REFERENCES matter (id), unit_id INTEGER REFERENCES unit (id));"
            "INSERT INTO unit VALUES (1); INSERT INTO matter VALUES (1), (2);"
            "INSERT INTO assignment VALUES (1, 1, 1), (2, 2, 7), (3, 9, 1), (4, 8, 6),"
            " (5, 2, NULL);"
        )
        conn.commit()
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert sorted(unlinked_rows(conn, "assignment", 0)) == [
            ("matter_id", 3), ("matter_id", 4), ("unit_id", 2), ("unit_id", 4)]  # fmt: skip
        assert unlinked_rows(conn, "assignment", 4) == []
        assert unlinked_rows(conn, "unit", 0) == []
    engine.dispose()


@pytest.mark.sqlite_only  # a register file that is not one
def test_an_import_that_cannot_begin_leaves_no_reader_behind(tmp_path):
    """The file's reader starts before the register is opened (it parses while the
    register opens); when the register cannot be opened, the reader is ended with the
    command, and the refusal is the register's."""
    import multiprocessing

    source = ledger_csv(tmp_path / "start.csv", story_rows(3000))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a register at all " * 200)
    before = junk.read_bytes()
    result = Cli(junk)("import", source)
    assert result.exit_code in (2, 5), result.stderr
    assert "junk.db" in result.stderr
    assert multiprocessing.active_children() == []
    assert junk.read_bytes() == before


def test_a_cell_said_to_be_beyond_the_last_column_is_refused_at_once(cli, units, tmp_path):
    """A sheet's cell references are the file's word: one past XFD (the 16,384th column)
    would have its row padded out to it, cell by cell, for ever."""
    import zipfile

    cli.check("import", ledger_csv(tmp_path / "ok.csv", story_rows(3)))
    good = tmp_path / "good.xlsx"
    cli.check("export", "--format", "xlsx", "--out", good, "--as-of", "2026-12-01")
    bad = tmp_path / "far.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                assert b'r="A2"' in data
                data = data.replace(b'r="A2"', b'r="ZZZZZZZZZZ2"')
            target.writestr(item, data)
    fresh_one = fresh(tmp_path, "far")
    before = snapshot_of(fresh_one.db)
    assert_error(fresh_one("import", bad), 2, "not an .xlsx workbook")
    assert snapshot_of(fresh_one.db) == before
